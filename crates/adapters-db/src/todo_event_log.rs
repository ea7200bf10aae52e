//! Each user's todo event log, read back ([`SeaOrmTodoEventLog`]). The triggers of migration
//! `m20261202_000006_todo_events` write it, inside each change's own statement.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use todo_application::ports::{EventLogBounds, RepositoryError, TodoEventLog};
use todo_domain::{EventId, Revision, Timestamp, TodoChange, TodoEvent, TodoId, UserId};
use tracing::instrument;

use crate::connection::Pool;
use crate::entities::{todo_events, todos, users};
use crate::errors::corrupt_row;
use crate::executor::Executor;
use crate::todo_repository::to_todo;

/// [`TodoEventLog`] on any database sea-orm supports.
pub struct SeaOrmTodoEventLog {
    executor: Executor,
    prune_batch: u64,
}

impl SeaOrmTodoEventLog {
    /// Every read gives up after `deadline` with `RepositoryError::Unavailable`.
    pub fn new(pool: &Pool, deadline: Duration) -> Self {
        Self { executor: Executor::pool(pool.clone(), deadline), prune_batch: 10_000 }
    }

    /// Prunes at most `rows` events a statement (10,000 by default), so that a backlog (a first
    /// deployment, a long outage) shrinks one bounded statement after another, each within the
    /// deadline and none holding SQLite's write lock for long.
    #[must_use]
    pub fn prune_batch(mut self, rows: u64) -> Self {
        self.prune_batch = rows.max(1);
        self
    }
}

#[async_trait]
impl TodoEventLog for SeaOrmTodoEventLog {
    #[instrument(name = "db.todo_events.after", skip_all)]
    async fn after(
        &self,
        user: UserId,
        after: Option<EventId>,
        limit: u64,
    ) -> Result<Vec<TodoEvent>, RepositoryError> {
        let query = todo_events::Entity::find()
            .filter(todo_events::Column::UserId.eq(user.get()))
            .filter(todo_events::Column::Id.gt(after.map_or(0, EventId::get)))
            .order_by_asc(todo_events::Column::Id)
            .limit(limit);
        self.executor.all(query).await?.into_iter().map(to_event).collect()
    }

    #[instrument(name = "db.todo_events.bounds", skip_all)]
    async fn bounds(&self, user: UserId) -> Result<EventLogBounds, RepositoryError> {
        let writer = self.executor.writer();
        let oldest = todo_events::Entity::find()
            .select_only()
            .column_as(todo_events::Column::Id.min(), "oldest")
            .filter(todo_events::Column::UserId.eq(user.get()))
            .into_tuple::<Option<i64>>();
        let oldest = self.executor.run(oldest.one(&writer)).await?.flatten();
        // The counter is the schema's, not the entity's: the triggers keep it.
        let latest = users::Entity::find_by_id(user.get())
            .select_only()
            .column_as(Expr::cust("last_event_id"), "latest")
            .into_tuple::<i64>();
        let latest = self.executor.run(latest.one(&writer)).await?;
        let id = |raw: i64| EventId::new(raw).ok();
        Ok(EventLogBounds { oldest: oldest.and_then(id), latest: latest.and_then(id) })
    }

    #[instrument(name = "db.todo_events.prune", skip_all)]
    async fn prune(&self, keep_last: u64, recorded_before: Timestamp) -> Result<u64, RepositoryError> {
        // The counter is each user's newest id, pruned or not. Every value in the statement is
        // a number of the service's own (configuration, clock), never text from a client.
        let batch = Expr::cust(format!(
            "(user_id, id) IN (SELECT user_id, id FROM todo_events WHERE recorded_at_ms < {before} \
             AND id <= (SELECT last_event_id FROM users WHERE users.id = todo_events.user_id) - {keep_last} \
             LIMIT {limit})",
            before = recorded_before.timestamp_millis(),
            limit = self.prune_batch,
        ));
        let mut pruned = 0;
        loop {
            let delete = todo_events::Entity::delete_many().filter(batch.clone());
            let deleted = self.executor.run(delete.exec(&self.executor.writer())).await?.rows_affected;
            pruned += deleted;
            if deleted < self.prune_batch {
                return Ok(pruned);
            }
        }
    }
}

/// A row back into a domain event, the todo's snapshot through the todos' own conversion.
fn to_event(row: todo_events::Model) -> Result<TodoEvent, RepositoryError> {
    let corrupt = |why: String| {
        corrupt_row("todo_events", row.id, std::io::Error::other(format!("user {}: {why}", row.user_id)))
    };
    let id = EventId::new(row.id).map_err(|error| corrupt(error.to_string()))?;
    let user = UserId::new(row.user_id).map_err(|error| corrupt(error.to_string()))?;
    let recorded_at = DateTime::<Utc>::from_timestamp_millis(row.recorded_at_ms)
        .ok_or_else(|| corrupt(format!("recorded_at_ms {}", row.recorded_at_ms)))?;
    let snapshot = |row: &todo_events::Model| -> Result<_, RepositoryError> {
        let (Some(title), Some(completed), Some(created_at)) =
            (row.title.clone(), row.completed, row.todo_created_at)
        else {
            return Err(corrupt(format!("a {} without the todo", row.kind)));
        };
        to_todo(todos::Model {
            id: row.todo_id,
            user_id: row.user_id,
            title,
            description: row.description.clone(),
            completed,
            created_at,
            updated_at: row.todo_updated_at,
            // The todos of before migration 7 all started again from the first revision.
            revision: row.todo_revision.unwrap_or(Revision::FIRST.get()),
        })
    };
    let change = match row.kind.as_str() {
        "todo.created" => TodoChange::Created(snapshot(&row)?),
        "todo.updated" => TodoChange::Updated(snapshot(&row)?),
        "todo.deleted" => {
            TodoChange::Deleted(TodoId::new(row.todo_id).map_err(|error| corrupt(error.to_string()))?)
        }
        other => return Err(corrupt(format!("unknown kind {other:?}"))),
    };
    Ok(TodoEvent { id, user, change, recorded_at })
}
