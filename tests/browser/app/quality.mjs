// How the app treats people: the keyboard alone, a phone-sized screen, and axe-core's scan of
// every main screen in light and dark (no serious or critical violation).

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { heading, loggedInPage, logInThroughForm } from "./accounts.mjs";
import { addTodo, registerUser, todoItem, todoItems } from "./todos.mjs";

// Someone with an empty list, so that what they add is on the first page.
const GRACE = { username: "grace", email: "grace@example.com", password: "analytical engine" };

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const widthOver = () => document.documentElement.scrollWidth - document.documentElement.clientWidth;
const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

/** Waits (2 s at most) until the focus is on what `what` names (id, or tag name), then checks it. */
async function focusReaches(page, what, message) {
  const reached = (wanted) => (document.activeElement?.id || document.activeElement?.tagName) === wanted;
  await page.waitForFunction(reached, what, { timeout: 2000 }).catch(() => {});
  assert.equal(await focused(page), what, message);
}

export async function keyboardOnly(world) {
  await registerUser(world, GRACE);
  const page = await world.newPage();
  await page.goto(`${world.base}/app/`);
  await heading(page, "Log in").waitFor();
  // On a page just loaded, the skip link comes first and leads to the content.
  await page.keyboard.press("Tab");
  assert.equal(await focused(page), "skip");
  await page.keyboard.press("Enter");
  assert.equal(await focused(page), "main");
  // From the content: username, password, Enter.
  await page.keyboard.press("Tab");
  await page.keyboard.type(GRACE.username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(GRACE.password);
  await page.keyboard.press("Enter");
  await heading(page, "My todos").waitFor();
  // The heading is drawn before the list's data arrives; the focus moves once the view is done.
  await focusReaches(page, "H1", "the new page's heading has the focus");
  // Add a todo: the title field is next, then the description, then the button.
  await page.keyboard.press("Tab");
  await page.keyboard.type("Typed without a mouse");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await todoItem(page, "Typed without a mouse").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), "title", "back to the title for the next one");
  // Space ticks a focused checkbox; the focus stays on it through the redraw.
  const checkbox = todoItem(page, "Typed without a mouse").getByRole("checkbox");
  await checkbox.focus();
  await page.keyboard.press("Space");
  await todoItem(page, "Typed without a mouse").and(page.locator(".done")).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.type), "checkbox");
  // Tab on reaches the edit link; Enter opens it.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await heading(page, "Edit todo").waitFor();
  await page.context().close();
}

export async function phoneScreen(world) {
  const page = await loggedInPage({ ...world, user: GRACE }, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  await addTodo(page, "A todo with quite a long title to see how it wraps on a narrow screen");
  assert.equal(await page.evaluate(widthOver), 0, "the list fits the screen");
  await world.shot(page, "app-phone");
  await todoItem(page, "A todo with quite a long title").getByRole("link", { name: /^Edit/ }).click();
  await heading(page, "Edit todo").waitFor();
  await page.getByRole("list", { name: "Attachments" }).getByRole("listitem").first().waitFor();
  assert.equal(await page.evaluate(widthOver), 0, "the todo fits the screen");
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("list", { name: "Sessions" }).getByRole("listitem").first().waitFor();
  assert.equal(await page.evaluate(widthOver), 0, "the account page fits the screen");
  await page.context().close();
}

async function scan(page) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return {
      passed: result.passes.length,
      violations: result.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        nodes: violation.nodes.map((node) => node.target.join(" ")),
      })),
    };
  });
}

export async function accessibility(world) {
  const found = [];
  const screens = [];
  for (const colorScheme of ["light", "dark"]) {
    // axe-core is injected as a script, which the app's policy rightly refuses: this
    // context alone bypasses it.
    const page = await world.newPage({ colorScheme, bypassCSP: true });
    const check = async (name) => {
      const { passed, violations } = await scan(page);
      // The scan ran its rules on this screen, rather than on nothing.
      assert.ok(passed >= 10, `axe-core checked ${passed} rules on ${name}`);
      for (const violation of violations) found.push({ screen: `${name} (${colorScheme})`, ...violation });
      screens.push(`${name} (${colorScheme})`);
    };
    await page.goto(`${world.base}/app/`);
    await heading(page, "Log in").waitFor();
    await check("log in");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.locator('[data-error-for="username"]').filter({ hasText: /./ }).waitFor();
    await check("registration with errors");
    await page.goto(`${world.base}/app/#/login`);
    await heading(page, "Log in").waitFor();
    await logInThroughForm(page, world.user);
    await todoItems(page).first().waitFor();
    await check("todo list");
    if (colorScheme === "dark") await world.shot(page, "app-todos-dark");
    await page.getByRole("link", { name: /^Edit/ }).first().click();
    await heading(page, "Edit todo").waitFor();
    await page.getByRole("list", { name: "Attachments" }).getByRole("listitem").first().waitFor();
    await check("todo");
    await page.getByRole("link", { name: "Account" }).click();
    await heading(page, "Account").waitFor();
    await page.getByRole("list", { name: "Sessions" }).getByRole("listitem").first().waitFor();
    await check("account");
    await page.goto(`${world.base}/app/#/forgot-password`);
    await heading(page, "Forgot your password?").waitFor();
    await check("forgotten password");
    await page.context().close();
  }
  const blocking = found.filter((violation) => ["serious", "critical"].includes(violation.impact));
  assert.deepEqual(blocking, [], "axe-core found serious or critical violations");
  const minor = found.map((violation) => `${violation.id} (${violation.impact}) on ${violation.screen}`);
  world.axe = `axe-core ${minor.length === 0 ? "found no violations" : `found only minor ones: ${minor.join("; ")}`} on ${screens.length} screens`;
}
