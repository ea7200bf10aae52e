//! Users' administration, password-reset tokens and API keys against real databases.

mod common;

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use todo_adapters_db::{
    Pool, SeaOrmApiKeyRepository, SeaOrmPasswordResetRepository, SeaOrmTodoRepository, SeaOrmUnitOfWork,
    SeaOrmUserRepository,
};
use todo_application::ports::{
    ApiKeyRepository, NewPasswordReset, PasswordResetRepository, RepositoryError, TodoRepository, TokenHash,
    UnitOfWork, UserFlags, UserRepository,
};
use todo_domain::{
    ApiKey, ApiKeyId, ApiKeyName, NewTodo, Page, PasswordHash, Scopes, Timestamp, TodoTitle, User,
};

use common::DEADLINE;

fn at(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

async fn user(pool: &Pool, name: &str) -> User {
    common::user(pool, name, at(0)).await
}

fn reset(hash: &str, user: &User, expires_at: Timestamp) -> NewPasswordReset {
    NewPasswordReset { hash: TokenHash(hash.into()), user: user.id, created_at: at(0), expires_at }
}

fn key(n: u8, owner: &User) -> ApiKey {
    ApiKey {
        id: ApiKeyId::parse(format!("{n:032x}")).unwrap(),
        user_id: owner.id,
        name: ApiKeyName::parse(format!("key {n} ✓")).unwrap(),
        prefix: "tdk_abcd".into(),
        scopes: Scopes::parse("todos:read").unwrap(),
        created_at: at(i64::from(n)),
        expires_at: Some(at(1000)),
        last_used_at: None,
        revoked_at: None,
    }
}

on_each_backend! {
    async fn flags_passwords_and_deletion_of_users(pool) {
        let users = SeaOrmUserRepository::new(&pool, DEADLINE);
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        users.set_flags(ada.id, UserFlags { is_active: Some(false), is_superuser: Some(true) }).await.unwrap();
        users.set_flags(ada.id, UserFlags { is_active: None, is_superuser: None }).await.unwrap();
        let found = users.find_by_id(ada.id).await.unwrap().unwrap();
        assert_eq!((found.is_active, found.is_superuser), (false, true));
        users.set_password(bob.id, PasswordHash::new("$argon2id$new".into())).await.unwrap();
        assert_eq!(users.find_by_id(bob.id).await.unwrap().unwrap().password_hash.as_str(), "$argon2id$new");

        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        for title in ["one", "two"] {
            let todo = NewTodo { owner: bob.id, title: TodoTitle::parse(title).unwrap(), description: None, completed: false, created_at: at(1) };
            todos.insert(todo).await.unwrap();
        }
        let overviews = users.list_overviews(Page::default()).await.unwrap();
        let counts: Vec<_> = overviews.iter().map(|o| (o.user.username.as_str().to_owned(), o.todo_count)).collect();
        assert_eq!(counts, [("ada".to_owned(), 0), ("bob".to_owned(), 2)]);
        assert_eq!(users.find_overview(bob.id).await.unwrap().unwrap().todo_count, 2);
        assert_eq!(users.list_overviews(Page::new(1, 1).unwrap()).await.unwrap().len(), 1);

        users.delete(bob.id).await.unwrap();
        assert_eq!(users.find_by_id(bob.id).await.unwrap(), None);
        assert!(todos.list(bob.id, Default::default(), Page::default()).await.unwrap().is_empty(), "cascaded");
        let missing = todo_domain::UserId::new(999_999).unwrap();
        for result in [
            users.delete(bob.id).await,
            users.set_password(missing, PasswordHash::new("x".into())).await,
            users.set_flags(missing, UserFlags { is_active: Some(true), is_superuser: None }).await,
            users.set_flags(missing, UserFlags::default()).await,
        ] {
            assert!(matches!(result, Err(RepositoryError::NotFound)), "{result:?}");
        }
        assert_eq!(users.find_overview(missing).await.unwrap(), None);
    }

    async fn a_reset_token_is_valid_until_used_or_expired_and_using_one_ends_the_others(pool) {
        let resets = SeaOrmPasswordResetRepository::new(&pool, DEADLINE);
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        resets.insert(reset("a1", &ada, at(100))).await.unwrap();
        resets.insert(reset("a2", &ada, at(100))).await.unwrap();
        resets.insert(reset("b1", &bob, at(100))).await.unwrap();
        let hash = |h: &str| TokenHash(h.into());
        assert_eq!(resets.find_valid(&hash("a1"), at(50)).await.unwrap(), Some(ada.id));
        assert_eq!(resets.find_valid(&hash("a1"), at(100)).await.unwrap(), None, "expired");
        assert_eq!(resets.find_valid(&hash("zz"), at(50)).await.unwrap(), None);
        assert_eq!(resets.consume(&hash("a1"), at(100)).await.unwrap(), None, "expired");
        assert_eq!(resets.consume(&hash("a1"), at(50)).await.unwrap(), Some(ada.id));
        assert_eq!(resets.consume(&hash("a1"), at(51)).await.unwrap(), None, "used");
        assert_eq!(resets.find_valid(&hash("a2"), at(51)).await.unwrap(), None, "ended with the other");
        assert_eq!(resets.find_valid(&hash("b1"), at(51)).await.unwrap(), Some(bob.id), "bob's is his");
        resets.spend_all(bob.id, at(52)).await.unwrap();
        assert_eq!(resets.find_valid(&hash("b1"), at(53)).await.unwrap(), None);
    }

    async fn of_concurrent_uses_of_one_reset_token_exactly_one_wins(pool) {
        let ada = user(&pool, "ada").await;
        SeaOrmPasswordResetRepository::new(&pool, DEADLINE).insert(reset("a1", &ada, at(100))).await.unwrap();
        let unit_of_work = Arc::new(SeaOrmUnitOfWork::new(&pool, DEADLINE));
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let unit_of_work = unit_of_work.clone();
                tokio::spawn(async move {
                    let transaction = unit_of_work.begin().await.unwrap();
                    let used = transaction.password_resets().consume(&TokenHash("a1".into()), at(50)).await.unwrap();
                    transaction.commit().await.unwrap();
                    used
                })
            })
            .collect();
        let mut winners = 0;
        for attempt in attempts {
            winners += usize::from(attempt.await.unwrap().is_some());
        }
        assert_eq!(winners, 1);
    }

    async fn api_keys_are_found_by_hash_with_their_owner_listed_and_revoked(pool) {
        let keys = SeaOrmApiKeyRepository::new(&pool, DEADLINE);
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let (first, second) = (key(1, &ada), key(2, &ada));
        keys.insert(&first, &TokenHash("k1".into())).await.unwrap();
        keys.insert(&second, &TokenHash("k2".into())).await.unwrap();
        keys.insert(&key(3, &bob), &TokenHash("k3".into())).await.unwrap();
        assert_eq!(keys.find_by_hash(&TokenHash("k1".into())).await.unwrap(), Some((ada.clone(), first.clone())));
        assert_eq!(keys.find_by_hash(&TokenHash("nope".into())).await.unwrap(), None);
        assert_eq!(keys.list(ada.id).await.unwrap(), [first.clone(), second.clone()]);

        keys.record_use(&first.id, at(30)).await.unwrap();
        let (_, used) = keys.find_by_hash(&TokenHash("k1".into())).await.unwrap().unwrap();
        assert_eq!(used.last_used_at, Some(at(30)));

        let result = keys.revoke(bob.id, &first.id, at(40)).await;
        assert!(matches!(result, Err(RepositoryError::NotFound)), "not bob's: {result:?}");
        keys.revoke(ada.id, &first.id, at(40)).await.unwrap();
        let result = keys.revoke(ada.id, &first.id, at(41)).await;
        assert!(matches!(result, Err(RepositoryError::NotFound)), "already revoked: {result:?}");
        assert_eq!(keys.list(ada.id).await.unwrap(), [second]);
        let (_, revoked) = keys.find_by_hash(&TokenHash("k1".into())).await.unwrap().unwrap();
        assert_eq!(revoked.revoked_at, Some(at(40)));
        assert!(!revoked.is_active(at(41)));

        // A second key with the same hash is refused: the hash is the key's identity.
        let result = keys.insert(&key(4, &ada), &TokenHash("k2".into())).await;
        assert!(result.is_err(), "{result:?}");
        // Deleting the owner deletes their keys.
        SeaOrmUserRepository::new(&pool, DEADLINE).delete(ada.id).await.unwrap();
        assert_eq!(keys.find_by_hash(&TokenHash("k2".into())).await.unwrap(), None);
    }
}
