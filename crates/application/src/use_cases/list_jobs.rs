use std::sync::Arc;

use todo_domain::Page;
use tracing::instrument;

use crate::ports::{Job, JobStatus, JobStore, RepositoryError};

/// Jobs for operators, newest first, optionally of one status.
pub struct ListJobs {
    store: Arc<dyn JobStore>,
}

impl ListJobs {
    pub fn new(store: Arc<dyn JobStore>) -> Self {
        Self { store }
    }

    /// # Errors
    /// The store's.
    #[instrument(name = "list_jobs", skip_all)]
    pub async fn execute(&self, status: Option<JobStatus>, page: Page) -> Result<Vec<Job>, RepositoryError> {
        self.store.list(status, page).await
    }
}
