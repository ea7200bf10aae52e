// The app's entry: restores the session from its cookie, then routes by the URL's fragment
// (`#/todos`, `#/todos/7`, `#/account`, ...), so that the back button, bookmarks and the
// e-mail's reset link all work without the server knowing the app's pages.

import { loggedIn, logOut, onSession, refresh } from "./api.js";
import { announce } from "./dom.js";
import * as live from "./live.js";
import * as auth from "./views/auth.js";
import * as account from "./views/account.js";
import * as todo from "./views/todo.js";
import * as todos from "./views/todos.js";

const main = document.getElementById("main");

// [pattern, view, who may see it]
const routes = [
  [/^\/login$/, auth.logIn, "guest"],
  [/^\/register$/, auth.register, "guest"],
  [/^\/forgot-password$/, auth.forgotPassword, "anyone"],
  [/^\/reset-password$/, auth.resetPassword, "anyone"],
  [/^\/todos$/, todos.list, "user"],
  [/^\/todos\/(\d+)$/, todo.detail, "user"],
  [/^\/account$/, account.view, "user"],
];

let cleanup = null;
let firstPage = true;
let wantedAfterLogIn = null;
let navigation = 0; // counts moves: a view still loading when the next begins is discarded

// The e-mail's reset token, taken out of the address bar before anything else happens, so
// that it stays in this page's memory only.
let resetToken = null;
if (window.location.hash.startsWith("#/reset-password?")) {
  resetToken = new URLSearchParams(window.location.hash.split("?", 2)[1]).get("token");
  window.history.replaceState(null, "", "#/reset-password");
}

/** Where the fragment points: its path and its query. */
function location() {
  const hash = window.location.hash.replace(/^#/, "") || "/todos";
  const [path, query = ""] = hash.split("?", 2);
  return { path, query: new URLSearchParams(query) };
}

/** Goes to `hash` (e.g. "#/todos"); replaces the history entry when asked. */
function go(hash, { replace = false } = {}) {
  if (window.location.hash === hash) {
    route();
  } else if (replace) {
    window.history.replaceState(null, "", hash);
    route();
  } else {
    window.location.hash = hash;
  }
}

async function route() {
  const { path, query } = location();
  const found = routes.find(([pattern]) => pattern.test(path));
  if (!found) return go("#/todos", { replace: true });
  const [pattern, view, audience] = found;
  if (audience === "user" && !loggedIn()) {
    wantedAfterLogIn = window.location.hash;
    return go("#/login", { replace: true });
  }
  if (audience === "guest" && loggedIn()) return go("#/todos", { replace: true });
  const mine = ++navigation;
  cleanup?.();
  cleanup = null;
  // Each view draws into a box of its own: one overtaken by the next move draws into a box
  // that is no longer on the page.
  const box = document.createElement("div");
  main.replaceChildren(box);
  const params = pattern.exec(path).slice(1);
  if (path === "/reset-password" && query.get("token")) {
    resetToken = query.get("token");
    window.history.replaceState(null, "", "#/reset-password");
  }
  if (path === "/reset-password" && resetToken) query.set("token", resetToken);
  let done = null;
  try {
    done = (await view(box, { params, query, go, afterLogIn })) ?? null;
  } catch (error) {
    // Overtaken, or refused because the session ended meanwhile (which moves to the log-in).
    if (mine !== navigation || (error.status === 401 && !loggedIn())) return;
    console.error(error);
    const heading = document.createElement("h1");
    heading.textContent = "Something went wrong";
    const message = document.createElement("p");
    message.className = "alert";
    message.textContent = error.message ?? String(error);
    box.replaceChildren(heading, message);
  }
  if (mine !== navigation) {
    done?.();
    return;
  }
  cleanup = done;
  // After a move within the app, the new page's heading takes the focus, so that keyboard and
  // screen-reader users start there; a page just loaded starts at the top, at the skip link.
  const heading = box.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    if (!firstPage) heading.focus();
    document.title = `${heading.textContent} · Todos`;
  }
  firstPage = false;
}

/** After log-in: back where the visitor was heading, or the list. */
function afterLogIn() {
  const target = wantedAfterLogIn ?? "#/todos";
  wantedAfterLogIn = null;
  go(target, { replace: true });
}

function showNavigation(active) {
  document.getElementById("nav").hidden = !active;
  if (active) live.start();
  else live.stop();
}

onSession((active) => {
  showNavigation(active);
  if (!active) {
    announce("You are logged out.");
    go("#/login", { replace: true });
  }
});

document.getElementById("log-out").addEventListener("click", async () => {
  try {
    await logOut();
  } catch (error) {
    // Still logged in: saying otherwise on a shared computer would be a lie that matters.
    const message = document.createElement("p");
    message.className = "alert";
    message.setAttribute("role", "alert");
    message.textContent = error.message;
    main.prepend(message);
  }
});

document.getElementById("skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", route);

// A reload lost the access token, not the session: the cookie brings it back.
await refresh();
showNavigation(loggedIn());
route();
