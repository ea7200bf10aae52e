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

let access = null; // { token, scope }
let renewal = null; // the timer of the next refresh
let refreshing = null; // the refresh in flight, shared by everyone who needs it
const watchers = new Set();

/** Calls `watch(loggedIn)` whenever the session starts or ends. */
export function onSession(watch) {
  watchers.add(watch);
  return () => watchers.delete(watch);
}

export function loggedIn() {
  return access !== null;
}

/** The current access token, for the places that cannot send headers (EventSource). */
export function accessToken() {
  return access?.token ?? null;
}

const delay = (ms) => new Promise((done) => setTimeout(done, ms));

function adopt(answer) {
  const was = access !== null;
  access = { token: answer.access_token, scope: answer.scope ?? "" };
  clearTimeout(renewal);
  // A minute before expiry, or at three quarters of a short lifetime.
  const lifetime = Number(answer.expires_in) || 60;
  const lead = Math.min(60, lifetime / 4);
  renewal = setTimeout(refresh, (lifetime - lead) * 1000);
  if (!was) watchers.forEach((watch) => watch(true));
}

function drop() {
  const was = access !== null;
  access = null;
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

/** A new access token from the session cookie; false when there is no live session. */
export function refresh() {
  refreshing ??= renew().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function renew() {
  for (let attempt = 0; attempt < 2; attempt++) {
    let response;
    try {
      response = await fetch("/auth/session/refresh", { method: "POST", credentials: "same-origin" });
    } catch {
      // No connection: keep what we have and try again shortly.
      clearTimeout(renewal);
      renewal = setTimeout(refresh, 5000);
      return false;
    }
    if (response.ok) {
      adopt(await response.json());
      return true;
    }
    if (response.status !== 401) return false;
    // Another tab of this browser may have rotated the shared cookie a moment ago: the
    // browser now holds its successor, so one more try settles it.
    await delay(300);
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

/** Ends this browser's session and removes its cookie. */
export async function logOut() {
  try {
    await fetch("/auth/session", { method: "DELETE", credentials: "same-origin" });
  } finally {
    drop();
  }
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
  const attempt = () => {
    if (access) init.headers.Authorization = `Bearer ${access.token}`;
    return fetch(path, init);
  };
  let response = await attempt();
  if (response.status === 401 && access && options.auth !== false) {
    response = (await refresh()) ? await attempt() : response;
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
  const blob = await response.blob();
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
