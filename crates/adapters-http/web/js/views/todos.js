// The list of todos: a filter (all, open, done), pages of 20, a form to add one, a checkbox
// to mark each done, and links to edit; followed live, so a change made in another tab or on
// another device shows here without a reload.

import { call, send } from "../api.js";
import { actionButton, alertSlot, announce, field, h, onSubmit } from "../dom.js";
import * as live from "../live.js";
import { transfer } from "./transfer.js";

const PAGE_SIZE = 20;
const MAX_PAGE = 100_000;
const FILTERS = [
  ["all", "All", null],
  ["open", "Open", "false"],
  ["done", "Done", "true"],
];

export async function list(main, { query, go }) {
  const filter = FILTERS.find(([key]) => key === query.get("show")) ?? FILTERS[0];
  const page = Math.min(MAX_PAGE, Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1));
  const here = (changes) => {
    const next = new URLSearchParams({ show: filter[0], page: String(page), ...changes });
    return `#/todos?${next}`;
  };

  const items = h("ul", { class: "todos", "aria-label": "Todos", "aria-busy": "true" });
  const listAlert = alertSlot();
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const listHeading = h("h2", { id: "list-heading", tabindex: "-1" }, "Todos");

  let latest = 0;
  async function load() {
    const mine = ++latest;
    items.setAttribute("aria-busy", "true");
    const params = new URLSearchParams({ skip: String((page - 1) * PAGE_SIZE), limit: String(PAGE_SIZE + 1) });
    if (filter[2] !== null) params.set("completed", filter[2]);
    const todos = await call("GET", `/todos/?${params}`);
    // Two loads in flight (a toggle and a live change) may answer out of order: the last asked wins.
    if (mine !== latest) return;
    const more = todos.length > PAGE_SIZE;
    const shown = todos.slice(0, PAGE_SIZE);
    // A page emptied meanwhile (or a stale link): back to the first, in one step.
    if (shown.length === 0 && page > 1) return go(here({ page: "1" }), { replace: true });
    // Whoever was on a control keeps it when the list is redrawn; a deleted one's place goes
    // to the list's heading, not to the top of the page.
    const focused = document.activeElement;
    const key = items.contains(focused) ? focused.dataset.key : null;
    items.replaceChildren(...shown.map(item));
    if (shown.length === 0) items.append(h("li", { class: "empty" }, emptyText(filter[0])));
    items.setAttribute("aria-busy", "false");
    if (key) (items.querySelector(`[data-key="${CSS.escape(key)}"]`) ?? listHeading).focus();
    pager.replaceChildren(
      page > 1 ? h("a", { href: here({ page: String(page - 1) }), rel: "prev" }, "← Previous") : h("span"),
      h("span", { "aria-current": "page" }, `Page ${page}`),
      more ? h("a", { href: here({ page: String(page + 1) }), rel: "next" }, "Next →") : h("span"),
    );
  }

  function item(todo) {
    const toggle = h("input", {
      type: "checkbox",
      id: `todo-${todo.id}-done`,
      checked: todo.completed,
      "data-key": `toggle-${todo.id}`,
      onchange: async (event) => {
        const completed = event.target.checked;
        try {
          await call("PATCH", `/todos/${todo.id}`, { json: { completed } });
          announce(`“${todo.title}” is marked ${completed ? "done" : "open"}.`);
          await load();
        } catch (error) {
          event.target.checked = !completed;
          listAlert.textContent = error.message;
        }
      },
    });
    const label = h(
      "label",
      { class: "title", for: toggle.id },
      h("span", { class: "text" }, todo.title),
    );
    const remove = actionButton(
      "Delete",
      { class: "danger", "aria-label": `Delete “${todo.title}”`, "data-key": `delete-${todo.id}` },
      listAlert,
      async () => {
        await send("DELETE", `/todos/${todo.id}`);
        announce(`“${todo.title}” is deleted.`);
        await load();
      },
    );
    return h(
      "li",
      { class: todo.completed ? "done" : "" },
      toggle,
      h(
        "div",
        { class: "grow" },
        label,
        todo.description ? h("span", { class: "description" }, todo.description) : null,
      ),
      h(
        "div",
        { class: "actions" },
        h(
          "a",
          { href: `#/todos/${todo.id}`, class: "button secondary", "aria-label": `Edit “${todo.title}”`, "data-key": `edit-${todo.id}` },
          "Edit",
        ),
        remove,
      ),
    );
  }

  const create = h(
    "form",
    { novalidate: true, "aria-label": "Add a todo" },
    alertSlot(),
    field("Title", "title", { required: true, maxlength: 200, autocomplete: "off" }),
    field("Description", "description", { kind: "textarea", maxlength: 10000 }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Add todo")),
  );
  onSubmit(create, async ({ title, description }) => {
    const todo = await call("POST", "/todos/", {
      json: { title, description: description || null },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    create.reset();
    announce(`“${todo.title}” is added.`);
    create.elements.title.focus();
    await load();
  });

  const filters = h(
    "fieldset",
    {},
    h("legend", {}, "Show"),
    ...FILTERS.map(([key, text]) => {
      const id = `show-${key}`;
      return h(
        "label",
        { for: id },
        h("input", {
          type: "radio",
          name: "show",
          id,
          value: key,
          checked: key === filter[0],
          onchange: () => go(here({ show: key, page: "1" })),
        }),
        text,
      );
    }),
  );

  main.append(
    h("h1", {}, "My todos"),
    h(
      "section",
      { "aria-labelledby": "add-heading" },
      h("h2", { id: "add-heading" }, "Add a todo"),
      create,
    ),
    h(
      "section",
      { "aria-labelledby": "list-heading" },
      listHeading,
      filters,
      listAlert,
      items,
      pager,
    ),
    transfer({ filter: filter[2], reload: load }),
  );

  let pending = null;
  const unsubscribe = live.subscribe(() => {
    // A burst of changes (an import) redraws once.
    clearTimeout(pending);
    pending = setTimeout(() => load().catch((error) => (listAlert.textContent = error.message)), 100);
  });
  await load();
  return () => {
    clearTimeout(pending);
    unsubscribe();
  };
}

function emptyText(filter) {
  if (filter === "open") return "Nothing open. Well done!";
  if (filter === "done") return "Nothing done yet.";
  return "No todos yet. Add one above.";
}
