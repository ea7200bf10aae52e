// Live changes: two tabs of one person see each other's changes within 2 s, and a tab whose
// event stream was cut by a restart of the service resumes with Last-Event-ID.

import assert from "node:assert/strict";
import { eventually } from "../harness.mjs";
import { heading } from "./accounts.mjs";
import { addTodo, apiCall, todoItem } from "./todos.mjs";

export async function liveChanges(world, page) {
  const other = world.watch(await page.context().newPage());
  await other.goto(`${world.base}/app/#/todos`);
  await heading(other, "My todos").waitFor();
  await other.locator('#live[data-state="on"]').waitFor();
  await page.locator('#live[data-state="on"]').waitFor();

  await addTodo(page, "Seen in the other tab");
  await todoItem(other, "Seen in the other tab").waitFor({ timeout: 2_000 });
  await todoItem(other, "Seen in the other tab").getByRole("checkbox").check();
  await todoItem(page, "Seen in the other tab").and(page.locator(".done")).waitFor({ timeout: 2_000 });
  await page.getByRole("button", { name: "Delete “Seen in the other tab”" }).click();
  await todoItem(other, "Seen in the other tab").waitFor({ state: "detached", timeout: 2_000 });
  await other.close();

  // The service goes down long enough for several failed tries, and comes back; the tab
  // reconnects and says where it was.
  const reconnects = [];
  let failed = 0;
  const record = (request) => {
    if (new URL(request.url()).pathname === "/todos/events") reconnects.push(request);
  };
  const failure = (request) => {
    if (new URL(request.url()).pathname === "/todos/events") failed += 1;
  };
  page.on("request", record);
  page.on("requestfailed", failure);
  await world.service.stop();
  await eventually("three failed tries to reconnect", () => failed >= 3, 30_000);
  await page.locator('#live[data-state="waiting"]').waitFor();
  await world.service.start();
  page.off("requestfailed", failure);
  await apiCall(world, "POST", "/todos/", { title: "Made while the tab reconnected" });
  await todoItem(page, "Made while the tab reconnected").waitFor({ timeout: 40_000 });
  page.off("request", record);
  const resumed = [];
  for (const request of reconnects) {
    const headers = await request.allHeaders();
    resumed.push(headers["last-event-id"] ?? new URL(request.url()).searchParams.get("last_event_id"));
  }
  assert.ok(resumed.some((id) => Number(id) > 0), `the stream resumed from an event id: ${JSON.stringify(resumed)}`);
  await page.locator('#live[data-state="on"]').waitFor();
}
