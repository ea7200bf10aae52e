//! The ways of writing an event that the experiment compares.

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Way {
    Repository,
    UnitOfWork,
    Trigger,
    /// PostgreSQL only: the trigger, and `pg_notify` in the same transaction.
    TriggerAndNotify,
    /// PostgreSQL only: the trigger, then `pg_notify` in a statement of its own after the commit.
    TriggerThenNotify,
    /// PostgreSQL only: the trigger; a flusher notifies every 5 ms for all users written since.
    TriggerCoalescedNotify,
}

impl Way {
    pub fn name(self) -> &'static str {
        match self {
            Self::Repository => "one INSERT, no event (today)",
            Self::UnitOfWork => "transaction: INSERT, counter, event",
            Self::Trigger => "one INSERT, event by trigger",
            Self::TriggerAndNotify => "one INSERT, event and NOTIFY by trigger",
            Self::TriggerThenNotify => "event by trigger, NOTIFY after the commit",
            Self::TriggerCoalescedNotify => "event by trigger, NOTIFY coalesced (5 ms)",
        }
    }
}
