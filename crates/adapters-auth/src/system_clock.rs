use chrono::{DurationRound, TimeDelta, Utc};
use todo_application::ports::Clock;
use todo_domain::Timestamp;

/// The machine's clock, truncated to microseconds: the precision both databases
/// store, so that a todo reads back exactly as it was returned when created.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let now = Utc::now();
        now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    #[test]
    fn the_system_clock_has_no_sub_microsecond_part() {
        assert_eq!(SystemClock.now().nanosecond() % 1_000, 0);
    }
}
