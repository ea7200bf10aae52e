//! Job payloads. Each kind's payload is a struct with its kind's name, version and retry
//! budget; stored with the version beside the fields (the database adapter writes
//! `{"v":1,"user_id":7}`), so that a worker of a later release can still read, or knowingly
//! refuse, what an earlier one wrote. The version rule is this layer's; the format is the job
//! store's, which takes and gives back serde values ([`Payload`], [`StoredPayload`]).

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use todo_domain::Timestamp;

use super::JobError;
use crate::ports::{NewJob, Payload, StoredPayload};

/// The payload of one kind of job.
pub trait JobPayload: Serialize + DeserializeOwned + Debug + PartialEq + Send + Sync + 'static {
    /// The kind's stable name, as stored.
    const KIND: &'static str;
    /// Raised whenever the fields change in a way an older worker could not read.
    const VERSION: u32;
    /// Attempts before the job is dead.
    const MAX_ATTEMPTS: u32;

    /// This payload as a job created `now`, to run as soon as a worker is free (see
    /// [`NewJob::run_at`] for later).
    fn into_job(self, now: Timestamp) -> NewJob {
        let payload = Payload::new(Envelope { v: Self::VERSION, fields: self });
        NewJob { kind: Self::KIND, payload, max_attempts: Self::MAX_ATTEMPTS, run_at: now, created_at: now }
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
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
pub fn decode<P: JobPayload>(payload: &dyn StoredPayload) -> Result<P, JobError> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    let unreadable =
        |error: String| JobError::Permanent(format!("an unreadable {} payload: {error}", P::KIND));
    let mut reader = payload.deserializer().map_err(unreadable)?;
    let version = erased_serde::deserialize::<Version>(&mut *reader)
        .map_err(|error| JobError::Permanent(format!("a {} payload without a version: {error}", P::KIND)))?;
    let wrong =
        format!("a {} payload of version {}; this worker reads version {}", P::KIND, version.v, P::VERSION);
    if version.v > P::VERSION {
        return Err(JobError::Retryable(wrong));
    }
    if version.v < P::VERSION {
        return Err(JobError::Permanent(wrong));
    }
    let mut reader = payload.deserializer().map_err(unreadable)?;
    let envelope = erased_serde::deserialize::<Envelope<P>>(&mut *reader).map_err(|error| {
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

/// A stored payload as JSON text, the database adapter's format, for this layer's tests.
#[cfg(test)]
pub(crate) struct JsonPayload(pub &'static str);

#[cfg(test)]
impl StoredPayload for JsonPayload {
    fn deserializer(&self) -> Result<Box<dyn erased_serde::Deserializer<'_> + '_>, String> {
        let value: serde_json::Value = serde_json::from_str(self.0).map_err(|error| error.to_string())?;
        Ok(Box::new(<dyn erased_serde::Deserializer>::erase(value)))
    }
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
        assert_eq!(serde_json::to_string(&job.payload).unwrap(), r#"{"v":1,"user_id":7}"#);
        assert_eq!((job.max_attempts, job.run_at, job.created_at), (12, at, at));
        let later = at + chrono::TimeDelta::hours(1);
        assert_eq!(job.clone().run_at(later), NewJob { run_at: later, ..job.clone() });
        assert_ne!(job.payload, WelcomeEmail { user_id: 8 }.into_job(at).payload);
        assert_eq!(
            decode::<WelcomeEmail>(&JsonPayload(r#"{"v":1,"user_id":7}"#)),
            Ok(WelcomeEmail { user_id: 7 })
        );
    }

    #[test]
    fn an_earlier_version_or_a_wrong_shape_is_permanent_and_a_later_version_waits_for_a_newer_worker() {
        for payload in [r#"{"v":0,"user_id":7}"#, r#"{"v":1}"#, "not json", r#"{"user_id":7}"#, "[1]"] {
            assert!(
                matches!(decode::<WelcomeEmail>(&JsonPayload(payload)), Err(JobError::Permanent(_))),
                "{payload}"
            );
        }
        assert!(matches!(
            decode::<WelcomeEmail>(&JsonPayload(r#"{"v":2,"user_id":7}"#)),
            Err(JobError::Retryable(_))
        ));
    }
}
