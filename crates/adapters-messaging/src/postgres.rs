//! Signals between processes that share a PostgreSQL database. Each process wakes its own
//! streams at once, and tells the others with `NOTIFY`, coalesced: one notification every few
//! milliseconds names every user signalled since the last one. A `NOTIFY` per write would cost
//! a quarter to a third of the database's write throughput (ADR 0010); a coalesced one costs
//! nothing measurable.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use todo_application::ports::{EventSignals, Signal, SignalSubscription, Signals};
use todo_domain::UserId;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::LocalSignals;

/// The `LISTEN`/`NOTIFY` channel.
pub const SIGNALS_CHANNEL: &str = "todo_signals";

/// PostgreSQL refuses payloads of 8,000 bytes or more; stay well below.
const MAX_PAYLOAD: usize = 7_000;

/// [`EventSignals`] across every process on one PostgreSQL database. Build it with
/// [`PgSignals::start`]; it runs two tasks, a flusher and a listener, until they are aborted.
#[derive(Clone)]
pub struct PgSignals {
    local: LocalSignals,
    dirty: Arc<Mutex<HashMap<UserId, Signals>>>,
    flush: Arc<Notify>,
    /// Whether the listener is listening now.
    listening: watch::Sender<bool>,
}

impl PgSignals {
    /// Starts the flusher (one `NOTIFY` at most every `coalesce`) and the listener on `pool`'s
    /// database, and returns the signals with the two tasks.
    pub fn start(pool: PgPool, local: LocalSignals, coalesce: Duration) -> (Self, [JoinHandle<()>; 2]) {
        let origin = uuid::Uuid::new_v4().simple().to_string();
        let signals = Self {
            local,
            dirty: Arc::default(),
            flush: Arc::new(Notify::new()),
            listening: watch::Sender::new(false),
        };
        let flusher = tokio::spawn(flush(signals.clone(), pool.clone(), origin.clone(), coalesce));
        let listener = tokio::spawn(listen(signals.clone(), pool, origin));
        (signals, [flusher, listener])
    }

    /// Waits until other processes' signals are being received.
    pub async fn until_listening(&self) {
        let mut listening = self.listening.subscribe();
        // The sender lives in `self`: this cannot fail while it is borrowed.
        let _ = listening.wait_for(|listening| *listening).await;
    }

    fn take_dirty(&self) -> HashMap<UserId, Signals> {
        std::mem::take(&mut *self.dirty.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl EventSignals for PgSignals {
    fn subscribe(&self, user: UserId) -> Box<dyn SignalSubscription> {
        self.local.subscribe(user)
    }

    fn publish(&self, user: UserId, signal: Signal) {
        self.local.publish(user, signal);
        let mut dirty = self.dirty.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = dirty.entry(user).or_default();
        *entry = entry.with(signal);
        drop(dirty);
        self.flush.notify_one();
    }
}

/// Waits for a first signal, lets more gather for `coalesce`, and sends them all.
async fn flush(signals: PgSignals, pool: PgPool, origin: String, coalesce: Duration) {
    loop {
        signals.flush.notified().await;
        tokio::time::sleep(coalesce).await;
        for payload in payloads(&origin, &signals.take_dirty()) {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(SIGNALS_CHANNEL)
                .bind(&payload)
                .execute(&pool)
                .await;
            if let Err(error) = sent {
                // Other processes' streams catch up on their next keep-alive.
                warn!(%error, "could not notify the other processes of committed changes");
            }
        }
    }
}

/// Listens for the other processes' signals and wakes this process's streams with them.
async fn listen(signals: PgSignals, pool: PgPool, origin: String) {
    let local = &signals.local;
    loop {
        let listened = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(SIGNALS_CHANNEL).await?;
            debug!("listening for other processes' signals");
            // Whatever was notified while nobody listened: every stream looks once.
            local.wake_all(Signals::ALL);
            signals.listening.send_replace(true);
            loop {
                let notification = listener.recv().await?;
                for (user, signals) in parse(&origin, notification.payload()) {
                    local.wake(user, signals);
                }
            }
        };
        let error: Result<(), sqlx::Error> = listened.await;
        signals.listening.send_replace(false);
        if let Err(error) = error {
            warn!(%error, "lost the signals of other processes; listening again in a second");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `<origin> t <id>,<id>... a <id>,...`, split to stay under PostgreSQL's payload limit.
fn payloads(origin: &str, dirty: &HashMap<UserId, Signals>) -> Vec<String> {
    let mut payloads = Vec::new();
    for (tag, wanted) in [("t", Signal::Todos), ("a", Signal::Access)] {
        let mut users = dirty
            .iter()
            .filter(|(_, signals)| match wanted {
                Signal::Todos => signals.todos,
                Signal::Access => signals.access,
            })
            .map(|(user, _)| user.get())
            .peekable();
        while users.peek().is_some() {
            let mut payload = format!("{origin} {tag} ");
            let start = payload.len();
            while payload.len() < MAX_PAYLOAD
                && let Some(user) = users.next()
            {
                if payload.len() > start {
                    payload.push(',');
                }
                let _ = write!(payload, "{user}");
            }
            payloads.push(payload);
        }
    }
    payloads
}

/// The users and signals of another process's payload; nothing for this process's own, or
/// for anything that does not parse.
fn parse(origin: &str, payload: &str) -> Vec<(UserId, Signals)> {
    let mut parts = payload.split(' ');
    let (Some(from), Some(tag), Some(users)) = (parts.next(), parts.next(), parts.next()) else {
        return vec![];
    };
    let signal = match tag {
        "t" => Signal::Todos,
        "a" => Signal::Access,
        _ => return vec![],
    };
    if from == origin {
        return vec![];
    }
    users
        .split(',')
        .filter_map(|raw| raw.parse().ok().and_then(|raw| UserId::new(raw).ok()))
        .map(|user| (user, Signals::default().with(signal)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(raw: i64) -> UserId {
        UserId::new(raw).unwrap()
    }

    #[test]
    fn payloads_name_each_signalled_user_once_per_kind_and_parse_back_elsewhere() {
        let dirty =
            HashMap::from([(user(1), Signals { todos: true, access: false }), (user(2), Signals::ALL)]);
        let payloads = payloads("me", &dirty);
        assert_eq!(payloads.len(), 2);
        let mut parsed: Vec<_> = payloads.iter().flat_map(|payload| parse("other", payload)).collect();
        parsed.sort_by_key(|(user, signals)| (user.get(), signals.access));
        let todos = Signals { todos: true, access: false };
        let access = Signals { todos: false, access: true };
        assert_eq!(parsed, vec![(user(1), todos), (user(2), todos), (user(2), access)]);
        assert!(payloads.iter().all(|payload| parse("me", payload).is_empty()), "our own are ignored");
    }

    #[test]
    fn many_users_are_split_below_the_payload_limit() {
        let dirty: HashMap<_, _> =
            (1..=5_000).map(|raw| (user(raw * 1_000_003), Signals { todos: true, access: false })).collect();
        let payloads = payloads("me", &dirty);
        assert!(payloads.len() > 1);
        assert!(
            payloads.iter().all(|payload| payload.len() < 7_100),
            "{:?}",
            payloads.iter().map(String::len).max()
        );
        let parsed: usize = payloads.iter().map(|payload| parse("other", payload).len()).sum();
        assert_eq!(parsed, 5_000);
    }

    #[test]
    fn garbage_parses_to_nothing() {
        for payload in ["", "x", "x t", "x q 1,2", "x t -1,0,abc"] {
            assert!(parse("me", payload).is_empty(), "{payload:?}");
        }
    }
}
