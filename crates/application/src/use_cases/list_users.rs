use std::sync::Arc;

use todo_domain::Page;
use tracing::instrument;

use crate::ports::{RepositoryError, UserOverview, UserRepository};

/// Every user, by id, with how many todos each owns: the administrators' view.
pub struct ListUsers {
    users: Arc<dyn UserRepository>,
}

impl ListUsers {
    pub fn new(users: Arc<dyn UserRepository>) -> Self {
        Self { users }
    }

    /// # Errors
    /// The store's.
    #[instrument(name = "list_users", skip_all)]
    pub async fn execute(&self, page: Page) -> Result<Vec<UserOverview>, RepositoryError> {
        self.users.list_overviews(page).await
    }
}
