// Building the page from plain values: elements made one by one, so that nothing a user
// typed is ever parsed as markup; form fields with their labels and error slots; and the
// API's 422 details shown next to the fields they name.

/** `h("button", { class: "danger", onclick }, "Delete")`: an element with attributes and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "value" || name === "checked") {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

let counter = 0;

/**
 * A labelled input with a hint and an error slot, both tied to it by aria-describedby.
 * `kind` is an input type, or "textarea".
 */
export function field(label, name, { kind = "text", hint, ...attributes } = {}) {
  const id = `field-${name}-${++counter}`;
  const error = h("p", { class: "error", id: `${id}-error`, "data-error-for": name });
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const described = [hintElement ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  const input =
    kind === "textarea"
      ? h("textarea", { id, name, "aria-describedby": described, ...attributes })
      : h("input", { id, name, type: kind, "aria-describedby": described, ...attributes });
  if (kind === "checkbox") {
    return h("div", { class: "field inline" }, input, h("label", { for: id }, label), error);
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), hintElement, input, error);
}

/** A form-level message slot: errors that name no field, announced when they appear. */
export function alertSlot() {
  return h("div", { class: "alert", role: "alert" });
}

export function noticeSlot() {
  return h("div", { class: "notice", role: "status" });
}

/** Clears the errors a form shows. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const alert of form.querySelectorAll(".alert")) alert.textContent = "";
}

/**
 * Shows `error` on `form`: each 422 item next to the field its `loc` names (the last part
 * that is a field of this form), anything else in the form's alert; focuses the first bad field.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const alert = form.querySelector(".alert");
  let first = null;
  const general = [];
  for (const item of error.fields) {
    const name = [...(item.loc ?? [])].reverse().find((part) => typeof part === "string" && form.elements[part]);
    const slot = name && form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!slot) {
      general.push(describe(item));
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${item.msg}` : item.msg;
    const input = form.elements[name];
    input.setAttribute("aria-invalid", "true");
    first ??= input;
  }
  if (error.fields.length === 0) general.push(error.message);
  if (alert) alert.textContent = general.join(" ");
  (first ?? alert)?.focus?.();
}

function describe(item) {
  const where = (item.loc ?? []).filter((part) => part !== "body").join(" › ");
  return where ? `${where}: ${item.msg}` : item.msg;
}

/** The form's values as an object of strings (checkboxes as booleans). */
export function values(form) {
  const result = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    result[element.name] = element.type === "checkbox" ? element.checked : element.value;
  }
  return result;
}

/** Runs `action` on submit with the form's buttons disabled, showing what it throws. */
export function onSubmit(form, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll("button")];
    buttons.forEach((button) => (button.disabled = true));
    try {
      clearErrors(form);
      await action(values(form));
    } catch (error) {
      if (error instanceof Error && !("status" in error)) console.error(error);
      showErrors(form, error.fields ? error : { fields: [], message: String(error.message ?? error) });
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });
  return form;
}

/** A button that runs `action` on click, showing in `alert` what it throws. */
export function actionButton(text, attributes, alert, action) {
  const run = async () => {
    alert.textContent = "";
    try {
      await action();
    } catch (error) {
      alert.textContent = error.message ?? String(error);
    }
  };
  return h("button", { type: "button", ...attributes, onclick: run }, text);
}

/** Says `text` to screen readers through the page's status region. */
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = "";
  // A new node after a tick, so that the same words twice are read twice.
  setTimeout(() => (status.textContent = text), 50);
}

export function formatDate(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
