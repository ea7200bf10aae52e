use async_trait::async_trait;

/// A dependency is not answering.
#[derive(Debug, thiserror::Error)]
#[error("the dependency is not answering")]
pub struct HealthCheckError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Whether a dependency the service needs (its database) answers right now.
///
/// # Errors
/// [`HealthCheckError`] when it does not answer within the implementation's timeout.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HealthCheck: Send + Sync {
    async fn check(&self) -> Result<(), HealthCheckError>;
}
