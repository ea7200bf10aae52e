// The API as this app uses it. The access token lives in this module's memory only (never in
// storage a script could read later); the refresh token lives in the `todo_refresh` cookie,
// which scripts cannot read at all. The token is refreshed before it expires, and once more
// when a request is refused with 401 (it may have been revoked or outlived a sleeping laptop).

/** An answer that was not a success: `detail` is the API's message, or its 422 list. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : `The request was refused (${status})`);
    this.status = status;
    this.detail = detail;
  }

  /** The 422 items, each `{loc, msg, type}`; empty for any other error. */
  get fields() {
    return Array.isArray(this.detail) ? this.detail : [];
  }
}

let access = null; // { token, subject, scope }
let renewal = null; // the timer of the next refresh
let refreshing = null; // the refresh in flight, shared by everyone who needs it
let era = 0; // counts log-outs: a refresh that began before one is not adopted after it
const watchers = new Set();
const tokenWatchers = new Set();

/** Calls `watch(loggedIn)` whenever the session starts or ends. */
export function onSession(watch) {
  watchers.add(watch);
  return () => watchers.delete(watch);
}

/** Calls `watch()` whenever a new access token arrives. */
export function onToken(watch) {
  tokenWatchers.add(watch);
  return () => tokenWatchers.delete(watch);
}

export function loggedIn() {
  return access !== null;
}

/** The current access token, for the places that cannot send headers (EventSource). */
export function accessToken() {
  return access?.token ?? null;
}

const delay = (ms) => new Promise((done) => setTimeout(done, ms));

/** The token's `sub` claim: whose token it is. Read only to notice a change of person. */
function subjectOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return String(JSON.parse(atob(payload)).sub);
  } catch {
    return null;
  }
}

function adopt(answer) {
  const was = access;
  const subject = subjectOf(answer.access_token);
  if (was && was.subject !== subject) {
    // Another tab logged someone else in, and the shared cookie is now theirs: nothing this
    // page holds (a half-filled form, the events' position) may carry over. Start afresh.
    access = null;
    clearTimeout(renewal);
    window.location.replace("/app/#/todos");
    window.location.reload();
    return;
  }
  access = { token: answer.access_token, subject, scope: answer.scope ?? "" };
  // A minute before expiry, or at three quarters of a short lifetime.
  const lifetime = Number(answer.expires_in) || 60;
  const lead = Math.min(60, lifetime / 4);
  renewLater((lifetime - lead) * 1000);
  if (!was) watchers.forEach((watch) => watch(true));
  tokenWatchers.forEach((watch) => watch());
}

function renewLater(ms) {
  clearTimeout(renewal);
  renewal = setTimeout(refresh, ms);
}

function drop() {
  const was = access !== null;
  access = null;
  era += 1;
  clearTimeout(renewal);
  if (was) watchers.forEach((watch) => watch(false));
}

