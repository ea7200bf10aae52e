//! Signals within one process: a `tokio::sync::watch` channel per user with open streams.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use todo_application::ports::{EventSignals, Signal, SignalSubscription, Signals};
use todo_domain::UserId;
use tokio::sync::watch;

/// [`EventSignals`] between the streams and the writers of one process. A user's channel
/// exists while they have a stream open; publishing for a user without one costs a map
/// look-up. Cheap to clone: clones share the channels.
#[derive(Clone, Default)]
pub struct LocalSignals {
    users: Arc<Mutex<HashMap<UserId, watch::Sender<Generations>>>>,
    on_access: Option<AccessObserver>,
}

/// Told of every access signal this process sees, its own and other processes', whether or
/// not the user has a stream open: `Some(user)`, or `None` when any user's may have been
/// missed. Called synchronously, before `publish` returns: keep it short.
pub type AccessObserver = Arc<dyn Fn(Option<UserId>) + Send + Sync>;

/// How many times each kind of signal was published for a user since their channel opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Generations {
    todos: u64,
    access: u64,
}

impl Generations {
    fn bump(&mut self, signals: Signals) {
        self.todos += u64::from(signals.todos);
        self.access += u64::from(signals.access);
    }

    fn since(self, seen: Self) -> Signals {
        Signals { todos: self.todos != seen.todos, access: self.access != seen.access }
    }
}

impl LocalSignals {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same signals, also telling `observer` of each access signal (a cache of
    /// credentials forgets with it).
    #[must_use]
    pub fn observing_access(self, observer: AccessObserver) -> Self {
        Self { on_access: Some(observer), ..self }
    }

    /// Wakes `user`'s streams in this process with `signals`.
    pub fn wake(&self, user: UserId, signals: Signals) {
        if signals.access
            && let Some(observe) = &self.on_access
        {
            observe(Some(user));
        }
        if let Some(sender) = self.lock().get(&user) {
            sender.send_modify(|generations| generations.bump(signals));
        }
    }

    /// Wakes every stream in this process: after a gap in what other processes told us.
    pub fn wake_all(&self, signals: Signals) {
        if signals.access
            && let Some(observe) = &self.on_access
        {
            observe(None);
        }
        for sender in self.lock().values() {
            sender.send_modify(|generations| generations.bump(signals));
        }
    }

    /// Users with at least one stream open here.
    pub fn users_listening(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, watch::Sender<Generations>>> {
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventSignals for LocalSignals {
    fn subscribe(&self, user: UserId) -> Box<dyn SignalSubscription> {
        let receiver =
            self.lock().entry(user).or_insert_with(|| watch::channel(Generations::default()).0).subscribe();
        let seen = *receiver.borrow();
        Box::new(LocalSubscription { receiver: Some(receiver), seen, signals: self.clone(), user })
    }

    fn publish(&self, user: UserId, signal: Signal) {
        self.wake(user, Signals::default().with(signal));
    }
}

struct LocalSubscription {
    /// `None` only while being dropped.
    receiver: Option<watch::Receiver<Generations>>,
    seen: Generations,
    signals: LocalSignals,
    user: UserId,
}

#[async_trait]
impl SignalSubscription for LocalSubscription {
    async fn next(&mut self) -> Signals {
        let Some(receiver) = self.receiver.as_mut() else { return std::future::pending().await };
        loop {
            let current = *receiver.borrow_and_update();
            let signals = current.since(self.seen);
            if signals.any() {
                self.seen = current;
                return signals;
            }
            if receiver.changed().await.is_err() {
                // The sender lives in the map as long as a receiver does; unreachable, but
                // waiting forever is the honest answer to "no more signals".
                return std::future::pending().await;
            }
        }
    }
}

impl Drop for LocalSubscription {
    fn drop(&mut self) {
        let mut users = self.signals.lock();
        drop(self.receiver.take());
        if users.get(&self.user).is_some_and(|sender| sender.receiver_count() == 0) {
            users.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn user(raw: i64) -> UserId {
        UserId::new(raw).unwrap()
    }

    async fn next_within(subscription: &mut Box<dyn SignalSubscription>, wait: Duration) -> Option<Signals> {
        tokio::time::timeout(wait, subscription.next()).await.ok()
    }

    #[tokio::test]
    async fn a_signal_reaches_every_stream_of_its_user_and_no_other() {
        let signals = LocalSignals::new();
        let (mut first, mut second, mut other) =
            (signals.subscribe(user(1)), signals.subscribe(user(1)), signals.subscribe(user(2)));
        signals.publish(user(1), Signal::Todos);
        let todos = Signals { todos: true, access: false };
        assert_eq!(first.next().await, todos);
        assert_eq!(second.next().await, todos);
        assert_eq!(next_within(&mut other, Duration::from_millis(20)).await, None);
    }

    #[test]
    fn the_access_observer_hears_every_access_signal_and_only_those() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let signals = LocalSignals::new().observing_access(Arc::new({
            let heard = heard.clone();
            move |user| heard.lock().unwrap().push(user)
        }));
        // Nobody has a stream open: the observer hears it all the same.
        signals.publish(user(1), Signal::Access);
        signals.publish(user(2), Signal::Todos);
        signals.wake(user(3), Signals::ALL);
        signals.wake_all(Signals { todos: true, access: false });
        signals.wake_all(Signals::ALL);
        assert_eq!(*heard.lock().unwrap(), vec![Some(user(1)), Some(user(3)), None]);
    }

    #[tokio::test]
    async fn signals_published_while_nobody_waits_are_merged_and_kept() {
        let signals = LocalSignals::new();
        let mut subscription = signals.subscribe(user(1));
        signals.publish(user(1), Signal::Todos);
        signals.publish(user(1), Signal::Access);
        signals.publish(user(1), Signal::Todos);
        assert_eq!(subscription.next().await, Signals::ALL);
        assert_eq!(next_within(&mut subscription, Duration::from_millis(20)).await, None, "all seen at once");
    }

    #[tokio::test]
    async fn a_user_s_channel_goes_with_their_last_stream() {
        let signals = LocalSignals::new();
        let first = signals.subscribe(user(1));
        let second = signals.subscribe(user(1));
        assert_eq!(signals.users_listening(), 1);
        drop(first);
        assert_eq!(signals.users_listening(), 1);
        drop(second);
        assert_eq!(signals.users_listening(), 0);
        signals.publish(user(1), Signal::Todos);
        assert_eq!(signals.users_listening(), 0, "publishing opens nothing");
    }

    #[tokio::test]
    async fn waking_all_reaches_everyone() {
        let signals = LocalSignals::new();
        let (mut first, mut second) = (signals.subscribe(user(1)), signals.subscribe(user(2)));
        signals.wake_all(Signals::ALL);
        assert_eq!(first.next().await, Signals::ALL);
        assert_eq!(second.next().await, Signals::ALL);
    }
}
