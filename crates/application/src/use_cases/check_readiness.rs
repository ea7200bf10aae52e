use std::sync::Arc;

use tracing::instrument;

use crate::ports::{HealthCheck, HealthCheckError};

/// Whether the service can do its work now: what a load balancer asks before
/// sending traffic.
pub struct CheckReadiness {
    database: Arc<dyn HealthCheck>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckReadinessError {
    #[error("the database is not answering")]
    DatabaseUnavailable(#[source] HealthCheckError),
}

impl CheckReadiness {
    pub fn new(database: Arc<dyn HealthCheck>) -> Self {
        Self { database }
    }

    #[instrument(name = "check_readiness", skip_all)]
    pub async fn execute(&self) -> Result<(), CheckReadinessError> {
        self.database.check().await.map_err(CheckReadinessError::DatabaseUnavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockHealthCheck;

    #[tokio::test]
    async fn check_readiness_succeeds_when_the_database_answers() {
        let mut database = MockHealthCheck::new();
        database.expect_check().times(1).returning(|| Ok(()));
        assert!(CheckReadiness::new(Arc::new(database)).execute().await.is_ok());
    }

    #[tokio::test]
    async fn check_readiness_fails_when_the_database_does_not_answer() {
        let mut database = MockHealthCheck::new();
        database.expect_check().returning(|| Err(HealthCheckError("timed out".into())));
        let result = CheckReadiness::new(Arc::new(database)).execute().await;
        assert!(matches!(result, Err(CheckReadinessError::DatabaseUnavailable(_))));
    }
}
