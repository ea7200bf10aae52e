// What the browser tests share: the service started on a free loopback port with its own
// SQLite file, blob directory and mail outbox; headless Chromium that can reach nothing but
// the service; and waiting for a condition with a deadline.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const binary = process.env.TODO_API_BINARY ?? join(target, "debug/todo-api");
export const screenshots = process.env.SCREENSHOTS ?? join(target, "browser");

export async function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Polls `check` until it returns a truthy value, or fails after `ms`. */
export async function eventually(what, check, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

/** A service on its own port and files; `restart()` keeps both, as a deploy would. */
export async function startService(extraEnv = {}) {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), "todo-api-browser-"));
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    APP_SERVER__PORT: String(port),
    // No load balancer to drain for: stop at once.
    APP_SERVER__DRAIN_SECONDS: "0",
    APP_DATABASE__URL: `sqlite://${directory}/todo.db`,
    APP_LOG__FILTER: "warn",
    APP_STORAGE__URL: `file://${directory}/blobs`,
    APP_MAIL__OUTBOX_DIR: join(directory, "mail"),
    APP_MAIL__LINK_BASE_URL: base,
    ...extraEnv,
  };
  const service = { base, directory, process: null };
  service.start = async () => {
    service.process = spawn(binary, ["serve"], { env, stdio: ["ignore", "inherit", "inherit"] });
    const exited = new Promise((done) => service.process.once("exit", done));
    service.exited = exited;
    await eventually("the service to answer", async () => {
      try {
        return (await fetch(`${base}/health`)).ok;
      } catch {
        return false;
      }
    }, 30_000);
  };
  service.stop = async () => {
    if (!service.process || service.process.exitCode !== null) return;
    service.process.kill("SIGTERM");
    await service.exited;
  };
  service.restart = async () => {
    await service.stop();
    await service.start();
  };
  service.cleanUp = async () => {
    await service.stop();
    rmSync(directory, { recursive: true, force: true });
  };
  await service.start();
  return service;
}

/** The newest e-mail in the outbox whose text contains `needle`, decoded from quoted-printable. */
export async function mailContaining(service, needle) {
  const outbox = join(service.directory, "mail");
  return eventually(`an e-mail containing ${needle}`, () => {
    if (!existsSync(outbox)) return null;
    const texts = readdirSync(outbox)
      .filter((name) => name.endsWith(".eml"))
      .map((name) => decodeQuotedPrintable(readFileSync(join(outbox, name), "utf8")));
    return texts.find((text) => text.includes(needle)) ?? null;
  });
}

function decodeQuotedPrintable(text) {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
      "--disable-background-networking", "--disable-component-update",
      // Belt and braces: no host name resolves, so nothing could leave even unrouted.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
}

/** Records and refuses every request of `context` that is not for the service. */
export async function keepOnLoopback(context, base, leaked) {
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    leaked.push(url);
    return route.abort();
  });
}
