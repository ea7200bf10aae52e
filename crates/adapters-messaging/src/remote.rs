//! Signals between processes, over any broadcast medium. Each process wakes its own streams
//! at once, and tells the others in coalesced messages: one every few milliseconds names every
//! user signalled since the last one. A message per write would cost PostgreSQL a quarter to a
//! third of its write throughput (ADR 0010); a coalesced one costs nothing measurable.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use todo_application::ports::{EventSignals, Signal, SignalSubscription, Signals};
use todo_domain::UserId;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::LocalSignals;

pub type BroadcastError = Box<dyn std::error::Error + Send + Sync>;

/// The channel all the service's processes share: PostgreSQL's `NOTIFY`, Redis's `PUBLISH`.
#[async_trait]
pub trait Broadcast: Send + Sync + 'static {
    /// Sends `payload` to every process listening, this one included.
    async fn send(&self, payload: &str) -> Result<(), BroadcastError>;
    /// Starts receiving what every process sends.
    async fn receive(&self) -> Result<Box<dyn Inbox>, BroadcastError>;
}

/// Payloads as they arrive; an error means the connection was lost (and messages with it).
#[async_trait]
pub trait Inbox: Send {
    async fn next(&mut self) -> Result<String, BroadcastError>;
}

/// Well below PostgreSQL's limit of 8,000 bytes a notification.
const MAX_PAYLOAD: usize = 7_000;

/// [`EventSignals`] across every process that shares a [`Broadcast`]. Built with
/// [`RemoteSignals::start`]; it runs two tasks, a flusher and a listener, until they are aborted.
#[derive(Clone)]
pub struct RemoteSignals {
    local: LocalSignals,
    dirty: Arc<Mutex<HashMap<UserId, Signals>>>,
    flush: Arc<Notify>,
    /// Whether the listener is receiving now.
    listening: watch::Sender<bool>,
}

impl RemoteSignals {
    /// Starts the flusher (one message at most every `coalesce`) and the listener, and returns
    /// the signals with the two tasks.
    pub fn start(
        broadcast: Arc<dyn Broadcast>,
        local: LocalSignals,
        coalesce: Duration,
    ) -> (Self, [JoinHandle<()>; 2]) {
        let origin = uuid::Uuid::new_v4().simple().to_string();
        let signals = Self {
            local,
            dirty: Arc::default(),
            flush: Arc::new(Notify::new()),
            listening: watch::Sender::new(false),
        };
        let flusher = tokio::spawn(flush(signals.clone(), broadcast.clone(), origin.clone(), coalesce));
        let listener = tokio::spawn(listen(signals.clone(), broadcast, origin));
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

impl EventSignals for RemoteSignals {
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
async fn flush(signals: RemoteSignals, broadcast: Arc<dyn Broadcast>, origin: String, coalesce: Duration) {
    loop {
        signals.flush.notified().await;
        tokio::time::sleep(coalesce).await;
        for payload in payloads(&origin, &signals.take_dirty()) {
            if let Err(error) = broadcast.send(&payload).await {
                // Other processes' streams catch up on their next keep-alive.
                warn!(%error, "could not tell the other processes of committed changes");
            }
        }
    }
}

/// Receives the other processes' signals and wakes this process's streams with them.
async fn listen(signals: RemoteSignals, broadcast: Arc<dyn Broadcast>, origin: String) {
    let local = &signals.local;
    loop {
        let listened = async {
            let mut inbox = broadcast.receive().await?;
            debug!("listening for other processes' signals");
            // Whatever was sent while nobody listened: every stream looks once.
            local.wake_all(Signals::ALL);
            signals.listening.send_replace(true);
            loop {
                let payload = inbox.next().await?;
                for (user, signals) in parse(&origin, &payload) {
                    local.wake(user, signals);
                }
            }
        };
        let error: Result<(), BroadcastError> = listened.await;
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
