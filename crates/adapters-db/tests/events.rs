//! Each user's todo event log against real databases: every change through the repository
//! appends its event in the same statement, numbered per user in commit order; nothing is
//! written for a change that does not commit, nor for todos deleted with their user.

mod common;

use std::sync::Arc;

use chrono::Utc;
use todo_adapters_db::{
    Pool, SeaOrmTodoEventLog, SeaOrmTodoRepository, SeaOrmUnitOfWork, SeaOrmUserRepository,
};
use todo_application::ports::{EventLogBounds, TodoEventLog, TodoRepository, UnitOfWork, UserRepository};
use todo_domain::{EventId, NewTodo, TodoChange, TodoTitle, User};

use common::DEADLINE;

async fn user(pool: &Pool, name: &str) -> User {
    common::user(pool, name, Utc::now()).await
}

fn new_todo(owner: &User, title: &str) -> NewTodo {
    NewTodo {
        owner: owner.id,
        title: TodoTitle::parse(title).unwrap(),
        description: None,
        completed: false,
        created_at: Utc::now(),
    }
}

fn id(raw: i64) -> EventId {
    EventId::new(raw).unwrap()
}

on_each_backend! {
    async fn every_change_appends_its_event_numbered_per_user(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let log = SeaOrmTodoEventLog::new(&pool, DEADLINE);
        assert_eq!(log.bounds(ada.id).await.unwrap(), EventLogBounds::default());
        let created = todos.insert(new_todo(&ada, "first")).await.unwrap();
        // As stored: PostgreSQL keeps microseconds.
        let created = todos.find(created.id).await.unwrap().unwrap();
        todos.insert(new_todo(&bob, "bob's")).await.unwrap();
        let done = todo_domain::TodoChanges { completed: Some(true), ..Default::default() };
        todos.change(ada.id, created.id, done, Utc::now(), None).await.unwrap().unwrap();
        todos.delete(created.id, None).await.unwrap();

        let events = log.after(ada.id, None, 100).await.unwrap();
        let ids: Vec<_> = events.iter().map(|event| event.id.get()).collect();
        assert_eq!(ids, [1, 2, 3]);
        match &events[0].change {
            TodoChange::Created(todo) => assert_eq!(*todo, created),
            other => panic!("{other:?}"),
        }
        match &events[1].change {
            TodoChange::Updated(todo) => {
                assert!(todo.completed && todo.updated_at.is_some() && todo.revision.get() == 2, "{todo:?}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(events[2].change, TodoChange::Deleted(created.id));
        assert!(events.iter().all(|event| event.user == ada.id));
        assert!((Utc::now() - events[2].recorded_at).num_seconds() < 60, "{:?}", events[2].recorded_at);

        assert_eq!(log.after(ada.id, Some(id(2)), 100).await.unwrap().len(), 1);
        assert_eq!(log.after(ada.id, None, 2).await.unwrap().len(), 2);
        let bobs = log.after(bob.id, None, 100).await.unwrap();
        assert_eq!(bobs.iter().map(|event| event.id.get()).collect::<Vec<_>>(), [1], "bob's log is his");
        assert_eq!(log.bounds(ada.id).await.unwrap(), EventLogBounds { oldest: Some(id(1)), latest: Some(id(3)) });
    }

    async fn a_change_that_does_not_commit_leaves_no_event(pool) {
        let ada = user(&pool, "ada").await;
        let unit_of_work = SeaOrmUnitOfWork::new(&pool, DEADLINE);
        let transaction = unit_of_work.begin().await.unwrap();
        transaction.todos().insert(new_todo(&ada, "rolled back")).await.unwrap();
        drop(transaction);
        let log = SeaOrmTodoEventLog::new(&pool, DEADLINE);
        assert!(log.after(ada.id, None, 100).await.unwrap().is_empty());
        assert_eq!(log.bounds(ada.id).await.unwrap().latest, None);
        SeaOrmTodoRepository::new(&pool, DEADLINE).insert(new_todo(&ada, "kept")).await.unwrap();
        assert_eq!(log.after(ada.id, None, 100).await.unwrap()[0].id, id(1), "no gap left by the rollback");
    }

    async fn concurrent_writers_of_one_user_get_every_event_in_a_gapless_sequence(pool) {
        let ada = user(&pool, "ada").await;
        let todos = Arc::new(SeaOrmTodoRepository::new(&pool, DEADLINE));
        let writers: Vec<_> = (0..8)
            .map(|writer| {
                let (todos, ada) = (todos.clone(), ada.clone());
                tokio::spawn(async move {
                    for n in 0..10 {
                        todos.insert(new_todo(&ada, &format!("{writer}-{n}"))).await.unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        let events = SeaOrmTodoEventLog::new(&pool, DEADLINE).after(ada.id, None, 1000).await.unwrap();
        let ids: Vec<_> = events.iter().map(|event| event.id.get()).collect();
        assert_eq!(ids, (1..=80).collect::<Vec<_>>());
    }

    async fn deleting_a_user_deletes_their_log_and_writes_nothing_for_the_cascade(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        todos.insert(new_todo(&ada, "hers")).await.unwrap();
        todos.insert(new_todo(&bob, "his")).await.unwrap();
        SeaOrmUserRepository::new(&pool, DEADLINE).delete(ada.id).await.unwrap();
        let log = SeaOrmTodoEventLog::new(&pool, DEADLINE);
        assert!(log.after(ada.id, None, 100).await.unwrap().is_empty());
        assert_eq!(log.after(bob.id, None, 100).await.unwrap().len(), 1);
    }

    async fn pruning_keeps_each_user_s_newest_events_and_everything_young(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        for n in 0..5 {
            todos.insert(new_todo(&ada, &format!("hers {n}"))).await.unwrap();
        }
        todos.insert(new_todo(&bob, "his")).await.unwrap();
        // Two at a time: the three of ada's that go take two statements.
        let log = SeaOrmTodoEventLog::new(&pool, DEADLINE).prune_batch(2);
        let long_ago = Utc::now() - chrono::TimeDelta::days(1);
        assert_eq!(log.prune(2, long_ago).await.unwrap(), 0, "nothing is old enough");
        let later = Utc::now() + chrono::TimeDelta::minutes(1);
        assert_eq!(log.prune(2, later).await.unwrap(), 3, "ada's three oldest");
        let kept: Vec<_> = log.after(ada.id, None, 100).await.unwrap().iter().map(|event| event.id.get()).collect();
        assert_eq!(kept, [4, 5]);
        assert_eq!(log.bounds(ada.id).await.unwrap(), EventLogBounds { oldest: Some(id(4)), latest: Some(id(5)) });
        assert_eq!(log.after(bob.id, None, 100).await.unwrap().len(), 1, "bob has only his newest");
        // Numbering goes on from the newest ever, not from what is left.
        todos.insert(new_todo(&ada, "after the pruning")).await.unwrap();
        assert_eq!(log.bounds(ada.id).await.unwrap().latest, Some(id(6)));
    }
}
