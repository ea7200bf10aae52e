// Accounts in the web app: registration, the session kept across a reload by its cookie
// alone, the token refreshed before it expires, sessions, password change and reset.

import assert from "node:assert/strict";
import { eventually, mailContaining } from "../harness.mjs";

export const heading = (page, name) => page.getByRole("heading", { level: 1, name });

/** Logs `user` in through the app's form, on a page that shows it. */
export async function logInThroughForm(page, user) {
  const form = page.getByRole("form", { name: "Log in" });
  await form.getByLabel("Username").fill(user.username);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Log in" }).click();
  await heading(page, "My todos").waitFor();
}

/** A new browser (its own cookies) where `user` is logged in. */
export async function loggedInPage(world, options = {}) {
  const page = await world.newPage(options);
  await page.goto(`${world.base}/app/`);
  await heading(page, "Log in").waitFor();
  await logInThroughForm(page, world.user);
  return page;
}

export async function registration(world) {
  const page = await world.newPage();
  const response = await page.goto(`${world.base}/app/`);
  const csp = response.headers()["content-security-policy"];
  assert.match(csp, /script-src 'self'/, "the app is served with its Content-Security-Policy");
  await heading(page, "Log in").waitFor();
  await world.shot(page, "app-login");
  await page.getByRole("link", { name: "Create an account" }).click();
  await heading(page, "Create an account").waitFor();

  // The API's 422 details appear next to the fields they name, all at once.
  const form = page.getByRole("form", { name: "Create an account" });
  await form.getByLabel("Username").fill("a");
  await form.getByLabel("E-mail").fill("not-an-address");
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Create account" }).click();
  for (const name of ["username", "email", "password"]) {
    const slot = form.locator(`[data-error-for="${name}"]`);
    await eventually(`an error next to ${name}`, async () => (await slot.textContent()).trim().length > 0);
    const input = form.locator(`[name="${name}"]`);
    assert.equal(await input.getAttribute("aria-invalid"), "true", `${name} is marked invalid`);
    const described = await input.getAttribute("aria-describedby");
    assert.ok(described.includes(await slot.getAttribute("id")), `${name}'s error is tied to it`);
  }
  assert.equal(await page.evaluate(() => document.activeElement.name), "username", "the first bad field has the focus");
  await world.shot(page, "app-register-errors");

  await form.getByLabel("Username").fill(world.user.username);
  await form.getByLabel("E-mail").fill(world.user.email);
  await form.getByLabel("Password").fill(world.user.password);
  await form.getByRole("button", { name: "Create account" }).click();
  await heading(page, "My todos").waitFor();

  // Log out and in again through the form.
  await page.getByRole("button", { name: "Log out" }).click();
  await heading(page, "Log in").waitFor();
  const refused = page.getByRole("form", { name: "Log in" });
  await refused.getByLabel("Username").fill(world.user.username);
  await refused.getByLabel("Password").fill("wrong password");
  await refused.getByRole("button", { name: "Log in" }).click();
  await refused.getByRole("alert").getByText("Incorrect username or password").waitFor();
  await logInThroughForm(page, world.user);
  return page;
}

export async function restoredSession(world, page) {
  // Nothing a script can read holds a token: not storage, not document.cookie.
  const readable = await page.evaluate(() => ({
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    cookie: document.cookie,
  }));
  assert.deepEqual(readable, { local: 0, session: 0, cookie: "" });
  const cookie = (await page.context().cookies()).find((each) => each.name === "todo_refresh");
  assert.ok(cookie, "the refresh token is in its cookie");
  assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, "Strict", "/auth/session"]);

  // A reload loses the access token, not the session.
  await page.reload();
  await heading(page, "My todos").waitFor();

  // The app's files are revalidated by their ETags: a reload gets 304s. (In a context
  // of its own: intercepting requests, as the others do, turns the browser's cache off.)
  const cached = await world.newPage({}, { route: false });
  await cached.goto(`${world.base}/app/`);
  await heading(cached, "Log in").waitFor();
  const files = [];
  const record = (response) => {
    // The scripts and the style sheet; the page itself and the favicon are reloaded whole.
    const path = new URL(response.url()).pathname;
    if (path.startsWith("/app/") && /\.(js|css)$/.test(path)) files.push(response.status());
  };
  cached.on("response", record);
  await cached.reload();
  await heading(cached, "Log in").waitFor();
  assert.ok(files.length >= 10 && files.every((status) => status === 304), `revalidated: ${files}`);
  world.figures.push(`a reload revalidated the ${files.length} scripts and style sheet of the app, every one answered 304`);
  await cached.context().close();

  // A tab whose clock is ours: the access token (30 minutes) is refreshed a minute before it expires.
  const tab = world.watch(await page.context().newPage());
  await tab.clock.install();
  await tab.goto(`${world.base}/app/#/todos`);
  await heading(tab, "My todos").waitFor();
  const refreshed = tab.waitForResponse(
    (response) => response.url().endsWith("/auth/session/refresh") && response.request().method() === "POST",
  );
  await tab.clock.fastForward("29:10");
  assert.equal((await refreshed).status(), 200, "refreshed before expiry");
  await tab.close();
}

export async function sessions(world, page) {
  const other = await loggedInPage(world);
  await page.getByRole("link", { name: "Account" }).click();
  await heading(page, "Account").waitFor();
  const list = page.getByRole("list", { name: "Sessions" });
  await list.getByText("(this browser)").waitFor();
  assert.ok((await list.getByRole("listitem").count()) >= 2, "this browser and the other one, at least");
  await world.shot(page, "app-account");

  // A wrong current password is refused next to the form; the right one ends the other session.
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password").fill("a brand new password");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByRole("alert").getByText("Incorrect password").waitFor();
  await form.getByLabel("Current password").fill(world.user.password);
  await form.getByLabel("New password").fill("a brand new password");
  await form.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Your password is changed").waitFor();
  world.user.password = "a brand new password";
  await eventually("one session left", async () => (await list.getByRole("listitem").count()) === 1);
  // The other browser finds out by itself (its live stream closes, the refresh is refused).
  await heading(other, "Log in").waitFor({ timeout: 15_000 });

  // Log out everywhere: this browser and a third one.
  const third = await loggedInPage(world);
  await page.reload();
  await eventually("two sessions", async () => (await list.getByRole("listitem").count()) === 2);
  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await heading(page, "Log in").waitFor();
  await heading(third, "Log in").waitFor({ timeout: 15_000 });
  await other.context().close();
  await third.context().close();
}

export async function passwordReset(world) {
  const page = await world.newPage();
  await page.goto(`${world.base}/app/#/login`);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await heading(page, "Forgot your password?").waitFor();
  await page.getByLabel("E-mail").fill(world.user.email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await page.getByText("If the address is registered").waitFor();

  const mail = await mailContaining(world.service, "/reset-password?token=");
  const link = /(http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mail)[1];
  await page.goto(link);
  await heading(page, "Choose a new password").waitFor();
  assert.ok(!page.url().includes("token"), `the token left the address bar: ${page.url()}`);
  const form = page.getByRole("form", { name: "Choose a new password" });
  await form.getByLabel("New password").fill("short");
  await form.getByRole("button", { name: "Set password" }).click();
  await form.locator('[data-error-for="new_password"]').getByText(/at least 8/i).waitFor();
  await form.getByLabel("New password").fill("reset by e-mail link");
  await form.getByRole("button", { name: "Set password" }).click();
  await heading(page, "Log in").waitFor();
  await page.getByText("Your password is changed").waitFor();
  world.user.password = "reset by e-mail link";
  await logInThroughForm(page, world.user);
  await page.context().close();
}
