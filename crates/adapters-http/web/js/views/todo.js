// One todo: its edit form, saved with `If-Match` so that a change made elsewhere meanwhile is
// not silently overwritten, and its attachments (upload with progress, download, delete).

import { saveAs, send } from "../api.js";
import { alertSlot, announce, field, formatDate, h, noticeSlot, onSubmit } from "../dom.js";
import * as live from "../live.js";
import { attachments } from "./attachments.js";

export async function detail(main, { params, go }) {
  const id = Number(params[0]);
  let etag = null;
  let dirty = false;
  let deleting = false;
  const notice = noticeSlot();
  const updated = h("p", { class: "meta" });

  const form = h(
    "form",
    { novalidate: true, "aria-label": "Edit todo" },
    alertSlot(),
    field("Title", "title", { required: true, maxlength: 200, autocomplete: "off" }),
    field("Description", "description", { kind: "textarea", maxlength: 10000 }),
    field("Done", "completed", { kind: "checkbox" }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Save"),
      h("a", { href: "#/todos", class: "button secondary" }, "Back to the list"),
    ),
  );
  const actions = form.querySelector(".actions");
  form.addEventListener("input", () => (dirty = true));

  async function load() {
    const response = await send("GET", `/todos/${id}`);
    etag = response.headers.get("ETag");
    show(await response.json());
  }

  function show(todo) {
    form.elements.title.value = todo.title;
    form.elements.description.value = todo.description ?? "";
    form.elements.completed.checked = todo.completed;
    dirty = false;
    updated.textContent = `Created ${formatDate(todo.created_at)}${
      todo.updated_at ? ` · changed ${formatDate(todo.updated_at)}` : ""
    }`;
  }

  onSubmit(form, async ({ title, description, completed }) => {
    notice.textContent = "";
    try {
      const response = await send("PUT", `/todos/${id}`, {
        json: { title, description: description || null, completed },
        headers: etag ? { "If-Match": etag } : {},
      });
      etag = response.headers.get("ETag") ?? etag;
      show(await response.json());
      notice.textContent = "Saved.";
    } catch (error) {
      if (error.status !== 412) throw error;
      await load();
      throw {
        fields: [],
        message: "This todo was changed elsewhere meanwhile. Its latest version is shown: make your change again.",
      };
    }
  });

  const remove = h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: async () => {
        deleting = true;
        try {
          await send("DELETE", `/todos/${id}`, { headers: etag ? { "If-Match": etag } : {} });
          announce("The todo is deleted.");
          go("#/todos");
        } catch (error) {
          deleting = false;
          if (error.status === 412) await load();
          form.querySelector(".alert").textContent =
            error.status === 412 ? "This todo was changed elsewhere meanwhile: check it before deleting." : error.message;
        }
      },
    },
    "Delete todo",
  );
  actions.append(remove);

  const files = attachments(id, { save: (response, name) => saveAs(response, name) });
  // Followed from before the first read, so that no change falls between the two.
  const unsubscribe = live.subscribe(async (event) => {
    const mine = event.todo?.id === id || event.todo_id === id;
    if (event.type === "todo.deleted" && mine && !deleting) {
      announce("This todo was deleted elsewhere.");
      go("#/todos", { replace: true });
    } else if ((event.type === "todo.updated" && mine) || event.type === "reset") {
      // Someone else's change replaces the form only while it holds no edit of this person's.
      if (!dirty) await load().catch(() => {});
      else notice.textContent = "This todo was changed elsewhere. Saving will tell you whether your change still applies.";
      await files.load().catch(() => {});
    }
  });
  try {
    await load();
  } catch (error) {
    unsubscribe();
    if (error.status !== 404) throw error;
    main.append(
      h("h1", {}, "Todo not found"),
      h("p", {}, "It may have been deleted. ", h("a", { href: "#/todos" }, "Back to the list")),
    );
    return undefined;
  }
  main.append(
    h("h1", {}, "Edit todo"),
    updated,
    notice,
    form,
    files.section,
  );
  try {
    await files.load();
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return unsubscribe;
}