async function errorOf(response) {
  let detail = response.statusText || `HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (body && body.detail !== undefined) detail = body.detail;
  } catch {
    // Not JSON: the status text says enough.
  }
  return new ApiError(response.status, detail);
}

/** A new access token from the session cookie; false when none came (yet). */
export function refresh() {
  // Tabs share the cookie, and a refresh token is spent when used: tabs take turns, so that
  // each presents the cookie the one before it left.
  const turn = () => (navigator.locks ? navigator.locks.request("todo-session-refresh", renew) : renew());
  refreshing ??= turn().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function renew() {
  const started = era;
  for (let attempt = 0; attempt < 3; attempt++) {
    let response;
    try {
      response = await fetch("/auth/session/refresh", { method: "POST", credentials: "same-origin" });
    } catch {
      // No connection: keep what we have and try again shortly.
      if (access) renewLater(5000);
      return false;
    }
    // Logged out meanwhile: whatever came back belongs to no one here.
    if (started !== era) return false;
    if (response.ok) {
      adopt(await response.json());
      return true;
    }
    if (response.status !== 401) {
      // The service is busy or restarting (429, 503): the session is not in question.
      if (access) renewLater(5000);
      return false;
    }
    // With no session held here, 401 means there is none. Holding one, a tab of another
    // window, or without locks, may have rotated the shared cookie a moment ago: the browser
    // then holds its successor, so a later try settles it.
    if (!access) break;
    await delay(300 * (attempt + 1));
  }
  drop();
  return false;
}

/** Logs in as a browser session: the refresh token goes into the cookie. */
export async function logIn(username, password) {
  const response = await fetch("/auth/session", {
    method: "POST",
    credentials: "same-origin",
    body: new URLSearchParams({ username, password }),
  });
  if (!response.ok) throw await errorOf(response);
  adopt(await response.json());
}

/** Ends this browser's session and removes its cookie; throws, logged in still, if it could not. */
export async function logOut() {
  await refreshing?.catch(() => {});
  let response;
  try {
    response = await fetch("/auth/session", { method: "DELETE", credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "You are still logged in: the service could not be reached. Try again.");
  }
  if (!response.ok) throw await errorOf(response);
  drop();
}

/** Forgets the session here, when the server has already ended it (log out everywhere). */
export function forget() {
  drop();
}

function prepare(method, { json, form, body, headers = {} }) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (form !== undefined) {
    init.body = new URLSearchParams(form);
  } else if (body !== undefined) {
    init.body = body;
  }
  return init;
}

/** The response to `method path`, refreshed and retried once on 401; throws ApiError unless 2xx/304. */
export async function send(method, path, options = {}) {
  const init = prepare(method, options);
  let used = null;
  const attempt = () => {
    used = access?.token ?? null;
    if (used) init.headers.Authorization = `Bearer ${used}`;
    return fetch(path, init);
  };
  let response = await attempt();
  if (response.status === 401 && access && options.auth !== false) {
    // A token newer than the one refused may have arrived meanwhile: then it is enough.
    const fresh = access.token !== used || (await refresh());
    if (fresh && access) response = await attempt();
  }
  if (!response.ok && response.status !== 304) throw await errorOf(response);
  return response;
}

/** The JSON answer of `method path`, or null for an empty one. */
export async function call(method, path, options = {}) {
  const response = await send(method, path, options);
  if (response.status === 204 || response.status === 304) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** Uploads `file` as the multipart part `file`, reporting progress as (sent, total). */
export async function upload(path, file, progress) {
  if (!access) await refresh();
  const send = () =>
    new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", path);
      request.setRequestHeader("Accept", "application/json");
      if (access) request.setRequestHeader("Authorization", `Bearer ${access.token}`);
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) progress(event.loaded, event.total);
      });
      request.addEventListener("load", () => resolve(request));
      request.addEventListener("error", () => reject(new ApiError(0, "The upload failed: the connection was lost")));
      const form = new FormData();
      form.append("file", file, file.name);
      request.send(form);
    });
  let request = await send();
  if (request.status === 401 && (await refresh())) request = await send();
  let body = null;
  try {
    body = JSON.parse(request.responseText);
  } catch {
    // An empty or non-JSON answer.
  }
  if (request.status !== 201) throw new ApiError(request.status, body?.detail ?? request.statusText);
  return body;
}

/** Saves a response's body as a file, named as its Content-Disposition says. */
export async function saveAs(response, fallback) {
  // As bytes to save, whatever they claim to be: never a document of this origin to open.
  const blob = new Blob([await response.blob()], { type: "application/octet-stream" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = fileName(response.headers.get("Content-Disposition")) ?? fallback;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return link.download;
}

function fileName(disposition) {
  if (!disposition) return null;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // Fall through to the plain name.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(disposition) ?? /filename\s*=\s*([^;]+)/i.exec(disposition);
  return plain ? plain[1].trim() : null;
}
