// Live changes from `/todos/events` (Server-Sent Events), shared by every view.
//
// An EventSource cannot send headers, so the access token goes in the `access_token` query
// parameter, as the API allows. When the connection drops (a restart of the service, a network
// change, an expired token), this module reconnects with the current token and `last_event_id`,
// the id of the last event seen, so that the service replays what was missed; after a failed
// try it refreshes the token first, and it backs off up to 30 s. A view that may have missed
// changes (no event seen yet, or the service's `reset`) refetches.

import { accessToken, loggedIn, onToken, refresh } from "./api.js";

const TYPES = ["todo.created", "todo.updated", "todo.deleted", "reset"];
const listeners = new Set();
let source = null;
let lastId = null;
let failures = 0;
let retry = null;
let wanted = false;
let refreshedFor = null; // the token this outage already refreshed once

/** Calls `listener(event)` for every event until the returned function is called. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function deliver(event) {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      console.error(error);
    }
  }
}

function indicate(state) {
  const badge = document.getElementById("live");
  badge.hidden = state === "off";
  badge.dataset.state = state;
  badge.textContent = state === "on" ? "Live" : "Reconnecting…";
}

function connect() {
  const token = accessToken();
  if (!wanted || !token) return;
  const url = new URL("/todos/events", location.origin);
  url.searchParams.set("access_token", token);
  if (lastId !== null) url.searchParams.set("last_event_id", lastId);
  const stream = new EventSource(url);
  source = stream;
  stream.addEventListener("open", () => {
    failures = 0;
    refreshedFor = null;
    indicate("on");
  });
  for (const type of TYPES) {
    stream.addEventListener(type, (message) => {
      if (message.lastEventId) lastId = message.lastEventId;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      deliver(event);
    });
  }
  stream.addEventListener("error", () => {
    if (stream !== source) return;
    // The browser would retry by itself, but with the token it started with, which may have
    // expired since: this module retries instead, with the current one.
    stream.close();
    source = null;
    indicate("waiting");
    schedule();
  });
}

function schedule() {
  clearTimeout(retry);
  // 1, 2, 4 ... 30 s, each a little earlier or later, so that a restarted service is not met
  // by every client at the same instant.
  const wait = Math.min(30_000, 1000 * 2 ** failures) * (0.8 + Math.random() * 0.4);
  failures += 1;
  retry = setTimeout(async () => {
    retry = null;
    if (!wanted) return;
    // After a failed try the token may be the cause (expired, revoked): one refresh per
    // token, not one per try, or a long outage would spend a refresh token every time.
    const token = accessToken();
    if (failures > 1 && token && refreshedFor !== token) {
      refreshedFor = token;
      await refresh();
    }
    if (!loggedIn()) return; // the refresh was refused: main.js shows the log-in.
    // Whatever happened while away is replayed from lastId, or announced by a reset; with
    // no id yet, the views refetch to be sure.
    if (lastId === null) deliver({ type: "reset" });
    connect();
    if (!source) schedule();
  }, wait);
}

// A token that arrives while the stream is down (a refresh of api.js's own) is worth a try now.
onToken(() => {
  if (wanted && !source && retry === null) connect();
});

/** Follows the events while logged in. */
export function start() {
  if (wanted) return;
  wanted = true;
  failures = 0;
  connect();
}

export function stop() {
  wanted = false;
  clearTimeout(retry);
  source?.close();
  source = null;
  lastId = null;
  indicate("off");
}
