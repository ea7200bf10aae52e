//! Job payloads. Each kind's payload is a struct with its kind's name, version and retry
//! budget; stored as JSON with the version beside the fields (`{"v":1,"user_id":7}`), so that
//! a worker of a later release can still read, or knowingly refuse, what an earlier one wrote.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use todo_domain::Timestamp;

use super::JobError;
use crate::ports::NewJob;

/// The payload of one kind of job.
pub trait JobPayload: Serialize + DeserializeOwned {
    /// The kind's stable name, as stored.
    const KIND: &'static str;
    /// Raised whenever the fields change in a way an older worker could not read.
    const VERSION: u32;
    /// Attempts before the job is dead.
    const MAX_ATTEMPTS: u32;

    /// This payload as a job created `now`, to run as soon as a worker is free (see
    /// [`NewJob::run_at`] for later).
    fn into_job(self, now: Timestamp) -> NewJob {
        let payload = serde_json::to_string(&Envelope { v: Self::VERSION, fields: self })
            .expect("BUG: a job payload that does not serialise");
        NewJob { kind: Self::KIND, payload, max_attempts: Self::MAX_ATTEMPTS, run_at: now, created_at: now }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope<P> {
    v: u32,
    #[serde(flatten)]
    fields: P,
}

/// Reads a stored payload of kind `P`. A later version than this code knows was written by a
/// newer release: retryable, for a worker of that release to take. An earlier one, or fields
/// that do not fit, can never succeed: permanent.
///
/// # Errors
/// [`JobError`] naming the problem.
pub fn decode<P: JobPayload>(payload: &str) -> Result<P, JobError> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    let version = serde_json::from_str::<Version>(payload)
        .map_err(|error| JobError::Permanent(format!("a {} payload without a version: {error}", P::KIND)))?;
    let wrong =
        format!("a {} payload of version {}; this worker reads version {}", P::KIND, version.v, P::VERSION);
    if version.v > P::VERSION {
        return Err(JobError::Retryable(wrong));
    }
    if version.v < P::VERSION {
        return Err(JobError::Permanent(wrong));
    }
    let envelope: Envelope<P> = serde_json::from_str(payload).map_err(|error| {
        JobError::Permanent(format!("a {} payload that does not decode: {error}", P::KIND))
    })?;
    Ok(envelope.fields)
}

/// Send the welcome e-mail to a newly registered user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WelcomeEmail {
    pub user_id: i64,
}

impl JobPayload for WelcomeEmail {
    const KIND: &'static str = "welcome_email";
    const VERSION: u32 = 1;
    /// With the default backoff (2 s doubling, at most 15 minutes, with jitter), 24 to 47
    /// minutes of retries.
    const MAX_ATTEMPTS: u32 = 12;
}

/// E-mail a password-reset link to whoever has this address, if anyone does. Queued for every
/// request, known address or not, so that the request takes the same time either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetEmail {
    pub email: String,
}

impl JobPayload for PasswordResetEmail {
    const KIND: &'static str = "password_reset_email";
    const VERSION: u32 = 1;
    /// About 4 minutes of retries: a reset link that arrives an hour late is of no use.
    const MAX_ATTEMPTS: u32 = 8;
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn a_payload_is_stored_with_its_version_and_reads_back() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let job = WelcomeEmail { user_id: 7 }.into_job(at);
        assert_eq!(job.kind, "welcome_email");
        assert_eq!(job.payload, r#"{"v":1,"user_id":7}"#);
        assert_eq!((job.max_attempts, job.run_at, job.created_at), (12, at, at));
        let later = at + chrono::TimeDelta::hours(1);
        assert_eq!(job.clone().run_at(later), NewJob { run_at: later, ..job.clone() });
        assert_eq!(decode::<WelcomeEmail>(&job.payload).unwrap(), WelcomeEmail { user_id: 7 });
    }

    #[test]
    fn an_earlier_version_or_a_wrong_shape_is_permanent_and_a_later_version_waits_for_a_newer_worker() {
        for payload in [r#"{"v":0,"user_id":7}"#, r#"{"v":1}"#, "not json", r#"{"user_id":7}"#] {
            assert!(matches!(decode::<WelcomeEmail>(payload), Err(JobError::Permanent(_))), "{payload}");
        }
        assert!(matches!(decode::<WelcomeEmail>(r#"{"v":2,"user_id":7}"#), Err(JobError::Retryable(_))));
    }
}
