use std::time::Duration;

use async_trait::async_trait;
use sea_orm::DatabaseConnection;
use todo_application::ports::{HealthCheck, HealthCheckError};

/// Pings the database, giving up after a short timeout so that a readiness probe
/// answers quickly even when the database hangs.
pub struct SeaOrmHealthCheck {
    db: DatabaseConnection,
    timeout: Duration,
}

impl SeaOrmHealthCheck {
    pub fn new(db: DatabaseConnection, timeout: Duration) -> Self {
        Self { db, timeout }
    }
}

#[async_trait]
impl HealthCheck for SeaOrmHealthCheck {
    async fn check(&self) -> Result<(), HealthCheckError> {
        match tokio::time::timeout(self.timeout, self.db.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(HealthCheckError(Box::new(error))),
            Err(_) => Err(HealthCheckError(format!("no answer within {:?}", self.timeout).into())),
        }
    }
}
