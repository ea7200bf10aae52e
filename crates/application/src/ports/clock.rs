use todo_domain::Timestamp;

/// The current time. A port so that tests can fix it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC, at the precision the service stores (microseconds).
    fn now(&self) -> Timestamp;
}
