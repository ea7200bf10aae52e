// The web app at /app/, used as people would, in headless Chromium with no network beyond the
// service: register and log in, the list with its filter, pages, toggles, edits and deletes,
// attachments, export and import, live changes between two tabs and across a restart of the
// service, sessions and "log out everywhere", password change and reset through the e-mailed
// link, the keyboard alone, a phone-sized screen, and an axe-core scan of every main screen in
// light and dark. Any page error or Content-Security-Policy violation fails the test.
//
//   node app.test.mjs     (TODO_API_BINARY, CHROMIUM, SCREENSHOTS may be set; DOC_IMAGES=1
//                          also writes the README's screenshots into docs/images)

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { keepOnLoopback, launchBrowser, root, screenshots, startService } from "./harness.mjs";
import { passwordReset, registration, restoredSession, sessions } from "./app/accounts.mjs";
import { liveChanges } from "./app/live.mjs";
import { accessibility, keyboardOnly, phoneScreen } from "./app/quality.mjs";
import { attachments, exportAndImport, todoList } from "./app/todos.mjs";

const USER = { username: "ada", email: "ada@example.com", password: "correct horse battery" };

async function main() {
  const service = await startService();
  const browser = await launchBrowser();
  const world = {
    service,
    base: service.base,
    user: { ...USER },
    leaked: [],
    figures: [],
    problems: [],
    shots: [screenshots, ...(process.env.DOC_IMAGES ? [join(root, "docs/images")] : [])],
    async newPage(options = {}, { route = true } = {}) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
      if (route) await keepOnLoopback(context, service.base, world.leaked);
      return world.watch(await context.newPage());
    },
    watch(page) {
      page.setDefaultTimeout(10_000);
      page.on("pageerror", (error) => world.problems.push(`page error: ${error.message}`));
      page.on("console", (message) => {
        // A refused request (401, 404, 422) is logged by the browser itself; that is the API
        // answering, not the page failing. Anything else red is a problem.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
          world.problems.push(`console: ${message.text()}`);
        }
      });
      return page;
    },
    async shot(page, name) {
      await page.evaluate(() => window.scrollTo(0, 0));
      for (const directory of world.shots) {
        mkdirSync(directory, { recursive: true });
        await page.screenshot({ path: join(directory, `${name}.png`) });
      }
    },
  };
  const steps = [];
  const step = async (name, run) => {
    const started = Date.now();
    await run();
    steps.push(name);
    console.log(`  ok: ${name} (${Date.now() - started} ms)`);
  };
  try {
    let page;
    await step("registration with its 422 errors next to the fields", async () => {
      page = await registration(world);
    });
    await step("the session restored from its cookie, the token refreshed before expiry", () => restoredSession(world, page));
    await step("create, toggle, filter, edit with If-Match, delete", () => todoList(world, page));
    await step("live changes between two tabs, and after a restart of the service", () => liveChanges(world, page));
    await step("import with line errors, pages of 20, export as CSV and NDJSON", () => exportAndImport(world, page));
    await step("attachments: upload with progress, download, delete", () => attachments(world, page));
    await step("keyboard only", () => keyboardOnly(world));
    await step("a phone-sized screen", () => phoneScreen(world));
    await step("axe-core on every main screen, light and dark", () => accessibility(world));
    await step("sessions, password change, log out everywhere", () => sessions(world, page));
    await step("password reset through the e-mailed link", () => passwordReset(world));
  } finally {
    await browser.close();
    await service.cleanUp();
  }
  assert.deepEqual(world.leaked, [], "requests left the host");
  assert.deepEqual(world.problems, [], "the pages had errors");
  console.log(`web app test passed: ${steps.length} journeys; ${world.axe}; ${world.figures.join("; ")}; screenshots in ${world.shots.join(", ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
