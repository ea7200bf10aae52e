use async_trait::async_trait;
use todo_domain::UserId;

/// What changed for a user, as far as their open streams care. A signal says only "look":
/// the event log and the credential store stay the truth, so a lost or doubled signal delays
/// or repeats a read, and never loses or invents anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Todo events were committed: read the log.
    Todos,
    /// A session, an API key or the account itself changed: check the stream's credential.
    Access,
}

/// The signals a subscription has received since it last looked, merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signals {
    pub todos: bool,
    pub access: bool,
}

impl Signals {
    pub const ALL: Self = Self { todos: true, access: true };

    pub fn with(self, signal: Signal) -> Self {
        match signal {
            Signal::Todos => Self { todos: true, ..self },
            Signal::Access => Self { access: true, ..self },
        }
    }

    pub fn any(self) -> bool {
        self.todos || self.access
    }
}

/// One stream's ear for its user's signals.
#[async_trait]
pub trait SignalSubscription: Send {
    /// Waits until a signal has arrived since the last call (or since subscribing), and
    /// returns them all. Cancel-safe: a signal that arrives while nobody waits is kept.
    async fn next(&mut self) -> Signals;
}

/// The fan-out of "something changed for user U" to every stream of U, in this process and,
/// where the adapter reaches them, in every other process serving the same database.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait EventSignals: Send + Sync {
    /// Starts listening for `user`'s signals. Signals published before this call are not seen:
    /// subscribe first, then read what is already stored.
    fn subscribe(&self, user: UserId) -> Box<dyn SignalSubscription>;

    /// Tells `user`'s streams that `signal` happened. Called after the change is committed;
    /// never blocks and never fails (delivery is best-effort, the stores are the truth).
    fn publish(&self, user: UserId, signal: Signal);
}
