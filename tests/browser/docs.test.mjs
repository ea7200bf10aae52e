// The interactive documentation, used as a person would, in headless Chromium with no
// network beyond the service: Swagger UI's Authorize logs in through the OAuth2 password
// flow and "Try it out" lists the user's todo, is refused a write with a read-only token, and
// with a token that may write uploads a file through the multipart form; ReDoc renders every
// operation.
//
//   node docs.test.mjs            (TODO_API_BINARY, CHROMIUM and SCREENSHOTS may be set)

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { keepOnLoopback, launchBrowser, screenshots, startService } from "./harness.mjs";

const USER = { username: "ada", email: "ada@example.com", password: "correct horse battery" };

async function seed(base) {
  const registered = await fetch(`${base}/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(USER),
  });
  assert.equal(registered.status, 201);
  const login = await fetch(`${base}/auth/token`, {
    method: "POST",
    body: new URLSearchParams({ username: USER.username, password: USER.password }),
  });
  const { access_token } = await login.json();
  const created = await fetch(`${base}/todos/`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${access_token}` },
    body: JSON.stringify({ title: "Read the API docs", description: "in Swagger UI" }),
  });
  assert.equal(created.status, 201);
}

async function main() {
  const service = await startService();
  const { base } = service;
  const browser = await launchBrowser();
  const leaked = [];
  const problems = [];
  try {
    await seed(base);
    mkdirSync(screenshots, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    // Every request that is not for the service is recorded and refused.
    await keepOnLoopback(context, base, leaked);
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));

    // Swagger UI: /docs answers itself, as FastAPI does, its files coming from /docs/.
    await page.goto(`${base}/docs`);
    assert.equal(new URL(page.url()).pathname, "/docs");
    await page.locator(".swagger-ui .information-container .title").getByText("TODO API").waitFor();

    // Authorize through the OAuth2 password flow, asking for the todos:read scope only.
    await page.locator("button.btn.authorize").first().click();
    const oauth = page.locator(".auth-container").filter({ hasText: "OAuth2PasswordBearer" });
    for (const scope of ["todos:read", "todos:write", "admin"]) {
      await oauth.locator("label").filter({ hasText: scope }).first().waitFor();
    }
    await oauth.locator("label").filter({ hasText: "todos:read" }).first().click();
    await page.locator("#oauth_username").fill(USER.username);
    await page.locator("#oauth_password").fill(USER.password);
    const [tokenResponse] = await Promise.all([
      page.waitForResponse((response) => response.url() === `${base}/auth/token`),
      oauth.locator("button.authorize").click(),
    ]);
    assert.equal(tokenResponse.status(), 200, "the password flow logged in");
    assert.equal((await tokenResponse.json()).scope, "todos:read", "the token carries the scope chosen");
    await oauth.getByText("Authorized").waitFor();
    await oauth.getByRole("button", { name: "Remove authorization" }).waitFor();
    await page.locator(".auth-container button.btn-done").first().click();

    // Try it out: GET /todos/ as the authorized user.
    const operation = page.locator("#operations-todos-list_todos");
    await operation.locator(".opblock-summary").click();
    // The service opens operations ready to try; a person might still see the button.
    const tryItOut = operation.getByRole("button", { name: "Try it out" });
    if (await tryItOut.isVisible()) await tryItOut.click();
    const [listed] = await Promise.all([
      page.waitForResponse((response) => response.url().startsWith(`${base}/todos/`)),
      operation.locator("button.execute").click(),
    ]);
    assert.equal(listed.status(), 200);
    const live = operation.locator(".live-responses-table");
    await live.locator(".response-col_status").getByText("200").waitFor();
    await live.getByText("Read the API docs").first().waitFor();
    await page.screenshot({ path: join(screenshots, "swagger-ui.png"), fullPage: false });

    // The narrowed token may not write: Swagger UI shows the 403 naming the scope.
    const create = page.locator("#operations-todos-create_todo");
    await create.locator(".opblock-summary").click();
    const tryCreate = create.getByRole("button", { name: "Try it out" });
    if (await tryCreate.isVisible()) await tryCreate.click();
    const [refused] = await Promise.all([
      page.waitForResponse((response) => response.url() === `${base}/todos/` && response.request().method() === "POST"),
      create.locator("button.execute").click(),
    ]);
    assert.equal(refused.status(), 403, "a read-only token cannot create");
    assert.equal(refused.headers()["www-authenticate"], 'Bearer scope="todos:write"');
    await create.locator(".live-responses-table .response-col_status").getByText("403").waitFor();

    // Log out of Authorize and in again with the todos:write scope, then upload a file to the
    // todo through the multipart form Swagger UI builds from the document.
    await page.locator("button.btn.authorize").first().click();
    await oauth.getByRole("button", { name: "Remove authorization" }).click();
    // todos:read is still ticked from before.
    await oauth.locator("label").filter({ hasText: "todos:write" }).first().click();
    await page.locator("#oauth_username").fill(USER.username);
    await page.locator("#oauth_password").fill(USER.password);
    const [writeToken] = await Promise.all([
      page.waitForResponse((response) => response.url() === `${base}/auth/token`),
      oauth.locator("button.authorize").click(),
    ]);
    assert.equal((await writeToken.json()).scope, "todos:read todos:write");
    await oauth.getByText("Authorized").waitFor();
    await page.locator(".auth-container button.btn-done").first().click();
    const upload = page.locator("#operations-attachments-upload");
    await upload.locator(".opblock-summary").click();
    const tryUpload = upload.getByRole("button", { name: "Try it out" });
    if (await tryUpload.isVisible()) await tryUpload.click();
    await upload.locator("tr[data-param-name='todo_id'] input").fill("1");
    await upload.locator("input[type=file]").setInputFiles({
      name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("uploaded from Swagger UI\n"),
    });
    const [uploaded] = await Promise.all([
      page.waitForResponse((response) => response.url() === `${base}/todos/1/attachments`),
      upload.locator("button.execute").click(),
    ]);
    assert.equal(uploaded.status(), 201, await uploaded.text());
    const attachment = await uploaded.json();
    assert.equal(attachment.filename, "notes.txt");
    assert.equal(attachment.size, 25);
    await upload.locator(".live-responses-table .response-col_status").getByText("201").waitFor();
    await upload.locator(".live-responses-table").getByText("notes.txt").first().waitFor();
    await page.screenshot({ path: join(screenshots, "swagger-ui-upload.png"), fullPage: false });

    // ReDoc renders the operations.
    await page.goto(`${base}/redoc`);
    await page.getByRole("heading", { name: "Create a todo." }).waitFor({ timeout: 30_000 });
    for (const summary of ["Register a new user.", "List the caller's todos, in id order.", "Delete one of the caller's todos."]) {
      await page.getByRole("heading", { name: summary }).waitFor();
    }
    await page.screenshot({ path: join(screenshots, "redoc.png"), fullPage: false });
  } finally {
    await browser.close();
    await service.cleanUp();
  }
  assert.deepEqual(leaked, [], "requests left the host");
  assert.deepEqual(problems, [], "the pages had errors");
  console.log(`browser test passed: Swagger UI authorized with the todos:read scope, listed the todo and was refused a write, then uploaded a file with todos:write; ReDoc rendered; screenshots in ${screenshots}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
