// Export (NDJSON or CSV, downloaded as a file) and import (an NDJSON file, all or nothing:
// the API's errors name the bad lines, which are listed here).

import { saveAs, send } from "../api.js";
import { actionButton, alertSlot, announce, field, h, noticeSlot, onSubmit } from "../dom.js";

const IMPORT_LIMIT = 10 * 1024 * 1024;

export function transfer({ filter, reload }) {
  const notice = noticeSlot();
  const exportAlert = alertSlot();

  const exporter = (format) =>
    actionButton(`Export ${format.toUpperCase()}`, { class: "secondary" }, exportAlert, async () => {
      const params = new URLSearchParams({ format });
      if (filter !== null) params.set("completed", filter);
      const response = await send("GET", `/todos/export?${params}`);
      const name = await saveAs(response, `todos.${format}`);
      announce(`Exported to ${name}.`);
    });

  const form = h(
    "form",
    { novalidate: true, "aria-label": "Import todos" },
    alertSlot(),
    field("NDJSON file", "file", {
      kind: "file",
      accept: ".ndjson,.jsonl,application/x-ndjson",
      required: true,
      hint: 'One {"title", "description", "completed"} per line; at most 10,000 lines and 10 MiB.',
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Import")),
  );
  onSubmit(form, async () => {
    notice.textContent = "";
    const file = form.elements.file.files[0];
    if (!file) throw { fields: [{ loc: ["body", "file"], msg: "Choose a file to import." }] };
    if (file.size > IMPORT_LIMIT) throw { fields: [{ loc: ["body", "file"], msg: "The file is over 10 MiB." }] };
    try {
      const response = await send("POST", "/todos/import", {
        body: await file.text(),
        headers: { "Content-Type": "application/x-ndjson", "Idempotency-Key": crypto.randomUUID() },
      });
      const { created } = await response.json();
      form.reset();
      notice.textContent = `Imported ${created} ${created === 1 ? "todo" : "todos"}.`;
      await reload();
    } catch (error) {
      throw lineErrors(error);
    }
  });

  return h(
    "section",
    { "aria-labelledby": "transfer-heading" },
    h("h2", { id: "transfer-heading" }, "Export and import"),
    notice,
    exportAlert,
    h("div", { class: "actions" }, exporter("ndjson"), exporter("csv")),
    h("h3", {}, "Import"),
    form,
  );
}

/** The import's 422 items (`loc: ["body", line, field]`) as messages on the file field. */
function lineErrors(error) {
  if (!error.fields?.length) return error;
  const lines = error.fields.slice(0, 10).map((item) => {
    const [, line, name] = item.loc ?? [];
    const where = typeof line === "number" ? `Line ${line}${name ? `, ${name}` : ""}: ` : "";
    return { loc: ["body", "file"], msg: `${where}${item.msg}.` };
  });
  const more = error.fields.length - lines.length;
  if (more > 0) lines.push({ loc: ["body", "file"], msg: `And ${more} more.` });
  return { fields: lines, message: error.message };
}
