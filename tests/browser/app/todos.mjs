// The todo list in the web app: create, toggle, filter, edit (with a conflicting change made
// elsewhere), delete; import with errors and pages; export; attachments.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { eventually } from "../harness.mjs";
import { heading } from "./accounts.mjs";

/** Registers `user` through the API. */
export async function registerUser(world, user) {
  const response = await fetch(`${world.base}/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(user),
  });
  assert.equal(response.status, 201);
}

/** A bearer token for `user`, for changes made "elsewhere", through the API itself. */
export async function apiToken(world) {
  const response = await fetch(`${world.base}/auth/token`, {
    method: "POST",
    body: new URLSearchParams({ username: world.user.username, password: world.user.password }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

export async function apiCall(world, method, path, json) {
  const response = await fetch(`${world.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await apiToken(world)}`, "Content-Type": "application/json" },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

export const todoItems = (page) => page.getByRole("list", { name: "Todos" }).getByRole("listitem");
export const todoItem = (page, title) => todoItems(page).filter({ hasText: title });

export async function addTodo(page, title, description = "") {
  const form = page.getByRole("form", { name: "Add a todo" });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Description").fill(description);
  await form.getByRole("button", { name: "Add todo" }).click();
  await todoItem(page, title).first().waitFor();
}

/** Chooses a filter and waits until the list holds exactly `titles`. */
async function choose(page, filter, titles) {
  await page.getByRole("radio", { name: filter }).check();
  await eventually(`the ${filter} filter`, () => page.url().includes(`show=${filter.toLowerCase()}`));
  await eventually(`${titles} under ${filter}`, async () => {
    const shown = await todoItems(page).locator(".text").allTextContents();
    return JSON.stringify(shown) === JSON.stringify(titles);
  });
}

export async function todoList(world, page) {
  // The title is checked by the API, and its message shown next to the field.
  const form = page.getByRole("form", { name: "Add a todo" });
  await form.getByLabel("Title").fill("   ");
  await form.getByRole("button", { name: "Add todo" }).click();
  await form.locator('[data-error-for="title"]').filter({ hasText: /./ }).waitFor();
  assert.equal(await form.getByLabel("Title").getAttribute("aria-invalid"), "true");

  await addTodo(page, "Buy milk", "Two litres, semi-skimmed");
  await addTodo(page, "Write the report");
  await addTodo(page, "Call the plumber");
  await todoItem(page, "Buy milk").getByText("Two litres, semi-skimmed").waitFor();

  // Toggle, then filter.
  await todoItem(page, "Write the report").getByRole("checkbox").check();
  await eventually("the todo marked done", async () => (await todoItem(page, "Write the report").getAttribute("class")) === "done");
  await choose(page, "Done", ["Write the report"]);
  await choose(page, "Open", ["Buy milk", "Call the plumber"]);
  await choose(page, "All", ["Buy milk", "Write the report", "Call the plumber"]);

  // Edit: saved; then a change made elsewhere meanwhile is not overwritten (If-Match → 412).
  await page.getByRole("link", { name: "Edit “Buy milk”" }).click();
  await heading(page, "Edit todo").waitFor();
  const edit = page.getByRole("form", { name: "Edit todo" });
  await edit.getByLabel("Title").fill("Buy oat milk");
  await edit.getByRole("button", { name: "Save" }).click();
  await page.locator("#main").getByRole("status").getByText("Saved.").waitFor();
  const id = Number(new URL(page.url()).hash.split("/").pop());
  await edit.getByLabel("Description").fill("my unsaved words");
  await apiCall(world, "PATCH", `/todos/${id}`, { description: "changed on the phone" });
  await page.getByText("This todo was changed elsewhere").waitFor();
  await edit.getByRole("button", { name: "Save" }).click();
  await edit.getByRole("alert").getByText("changed elsewhere meanwhile").waitFor();
  assert.equal(await edit.getByLabel("Description").inputValue(), "changed on the phone", "the latest version is shown");
  await edit.getByLabel("Done").check();
  await edit.getByRole("button", { name: "Save" }).click();
  await page.locator("#main").getByRole("status").getByText("Saved.").waitFor();
  await page.getByRole("link", { name: "Back to the list" }).click();
  await heading(page, "My todos").waitFor();
  await eventually("the edit in the list", async () => (await todoItem(page, "Buy oat milk").getAttribute("class")) === "done");

  // Delete from the list.
  await page.getByRole("button", { name: "Delete “Call the plumber”" }).click();
  await eventually("the todo gone", async () => (await todoItem(page, "Call the plumber").count()) === 0);
}

export async function exportAndImport(world, page) {
  const before = await todoItems(page).count();
  const total = before + 25;
  assert.ok(before < 20 && total > 20 && total <= 40, `two pages to look at: ${before} todos before`);
  const form = page.getByRole("form", { name: "Import todos" });
  const file = form.getByLabel("NDJSON file");
  // All or nothing: a bad line is named, and nothing is created.
  const bad = ['{"title": "fine"}', '{"title": ""}', "not json"].join("\n");
  await file.setInputFiles({ name: "bad.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(bad) });
  await form.getByRole("button", { name: "Import" }).click();
  const errors = form.locator('[data-error-for="file"]');
  await errors.getByText(/Line 2, title/).waitFor();
  await errors.getByText(/Line 3/).waitFor();
  assert.equal(await todoItems(page).count(), before, "nothing was imported");

  const lines = Array.from({ length: 25 }, (_, n) => JSON.stringify({ title: `Imported ${n + 1}`, completed: n % 5 === 0 }));
  await file.setInputFiles({ name: "todos.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(lines.join("\n")) });
  await form.getByRole("button", { name: "Import" }).click();
  await page.getByText("Imported 25 todos.").waitFor();

  // Pages of 20.
  await eventually("a full first page", async () => (await todoItems(page).count()) === 20);
  await page.getByRole("link", { name: "Next →" }).click();
  await page.getByText("Page 2").waitFor();
  await eventually("the second page", async () => (await todoItems(page).count()) === total - 20);
  assert.equal(await page.getByRole("link", { name: "Next →" }).count(), 0, "the last page has no next");
  await page.getByRole("link", { name: "← Previous" }).click();
  await page.getByText("Page 1").waitFor();

  for (const [format, check] of [
    ["csv", (text) => text.startsWith("id,title,description,completed,created_at,updated_at") && text.trim().split("\n").length === total + 1],
    ["ndjson", (text) => text.trim().split("\n").map((line) => JSON.parse(line)).length === total],
  ]) {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: `Export ${format.toUpperCase()}` }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `todos.${format}`);
    const text = readFileSync(await download.path(), "utf8");
    assert.ok(check(text), `the ${format} export holds every todo:\n${text.slice(0, 300)}`);
  }
  await world.shot(page, "app-todos");
}

export async function attachments(world, page) {
  await page.getByRole("link", { name: "Edit “Buy oat milk”" }).click();
  await heading(page, "Edit todo").waitFor();
  const form = page.getByRole("form", { name: "Attach a file" });
  const bytes = Buffer.alloc(3 * 1024 * 1024, "todo attachment ");
  // The upload crawls at 4 MiB/s, so that the bar has steps to show; every value it takes is kept.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * 1024 * 1024,
  });
  await page.evaluate(() => {
    const bar = document.querySelector("progress");
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ["value"] });
  });
  await form.getByLabel("File").setInputFiles({ name: "notes ünïcode.txt", mimeType: "text/plain", buffer: bytes });
  await form.getByRole("button", { name: "Upload" }).click();
  await page.getByText("notes ünïcode.txt is attached.").waitFor();
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const seen = await page.evaluate(() => window.progressSeen);
  assert.ok(seen.some((value) => value > 0 && value < 100), `the bar showed the upload's progress: ${seen}`);
  assert.equal(seen.at(-1), 100, "and ended full");
  const list = page.getByRole("list", { name: "Attachments" });
  await list.getByText("notes ünïcode.txt").waitFor();
  await list.getByText("3.0 MiB").waitFor();
  await world.shot(page, "app-todo");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download notes ünïcode.txt" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "notes ünïcode.txt");
  assert.ok(readFileSync(await download.path()).equals(bytes), "the download is the upload");

  await page.getByRole("button", { name: "Delete notes ünïcode.txt" }).click();
  await list.getByText("No files attached.").waitFor();
  await page.getByRole("link", { name: "Back to the list" }).click();
  await heading(page, "My todos").waitFor();
}
