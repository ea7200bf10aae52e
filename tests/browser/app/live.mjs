// Live changes: two tabs of one person see each other's changes within 2 s, and a tab whose
// event stream was cut by a restart of the service resumes with Last-Event-ID.

import assert from "node:assert/strict";
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

  // A restart cuts the stream; the tab reconnects and says where it was.
  const reconnects = [];
  const record = (request) => {
    if (new URL(request.url()).pathname === "/todos/events") reconnects.push(request);
  };
  await world.service.restart();
  page.on("request", record);
  await apiCall(world, "POST", "/todos/", { title: "Made while the tab reconnected" });
  await todoItem(page, "Made while the tab reconnected").waitFor({ timeout: 15_000 });
  page.off("request", record);
  const resumed = [];
  for (const request of reconnects) {
    const headers = await request.allHeaders();
    resumed.push(headers["last-event-id"] ?? new URL(request.url()).searchParams.get("last_event_id"));
  }
  assert.ok(resumed.some((id) => Number(id) > 0), `the stream resumed from an event id: ${JSON.stringify(resumed)}`);
  await page.locator('#live[data-state="on"]').waitFor();
}
