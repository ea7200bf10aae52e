//! The repositories and the unit of work against real databases with the migrations
//! applied: SQLite with its reads in-process and through sqlx, and PostgreSQL.

mod common;

use std::sync::Arc;

use chrono::{DurationRound, TimeDelta, Utc};
use todo_adapters_db::{
    Pool, SeaOrmTodoRepository, SeaOrmUnitOfWork, SeaOrmUserRepository, migrate_down, migrate_up,
    migration_status,
};
use todo_application::ports::{RepositoryError, TodoRepository, UniqueKey, UnitOfWork, UserRepository};
use todo_domain::{
    EmailAddress, NewTodo, NewUser, Page, PasswordHash, Revision, Timestamp, Todo, TodoChanges,
    TodoDescription, TodoFilter, TodoId, TodoTitle, User, Username,
};

use common::DEADLINE;

fn now() -> Timestamp {
    Utc::now().duration_trunc(TimeDelta::microseconds(1)).unwrap()
}

fn new_user(name: &str, email: &str) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        email: EmailAddress::parse(email).unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        is_superuser: false,
        created_at: now(),
    }
}

/// The change that completes a todo.
fn done() -> TodoChanges {
    TodoChanges { completed: Some(true), ..TodoChanges::default() }
}

fn new_todo(owner: &User, title: &str) -> NewTodo {
    NewTodo {
        owner: owner.id,
        title: TodoTitle::parse(title).unwrap(),
        description: None,
        completed: false,
        created_at: now(),
    }
}

async fn user(pool: &Pool, name: &str) -> User {
    SeaOrmUserRepository::new(pool, DEADLINE)
        .insert(new_user(name, &format!("{name}@example.com")))
        .await
        .unwrap()
}

