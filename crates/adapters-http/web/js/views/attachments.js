// A todo's attachments: the list with download and delete, and an upload form whose
// progress bar follows the bytes sent (XMLHttpRequest: fetch reports no upload progress).

import { call, send, upload } from "../api.js";
import { actionButton, alertSlot, announce, field, formatSize, h, noticeSlot, onSubmit } from "../dom.js";

const FILE_LIMIT = 10 * 1024 * 1024;

export function attachments(todoId, { save }) {
  const base = `/todos/${todoId}/attachments`;
  const items = h("ul", { class: "attachments", "aria-label": "Attachments" });
  const listAlert = alertSlot();
  const notice = noticeSlot();
  const progress = h("progress", { max: "100", value: "0", hidden: true, "aria-label": "Upload progress" });

  async function load() {
    const list = await call("GET", base);
    items.replaceChildren(...list.map(item));
    if (list.length === 0) items.append(h("li", { class: "empty" }, "No files attached."));
  }

  function item(attachment) {
    const download = actionButton(
      "Download",
      { class: "secondary", "aria-label": `Download ${attachment.filename}` },
      listAlert,
      async () => {
        const response = await send("GET", `${base}/${attachment.id}/content`, { headers: { Accept: "*/*" } });
        await save(response, attachment.filename);
        announce(`${attachment.filename} is downloaded.`);
      },
    );
    const remove = actionButton(
      "Delete",
      { class: "danger", "aria-label": `Delete ${attachment.filename}` },
      listAlert,
      async () => {
        await send("DELETE", `${base}/${attachment.id}`);
        announce(`${attachment.filename} is deleted.`);
        await load();
      },
    );
    return h(
      "li",
      {},
      h(
        "div",
        { class: "grow" },
        h("span", {}, attachment.filename),
        h("span", { class: "meta" }, ` · ${formatSize(attachment.size)} · ${attachment.content_type}`),
      ),
      h("div", { class: "actions" }, download, remove),
    );
  }

  const form = h(
    "form",
    { novalidate: true, "aria-label": "Attach a file" },
    alertSlot(),
    field("File", "file", { kind: "file", required: true, hint: "Up to 10 MiB." }),
    progress,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Upload")),
  );
  onSubmit(form, async () => {
    notice.textContent = "";
    const file = form.elements.file.files[0];
    if (!file) throw { fields: [{ loc: ["body", "file"], msg: "Choose a file to upload." }] };
    if (file.size > FILE_LIMIT) throw { fields: [{ loc: ["body", "file"], msg: "The file is over 10 MiB." }] };
    progress.hidden = false;
    progress.value = 0;
    try {
      const attachment = await upload(base, file, (sent, total) => {
        progress.value = Math.round((sent / total) * 100);
      });
      progress.value = 100;
      form.reset();
      notice.textContent = `${attachment.filename} is attached.`;
      await load();
    } finally {
      setTimeout(() => (progress.hidden = true), 600);
    }
  });

  const section = h(
    "section",
    { "aria-labelledby": "attachments-heading" },
    h("h2", { id: "attachments-heading" }, "Attachments"),
    notice,
    listAlert,
    items,
    h("h3", {}, "Attach a file"),
    form,
  );
  return { section, load };
}
