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
  cleanup?.();
  cleanup = null;
  main.replaceChildren();
  const params = pattern.exec(path).slice(1);
  try {
    cleanup = (await view(main, { params, query, go, afterLogIn })) ?? null;
  } catch (error) {
    console.error(error);
    main.replaceChildren();
    const heading = document.createElement("h1");
    heading.textContent = "Something went wrong";
    const message = document.createElement("p");
    message.className = "alert";
    message.textContent = error.message ?? String(error);
    main.append(heading, message);
  }
  // After a move within the app, the new page's heading takes the focus, so that keyboard and
  // screen-reader users start there; a page just loaded starts at the top, at the skip link.
  const heading = main.querySelector("h1");
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
  await logOut();
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
