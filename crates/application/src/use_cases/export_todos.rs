use std::sync::Arc;

use futures_util::stream::{self, Stream};
use todo_domain::{Todo, TodoFilter, TodoId, UserId};

use crate::ports::{RepositoryError, TodoRepository};

/// Todos read at a time by an export.
pub const EXPORT_PAGE_SIZE: u64 = 500;

/// All of the caller's todos that pass a filter, as a stream of pages, for an export of any
/// size. A page is read only once the previous one has been taken, so memory holds one page
/// whatever the number of todos, and a slow client slows nobody's reads but its own. Pages
/// follow the ids (`id > last`), so each costs the same however deep it is.
pub struct ExportTodos {
    todos: Arc<dyn TodoRepository>,
    page_size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportTodosError {
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ExportTodos {
    pub fn new(todos: Arc<dyn TodoRepository>) -> Self {
        Self { todos, page_size: EXPORT_PAGE_SIZE }
    }

    /// The pages, none of them empty. Todos created or changed while the export runs may
    /// or may not be in it; every todo that exists throughout is in it exactly once.
    pub fn execute(
        &self,
        owner: UserId,
        filter: TodoFilter,
    ) -> impl Stream<Item = Result<Vec<Todo>, ExportTodosError>> + Send + 'static {
        let (todos, size) = (self.todos.clone(), self.page_size);
        // `None`: finished; `Some(after)`: the next page starts after that id.
        stream::try_unfold(Some(None::<TodoId>), move |position| {
            let todos = todos.clone();
            async move {
                let Some(after) = position else { return Ok(None) };
                let page = todos.list_after(owner, filter, after, size).await?;
                let last = page.last().map(|todo| todo.id);
                let next = (page.len() as u64 == size).then_some(last);
                Ok((!page.is_empty()).then_some((page, next)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use futures_util::TryStreamExt;
    use mockall::Sequence;
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockTodoRepository;
    use crate::use_cases::fixtures::{todo, todo_id, unavailable, user_id};

    fn export(todos: MockTodoRepository) -> ExportTodos {
        ExportTodos { todos: Arc::new(todos), page_size: 2 }
    }

    fn expect_page(todos: &mut MockTodoRepository, order: &mut Sequence, after: Option<i64>, ids: &[i64]) {
        let page: Vec<Todo> = ids.iter().map(|id| todo(*id, 2)).collect();
        let filter = TodoFilter { completed: Some(true) };
        todos
            .expect_list_after()
            .with(eq(user_id(2)), eq(filter), eq(after.map(todo_id)), eq(2))
            .times(1)
            .in_sequence(order)
            .returning(move |_, _, _, _| Ok(page.clone()));
    }

    async fn pages(todos: MockTodoRepository) -> Result<Vec<Vec<i64>>, ExportTodosError> {
        let stream = export(todos).execute(user_id(2), TodoFilter { completed: Some(true) });
        let pages: Vec<Vec<Todo>> = stream.try_collect().await?;
        Ok(pages.iter().map(|page| page.iter().map(|todo| todo.id.get()).collect()).collect())
    }

    #[tokio::test]
    async fn export_todos_reads_page_after_page_until_a_short_one() {
        let (mut todos, mut order) = (MockTodoRepository::new(), Sequence::new());
        expect_page(&mut todos, &mut order, None, &[1, 3]);
        expect_page(&mut todos, &mut order, Some(3), &[4, 9]);
        expect_page(&mut todos, &mut order, Some(9), &[12]);
        assert_eq!(pages(todos).await.unwrap(), [vec![1, 3], vec![4, 9], vec![12]]);
    }

    #[tokio::test]
    async fn export_todos_ends_at_an_empty_page_and_yields_none() {
        let (mut todos, mut order) = (MockTodoRepository::new(), Sequence::new());
        expect_page(&mut todos, &mut order, None, &[1, 2]);
        expect_page(&mut todos, &mut order, Some(2), &[]);
        assert_eq!(pages(todos).await.unwrap(), [vec![1, 2]]);
    }

    #[tokio::test]
    async fn export_todos_passes_a_storage_failure_on_and_stops() {
        let mut todos = MockTodoRepository::new();
        todos.expect_list_after().times(1).returning(|_, _, _, _| Err(unavailable()));
        assert!(matches!(pages(todos).await, Err(ExportTodosError::Repository(_))));
    }
}