on_each_backend! {
    async fn a_stored_user_is_found_by_id_username_and_email_in_any_case(pool) {
        let users = SeaOrmUserRepository::new(&pool, DEADLINE);
        let stored = users.insert(new_user("ada", "Ada@Example.com")).await.unwrap();
        assert_eq!(stored.email.as_str(), "ada@example.com");
        assert!(stored.is_active);

        assert_eq!(users.find_by_id(stored.id).await.unwrap(), Some(stored.clone()));
        assert_eq!(users.find_by_username(&Username::parse("ada").unwrap()).await.unwrap(), Some(stored.clone()));
        let any_case = EmailAddress::parse("ADA@example.COM").unwrap();
        assert_eq!(users.find_by_email(&any_case).await.unwrap(), Some(stored));
        assert_eq!(users.find_by_username(&Username::parse("Ada").unwrap()).await.unwrap(), None);
    }

    async fn a_taken_username_or_email_is_a_conflict_naming_the_key(pool) {
        let users = SeaOrmUserRepository::new(&pool, DEADLINE);
        users.insert(new_user("ada", "ada@example.com")).await.unwrap();

        let same_name = users.insert(new_user("ada", "other@example.com")).await;
        assert!(matches!(same_name, Err(RepositoryError::Conflict(UniqueKey::Username))), "{same_name:?}");
        let same_email = users.insert(new_user("bob", "ADA@EXAMPLE.COM")).await;
        assert!(matches!(same_email, Err(RepositoryError::Conflict(UniqueKey::Email))), "{same_email:?}");
    }

    async fn a_stored_todo_reads_back_exactly(pool) {
        let owner = user(&pool, "ada").await;
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let mut todo = new_todo(&owner, "Write the book");
        todo.description = Some(TodoDescription::parse("chapter one").unwrap());

        let stored = todos.insert(todo.clone()).await.unwrap();
        let expected = Todo {
            id: stored.id,
            owner: owner.id,
            title: todo.title,
            description: todo.description,
            completed: false,
            created_at: todo.created_at,
            updated_at: None,
            revision: Revision::FIRST,
        };
        assert_eq!(stored, expected);
        assert_eq!(todos.find(stored.id).await.unwrap(), Some(expected));
        assert_eq!(todos.find(TodoId::new(stored.id.get() + 1).unwrap()).await.unwrap(), None);
    }

    async fn list_returns_only_the_owners_todos_in_id_order_filtered_and_paged(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let mut ada_ids = Vec::new();
        for i in 0..6 {
            let mine = todos.insert(new_todo(&ada, &format!("ada {i}"))).await.unwrap();
            todos.insert(new_todo(&bob, &format!("bob {i}"))).await.unwrap();
            if i % 2 == 0 {
                todos.change(ada.id, mine.id, done(), now(), None).await.unwrap().unwrap();
            }
            ada_ids.push(mine.id);
        }
        let ids = |list: Vec<Todo>| list.into_iter().map(|t| t.id).collect::<Vec<_>>();
        let all = TodoFilter::default();

        assert_eq!(ids(todos.list(ada.id, all, Page::default()).await.unwrap()), ada_ids);
        assert_eq!(ids(todos.list(ada.id, all, Page::new(2, 3).unwrap()).await.unwrap()), ada_ids[2..5]);
        assert!(todos.list(ada.id, all, Page::new(6, 10).unwrap()).await.unwrap().is_empty());
        let done = todos.list(ada.id, TodoFilter { completed: Some(true) }, Page::default()).await.unwrap();
        assert_eq!(ids(done), [ada_ids[0], ada_ids[2], ada_ids[4]]);
        let open = todos.list(ada.id, TodoFilter { completed: Some(false) }, Page::default()).await.unwrap();
        assert_eq!(ids(open), [ada_ids[1], ada_ids[3], ada_ids[5]]);
    }

    async fn a_change_sets_the_fields_given_the_time_and_the_next_revision_of_the_owners_todo(pool) {
        let (owner, other) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let stored = todos.insert(new_todo(&owner, "draft")).await.unwrap();
        let at = now();
        let changes = TodoChanges {
            title: Some(TodoTitle::parse("final").unwrap()),
            description: Some(Some(TodoDescription::parse("done").unwrap())),
            completed: None,
        };
        let changed = todos.change(owner.id, stored.id, changes, at, None).await.unwrap().unwrap();
        let expected = Todo {
            title: TodoTitle::parse("final").unwrap(),
            description: Some(TodoDescription::parse("done").unwrap()),
            updated_at: Some(at),
            revision: stored.revision.next(),
            ..stored.clone()
        };
        assert_eq!(changed, expected);
        assert_eq!(todos.find(stored.id).await.unwrap(), Some(expected.clone()));

        let cleared = TodoChanges { description: Some(None), ..TodoChanges::default() };
        let cleared = todos.change(owner.id, stored.id, cleared, at, None).await.unwrap().unwrap();
        assert_eq!(cleared, Todo { description: None, revision: expected.revision.next(), ..expected });

        assert_eq!(todos.change(other.id, stored.id, done(), now(), None).await.unwrap(), None, "someone else's");
        let missing = TodoId::new(999).unwrap();
        assert_eq!(todos.change(owner.id, missing, done(), now(), None).await.unwrap(), None);
    }

    async fn changes_and_deletes_refuse_a_todo_at_another_revision_than_expected(pool) {
        let owner = user(&pool, "ada").await;
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let stored = todos.insert(new_todo(&owner, "draft")).await.unwrap();
        let first = todos.change(owner.id, stored.id, done(), now(), Some(vec![stored.revision])).await.unwrap().unwrap();
        // A second change made from the same read: the todo is at revision 2 now.
        let stale = todos.change(owner.id, stored.id, done(), now(), Some(vec![stored.revision])).await.unwrap();
        assert_eq!(stale, None);
        assert_eq!(todos.find(stored.id).await.unwrap(), Some(first.clone()));
        let either = Some(vec![stored.revision, first.revision]);
        assert!(todos.change(owner.id, stored.id, done(), now(), either).await.unwrap().is_some());
        let first = todos.find(stored.id).await.unwrap().unwrap();

        assert!(matches!(todos.delete(stored.id, Some(stored.revision)).await, Err(RepositoryError::Stale)));
        assert!(todos.find(stored.id).await.unwrap().is_some());
        todos.delete(stored.id, Some(first.revision)).await.unwrap();
        assert_eq!(todos.find(stored.id).await.unwrap(), None);
        assert!(matches!(todos.delete(stored.id, Some(first.revision)).await, Err(RepositoryError::NotFound)));
    }

    async fn delete_removes_the_todo_once_and_its_id_is_never_reused(pool) {
        let owner = user(&pool, "ada").await;
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let highest = todos.insert(new_todo(&owner, "only")).await.unwrap();

        todos.delete(highest.id, None).await.unwrap();
        assert_eq!(todos.find(highest.id).await.unwrap(), None);
        assert!(matches!(todos.delete(highest.id, None).await, Err(RepositoryError::NotFound)));
        let next = todos.insert(new_todo(&owner, "next")).await.unwrap();
        assert!(next.id > highest.id, "id {} was reused", highest.id.get());
    }

    async fn sixty_four_concurrent_writers_lose_no_row_and_never_see_a_locked_database(pool) {
        let owner = user(&pool, "ada").await;
        let todos = Arc::new(SeaOrmTodoRepository::new(&pool, DEADLINE));
        let writers: Vec<_> = (0..64)
            .map(|writer| {
                let (todos, owner) = (todos.clone(), owner.clone());
                tokio::spawn(async move {
                    for i in 0..10 {
                        let stored = todos.insert(new_todo(&owner, &format!("{writer}-{i}"))).await?;
                        todos.change(owner.id, stored.id, done(), now(), None).await?.ok_or(RepositoryError::NotFound)?;
                    }
                    Ok::<_, RepositoryError>(())
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap().unwrap_or_else(|error| panic!("a writer failed: {error:?}"));
        }
        let mut stored = Vec::new();
        for skip in (0..640).step_by(100) {
            let page = Page::new(skip, 100).unwrap();
            stored.extend(todos.list(owner.id, TodoFilter { completed: Some(true) }, page).await.unwrap());
        }
        assert_eq!(stored.len(), 640);
    }

    async fn migrations_go_down_and_up_again(pool) {
        let db = pool.db();
        let migrations = migration_status(db).await.unwrap();
        assert!(migrations.iter().all(|(_, applied)| *applied));
        migrate_down(db, u32::try_from(migrations.len()).unwrap()).await.unwrap();
        assert!(migration_status(db).await.unwrap().iter().all(|(_, applied)| !*applied));
        migrate_up(db).await.unwrap();
        let owner = user(&pool, "ada").await;
        assert!(SeaOrmTodoRepository::new(&pool, DEADLINE).insert(new_todo(&owner, "again")).await.is_ok());
    }

    async fn a_failure_after_the_first_writes_of_a_unit_of_work_leaves_nothing_behind(pool) {
        let unit_of_work = SeaOrmUnitOfWork::new(&pool, DEADLINE);
        let transaction = unit_of_work.begin().await.unwrap();
        let ada = transaction.users().insert(new_user("ada", "ada@example.com")).await.unwrap();
        let todo = transaction.todos().insert(new_todo(&ada, "first")).await.unwrap();
        // The transaction sees its own writes.
        assert_eq!(transaction.users().find_by_id(ada.id).await.unwrap(), Some(ada.clone()));
        assert_eq!(transaction.todos().find(todo.id).await.unwrap(), Some(todo.clone()));
        let third = transaction.users().insert(new_user("ada", "other@example.com")).await;
        assert!(matches!(third, Err(RepositoryError::Conflict(UniqueKey::Username))), "{third:?}");
        drop(transaction); // what a use case's `?` does on the error above

        let (users, todos) = (SeaOrmUserRepository::new(&pool, DEADLINE), SeaOrmTodoRepository::new(&pool, DEADLINE));
        assert_eq!(users.find_by_username(&ada.username).await.unwrap(), None);
        assert_eq!(todos.find(todo.id).await.unwrap(), None);
        // The writer is free again, and the rolled-back user can be written.
        assert!(users.insert(new_user("ada", "ada@example.com")).await.is_ok());
    }

    async fn a_unit_of_work_is_seen_by_others_only_once_committed(pool) {
        let (unit_of_work, users) = (SeaOrmUnitOfWork::new(&pool, DEADLINE), SeaOrmUserRepository::new(&pool, DEADLINE));
        let transaction = unit_of_work.begin().await.unwrap();
        let ada = transaction.users().insert(new_user("ada", "ada@example.com")).await.unwrap();
        let todo = transaction.todos().insert(new_todo(&ada, "first")).await.unwrap();
        assert_eq!(users.find_by_id(ada.id).await.unwrap(), None);
        transaction.commit().await.unwrap();

        assert_eq!(users.find_by_id(ada.id).await.unwrap(), Some(ada));
        assert_eq!(SeaOrmTodoRepository::new(&pool, DEADLINE).find(todo.id).await.unwrap(), Some(todo));
    }

    async fn sixty_four_concurrent_units_of_work_all_commit(pool) {
        let unit_of_work = Arc::new(SeaOrmUnitOfWork::new(&pool, DEADLINE));
        let tasks: Vec<_> = (0..64)
            .map(|task| {
                let unit_of_work = unit_of_work.clone();
                tokio::spawn(async move {
                    let transaction = unit_of_work.begin().await?;
                    let name = format!("user{task}");
                    let user = transaction.users().insert(new_user(&name, &format!("{name}@example.com"))).await?;
                    let first = transaction.todos().insert(new_todo(&user, "first")).await?;
                    transaction.todos().insert(new_todo(&user, "second")).await?;
                    let changed = transaction.todos().change(user.id, first.id, done(), now(), None).await?;
                    changed.ok_or(RepositoryError::NotFound)?;
                    transaction.commit().await?;
                    Ok::<_, RepositoryError>(user)
                })
            })
            .collect();
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        for task in tasks {
            let user = task.await.unwrap().unwrap_or_else(|error| panic!("a transaction failed: {error:?}"));
            let stored = todos.list(user.id, TodoFilter::default(), Page::default()).await.unwrap();
            let completed: Vec<_> = stored.iter().map(|todo| todo.completed).collect();
            assert_eq!(completed, [true, false], "user {}", user.username.as_str());
        }
    }
}
