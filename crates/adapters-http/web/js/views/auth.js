// The pages of someone not logged in: log in, register, forgotten password, and the reset
// form that the e-mail's link opens.

import { call, logIn as openSession } from "../api.js";
import { alertSlot, announce, field, h, noticeSlot, onSubmit } from "../dom.js";

let flash = null; // a message for the next page, e.g. "Your password is reset"

function page(main, title, ...content) {
  const notice = noticeSlot();
  if (flash) {
    notice.textContent = flash;
    flash = null;
  }
  main.append(h("h1", {}, title), notice, ...content);
  return notice;
}

export function logIn(main, { afterLogIn }) {
  const form = h(
    "form",
    { novalidate: true, "aria-label": "Log in" },
    alertSlot(),
    field("Username", "username", { autocomplete: "username", required: true }),
    field("Password", "password", { kind: "password", autocomplete: "current-password", required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Log in")),
  );
  onSubmit(form, async ({ username, password }) => {
    await openSession(username, password);
    announce(`Logged in as ${username}.`);
    afterLogIn();
  });
  page(
    main,
    "Log in",
    form,
    h(
      "p",
      {},
      "New here? ",
      h("a", { href: "#/register" }, "Create an account"),
      ". ",
      h("a", { href: "#/forgot-password" }, "Forgot your password?"),
    ),
  );
}

export function register(main, { afterLogIn }) {
  const form = h(
    "form",
    { novalidate: true, "aria-label": "Create an account" },
    alertSlot(),
    field("Username", "username", {
      autocomplete: "username",
      required: true,
      hint: "3 to 50 letters, digits, _, - or .",
    }),
    field("E-mail", "email", { kind: "email", autocomplete: "email", required: true }),
    field("Password", "password", {
      kind: "password",
      autocomplete: "new-password",
      required: true,
      hint: "At least 8 characters.",
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create account")),
  );
  onSubmit(form, async ({ username, email, password }) => {
    await call("POST", "/auth/register", { json: { username, email, password } });
    await openSession(username, password);
    announce(`Welcome, ${username}.`);
    afterLogIn();
  });
  page(main, "Create an account", form, h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in")));
}

export function forgotPassword(main) {
  const form = h(
    "form",
    { novalidate: true, "aria-label": "Reset your password" },
    alertSlot(),
    field("E-mail", "email", { kind: "email", autocomplete: "email", required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Send reset link")),
  );
  const notice = page(
    main,
    "Forgot your password?",
    h("p", {}, "We will e-mail a link that lets you choose a new password."),
    form,
    h("p", {}, h("a", { href: "#/login" }, "Back to log in")),
  );
  onSubmit(form, async ({ email }) => {
    const answer = await call("POST", "/auth/password-reset", { json: { email } });
    notice.textContent = answer?.detail ?? "If the address is registered, a reset e-mail is on its way.";
    form.reset();
  });
}

export function resetPassword(main, { query, go }) {
  // main.js took the token out of the address bar as the page loaded; it is in memory only.
  const token = query.get("token") ?? "";
  const form = h(
    "form",
    { novalidate: true, "aria-label": "Choose a new password" },
    alertSlot(),
    field("New password", "new_password", {
      kind: "password",
      autocomplete: "new-password",
      required: true,
      hint: "At least 8 characters.",
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set password")),
  );
  if (!token) {
    page(
      main,
      "Choose a new password",
      h("p", { class: "alert" }, "This page needs the link from the reset e-mail."),
      h("p", {}, h("a", { href: "#/forgot-password" }, "Send a new link")),
    );
    return;
  }
  onSubmit(form, async ({ new_password }) => {
    await call("POST", "/auth/password-reset/confirm", { json: { token, new_password } });
    flash = "Your password is changed. Log in with the new one.";
    go("#/login", { replace: true });
  });
  page(main, "Choose a new password", form);
}
