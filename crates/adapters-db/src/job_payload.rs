//! The job store's format for payloads: JSON text in the `payload` column
//! (`{"v":1,"user_id":7}`). The use cases hand over and read back serde values; this file is
//! the one place that knows they are kept as JSON, so stored jobs stay readable as long as it
//! keeps writing the same text.

use serde_json::Value;
use todo_application::ports::{Payload, RepositoryError, StoredPayload};

/// `payload` as the text to store.
pub(crate) fn write(payload: &Payload) -> Result<String, RepositoryError> {
    serde_json::to_string(payload).map_err(|error| RepositoryError::Unexpected(Box::new(error)))
}

/// A payload read back from the `payload` column: parsed once, read as often as a handler
/// needs. Text that is not JSON is kept as the reason, for the handler to report.
pub(crate) struct JsonPayload(Result<Value, String>);

impl JsonPayload {
    pub(crate) fn read(text: &str) -> Self {
        Self(serde_json::from_str(text).map_err(|error| format!("not JSON: {error}")))
    }
}

impl StoredPayload for JsonPayload {
    fn deserializer(&self) -> Result<Box<dyn erased_serde::Deserializer<'_> + '_>, String> {
        match &self.0 {
            Ok(value) => Ok(Box::new(<dyn erased_serde::Deserializer>::erase(value))),
            Err(reason) => Err(reason.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use todo_application::jobs::{JobError, JobPayload, PasswordResetEmail, WelcomeEmail, decode};

    use super::*;

    #[test]
    fn a_payload_is_stored_as_the_json_earlier_releases_wrote_and_reads_back() {
        let now = chrono::Utc::now();
        let welcome = WelcomeEmail { user_id: 7 }.into_job(now).payload;
        assert_eq!(write(&welcome).unwrap(), r#"{"v":1,"user_id":7}"#);
        let reset = PasswordResetEmail { email: "ada@example.com".into() }.into_job(now).payload;
        assert_eq!(write(&reset).unwrap(), r#"{"v":1,"email":"ada@example.com"}"#);
        let stored = JsonPayload::read(r#"{"v":1,"user_id":7}"#);
        assert_eq!(decode::<WelcomeEmail>(&stored), Ok(WelcomeEmail { user_id: 7 }));
    }

    #[test]
    fn text_that_is_not_json_is_a_permanent_failure_that_says_so() {
        let Err(JobError::Permanent(reason)) = decode::<WelcomeEmail>(&JsonPayload::read("{\"v\":1,")) else {
            panic!("not a permanent failure");
        };
        assert!(reason.contains("not JSON"), "{reason}");
    }
}
