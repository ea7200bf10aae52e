use std::time::Duration;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use todo_application::ports::{RepositoryError, TodoRepository};
use todo_domain::{
    NewTodo, Page, Revision, Timestamp, Todo, TodoChanges, TodoDescription, TodoFilter, TodoId, TodoTitle,
    UserId,
};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::todos;
use crate::errors::corrupt_row;
use crate::executor::Executor;

/// [`TodoRepository`] on any database sea-orm supports, outside or inside a transaction.
pub struct SeaOrmTodoRepository {
    executor: Executor,
}

impl SeaOrmTodoRepository {
    /// Every operation gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline) }
    }

    pub(crate) fn within(executor: Executor) -> Self {
        Self { executor }
    }
}

#[async_trait]
impl TodoRepository for SeaOrmTodoRepository {
    #[instrument(name = "db.todos.insert", skip_all)]
    async fn insert(&self, todo: NewTodo) -> Result<Todo, RepositoryError> {
        let id = self.executor.insert(new_row(&todo)).await?;
        Ok(Todo {
            id: TodoId::new(id).map_err(|error| corrupt_row("todos", id, error))?,
            owner: todo.owner,
            title: todo.title,
            description: todo.description,
            completed: todo.completed,
            created_at: todo.created_at,
            updated_at: None,
            revision: Revision::FIRST,
        })
    }

    #[instrument(name = "db.todos.find", skip_all)]
    async fn find(&self, id: TodoId) -> Result<Option<Todo>, RepositoryError> {
        let row = self.executor.one(todos::Entity::find_by_id(id.get())).await?;
        row.map(to_todo).transpose()
    }

    #[instrument(name = "db.todos.list", skip_all)]
    async fn list(
        &self,
        owner: UserId,
        filter: TodoFilter,
        page: Page,
    ) -> Result<Vec<Todo>, RepositoryError> {
        let query = todos::Entity::find()
            .filter(todos::Column::UserId.eq(owner.get()))
            .apply_if(filter.completed, |query, completed| {
                query.filter(todos::Column::Completed.eq(completed))
            })
            .order_by_asc(todos::Column::Id)
            .offset(u64::try_from(page.skip()).ok())
            .limit(u64::try_from(page.limit()).ok());
        let rows = self.executor.all(query).await?;
        rows.into_iter().map(to_todo).collect()
    }

    #[instrument(name = "db.todos.list_after", skip_all)]
    async fn list_after(
        &self,
        owner: UserId,
        filter: TodoFilter,
        after: Option<TodoId>,
        limit: u64,
    ) -> Result<Vec<Todo>, RepositoryError> {
        let query = todos::Entity::find()
            .filter(todos::Column::UserId.eq(owner.get()))
            .apply_if(after, |query, after| query.filter(todos::Column::Id.gt(after.get())))
            .apply_if(filter.completed, |query, completed| {
                query.filter(todos::Column::Completed.eq(completed))
            })
            .order_by_asc(todos::Column::Id)
            .limit(limit);
        let rows = self.executor.all(query).await?;
        rows.into_iter().map(to_todo).collect()
    }

    #[instrument(name = "db.todos.insert_many", skip_all, fields(count = todos.len()))]
    async fn insert_many(&self, todos: Vec<NewTodo>) -> Result<u64, RepositoryError> {
        let mut stored = 0;
        let mut rows = todos.iter().map(new_row).peekable();
        while rows.peek().is_some() {
            // Seven values a row: 7,000 per statement, well under both databases' limits.
            let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
            let count = chunk.len() as u64;
            let insert = todos::Entity::insert_many(chunk);
            self.executor.run(insert.exec_without_returning(&self.executor.writer())).await?;
            stored += count;
        }
        Ok(stored)
    }

    #[instrument(name = "db.todos.change", skip_all)]
    async fn change(
        &self,
        owner: UserId,
        id: TodoId,
        changes: TodoChanges,
        now: Timestamp,
        expected: Option<Vec<Revision>>,
    ) -> Result<Option<Todo>, RepositoryError> {
        let mut update = todos::Entity::update_many()
            .col_expr(todos::Column::UpdatedAt, Expr::value(Some(now)))
            .col_expr(todos::Column::Revision, Expr::col(todos::Column::Revision).add(1))
            .filter(todos::Column::Id.eq(id.get()))
            .filter(todos::Column::UserId.eq(owner.get()));
        if let Some(title) = changes.title {
            update = update.col_expr(todos::Column::Title, Expr::value(title.as_str()));
        }
        if let Some(description) = changes.description {
            let text = description.as_ref().map(|d| d.as_str().to_owned());
            update = update.col_expr(todos::Column::Description, Expr::value(text));
        }
        if let Some(completed) = changes.completed {
            update = update.col_expr(todos::Column::Completed, Expr::value(completed));
        }
        if let Some(revisions) = expected {
            update = update.filter(todos::Column::Revision.is_in(revisions.iter().map(|r| r.get())));
        }
        let rows = self.executor.run(update.exec_with_returning(&self.executor.writer())).await?;
        rows.into_iter().next().map(to_todo).transpose()
    }

    #[instrument(name = "db.todos.delete", skip_all)]
    async fn delete(&self, id: TodoId, revision: Option<Revision>) -> Result<(), RepositoryError> {
        let delete = todos::Entity::delete_by_id(id.get())
            .apply_if(revision, |delete, revision| delete.filter(todos::Column::Revision.eq(revision.get())));
        let result = self.executor.run(delete.exec(&self.executor.writer())).await?;
        if result.rows_affected == 0 { Err(self.missing_or_stale(id).await) } else { Ok(()) }
    }
}

impl SeaOrmTodoRepository {
    /// Why a conditional write touched no row: the todo is gone, or at another revision.
    async fn missing_or_stale(&self, id: TodoId) -> RepositoryError {
        match self.executor.one(todos::Entity::find_by_id(id.get())).await {
            Ok(Some(_)) => RepositoryError::Stale,
            Ok(None) => RepositoryError::NotFound,
            Err(error) => error,
        }
    }
}

/// Rows per `INSERT` of [`TodoRepository::insert_many`].
const INSERT_CHUNK: usize = 1000;

fn new_row(todo: &NewTodo) -> todos::ActiveModel {
    todos::ActiveModel {
        user_id: Set(todo.owner.get()),
        title: Set(todo.title.as_str().to_owned()),
        description: Set(todo.description.as_ref().map(|d| d.as_str().to_owned())),
        completed: Set(todo.completed),
        created_at: Set(todo.created_at),
        updated_at: Set(None),
        revision: Set(Revision::FIRST.get()),
        ..Default::default()
    }
}

/// A row back into a domain todo, through the value objects' constructors.
pub(crate) fn to_todo(row: todos::Model) -> Result<Todo, RepositoryError> {
    let id = row.id;
    let corrupt =
        |error: &dyn std::fmt::Display| corrupt_row("todos", id, std::io::Error::other(error.to_string()));
    Ok(Todo {
        id: TodoId::new(id).map_err(|e| corrupt(&e))?,
        owner: UserId::new(row.user_id).map_err(|e| corrupt(&e))?,
        title: TodoTitle::parse(row.title).map_err(|e| corrupt(&e))?,
        description: row.description.map(TodoDescription::parse).transpose().map_err(|e| corrupt(&e))?,
        completed: row.completed,
        created_at: row.created_at,
        updated_at: row.updated_at,
        revision: Revision::new(row.revision).map_err(|e| corrupt(&e))?,
    })
}
