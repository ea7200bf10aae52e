// The account page: who is logged in, the open sessions (each can be ended, or all at once),
// and the password change, which ends every other session.

import { call, forget, logOut } from "../api.js";
import { actionButton, alertSlot, announce, field, formatDate, h, noticeSlot, onSubmit } from "../dom.js";

export async function view(main) {
  const me = await call("GET", "/users/me");
  const sessions = h("ul", { class: "sessions", "aria-label": "Sessions" });
  const sessionsAlert = alertSlot();

  async function showSessions() {
    const list = await call("GET", "/users/me/sessions");
    sessions.replaceChildren(...list.map((session) => sessionItem(session)));
  }

  function sessionItem(session) {
    const device = session.user_agent || "Unknown device";
    const end = actionButton(
      "End",
      {
        class: "danger",
        "aria-label": session.current ? "End this session (log out)" : `End the session on ${device}`,
      },
      sessionsAlert,
      async () => {
        await call("DELETE", `/users/me/sessions/${encodeURIComponent(session.id)}`);
        if (session.current) return logOut().catch(forget);
        announce("The session is ended.");
        return showSessions();
      },
    );
    return h(
      "li",
      {},
      h(
        "div",
        { class: "grow" },
        h("span", {}, device),
        session.current ? h("strong", {}, " (this browser)") : null,
        h(
          "span",
          { class: "meta" },
          h("br"),
          `Started ${formatDate(session.created_at)} · last used ${formatDate(session.last_used_at)}`,
        ),
      ),
      end,
    );
  }

  const everywhere = actionButton("Log out everywhere", { class: "danger" }, sessionsAlert, async () => {
    await call("DELETE", "/users/me/sessions");
    // This browser's session is over too; clearing its cookie is a courtesy.
    await logOut().catch(forget);
  });

  const passwordNotice = noticeSlot();
  const password = h(
    "form",
    { novalidate: true, "aria-label": "Change password" },
    alertSlot(),
    field("Current password", "current_password", {
      kind: "password",
      autocomplete: "current-password",
      required: true,
    }),
    field("New password", "new_password", {
      kind: "password",
      autocomplete: "new-password",
      required: true,
      hint: "At least 8 characters. Your other sessions will be logged out.",
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Change password")),
  );
  onSubmit(password, async (fields) => {
    await call("PUT", "/users/me/password", { json: fields });
    password.reset();
    passwordNotice.textContent = "Your password is changed. Every other session is logged out.";
    await showSessions();
  });

  main.append(
    h("h1", {}, "Account"),
    h("p", {}, "Logged in as ", h("strong", {}, me.username), ` (${me.email}).`),
    h(
      "section",
      { "aria-labelledby": "sessions-heading" },
      h("h2", { id: "sessions-heading" }, "Sessions"),
      sessionsAlert,
      sessions,
      h("div", { class: "actions" }, everywhere),
    ),
    h(
      "section",
      { "aria-labelledby": "password-heading" },
      h("h2", { id: "password-heading" }, "Change password"),
      passwordNotice,
      password,
    ),
  );
  await showSessions();
}
