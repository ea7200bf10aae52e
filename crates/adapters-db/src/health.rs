use std::time::Duration;

use async_trait::async_trait;
use todo_application::ports::{HealthCheck, HealthCheckError};

use crate::abandoned::watched;
use crate::connection::Pool;

/// Pings the database, giving up after a short timeout so that a readiness probe
/// answers quickly even when the database hangs.
pub struct SeaOrmHealthCheck {
    pool: Pool,
    timeout: Duration,
}

impl SeaOrmHealthCheck {
    pub fn new(pool: &Pool, timeout: Duration) -> Self {
        Self { pool: pool.clone(), timeout }
    }
}

#[async_trait]
impl HealthCheck for SeaOrmHealthCheck {
    async fn check(&self) -> Result<(), HealthCheckError> {
        match tokio::time::timeout(self.timeout, watched(self.pool.reader().ping())).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(HealthCheckError(Box::new(error))),
            Err(_) => Err(HealthCheckError(format!("no answer within {:?}", self.timeout).into())),
        }
    }
}
