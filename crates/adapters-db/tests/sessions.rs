//! Sessions and refresh tokens against real databases: stored and found with their user in
//! one query, spent once only, listed, revoked.

mod common;

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use todo_adapters_db::{Pool, SeaOrmPrincipalStore, SeaOrmSessionRepository, SeaOrmUnitOfWork};
use todo_application::ports::{
    NewRefreshToken, PrincipalStore, RepositoryError, SessionRepository, Spent, TokenHash, UnitOfWork,
};
use todo_domain::{Scopes, Session, SessionId, Timestamp, User};

use common::DEADLINE;

fn at(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

fn id(n: u8) -> SessionId {
    SessionId::parse(format!("{n:032x}")).unwrap()
}

async fn user(pool: &Pool, name: &str) -> User {
    common::user(pool, name, at(0)).await
}

fn token(hash: &str, session: &SessionId, expires_at: Timestamp) -> NewRefreshToken {
    NewRefreshToken { hash: TokenHash(hash.into()), session: session.clone(), created_at: at(0), expires_at }
}

/// A session of `owner` opened at `at(0)`, with refresh token `hash`.
async fn opened(pool: &Pool, owner: &User, n: u8, hash: &str) -> Session {
    let session = Session::open(id(n), owner.id, Scopes::parse("todos:read").unwrap(), Some("curl/8"), at(0));
    let sessions = SeaOrmSessionRepository::new(pool, DEADLINE);
    sessions.insert(&session).await.unwrap();
    sessions.insert_refresh_token(token(hash, &session.id, at(100))).await.unwrap();
    session
}

on_each_backend! {
    async fn a_session_is_found_with_its_user_in_one_query_and_only_for_that_user(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let session = opened(&pool, &ada, 1, "h1").await;
        let principals = SeaOrmPrincipalStore::new(&pool, DEADLINE);
        assert_eq!(principals.find(ada.id, &session.id).await.unwrap(), Some((ada.clone(), session.clone())));
        assert_eq!(principals.find(bob.id, &session.id).await.unwrap(), None, "not bob's session");
        assert_eq!(principals.find(ada.id, &id(9)).await.unwrap(), None);
        let sessions = SeaOrmSessionRepository::new(&pool, DEADLINE);
        assert_eq!(sessions.find(&session.id).await.unwrap(), Some(session));
    }

    async fn a_refresh_token_is_spent_once_then_seen_as_spent_and_expired_ones_are_refused(pool) {
        let ada = user(&pool, "ada").await;
        let session = opened(&pool, &ada, 1, "h1").await;
        let sessions = SeaOrmSessionRepository::new(&pool, DEADLINE);
        let hash = TokenHash("h1".into());
        assert_eq!(sessions.spend_refresh_token(&hash, at(5)).await.unwrap(), Spent::Now(session.id.clone()));
        assert_eq!(
            sessions.spend_refresh_token(&hash, at(6)).await.unwrap(),
            Spent::Earlier { session: session.id.clone(), at: at(5) }
        );
        assert_eq!(sessions.spend_refresh_token(&TokenHash("nope".into()), at(6)).await.unwrap(), Spent::Unknown);
        sessions.insert_refresh_token(token("h2", &session.id, at(100))).await.unwrap();
        assert_eq!(sessions.spend_refresh_token(&TokenHash("h2".into()), at(100)).await.unwrap(), Spent::Expired);
    }

    async fn of_concurrent_refreshes_with_one_token_exactly_one_wins(pool) {
        let ada = user(&pool, "ada").await;
        opened(&pool, &ada, 1, "shared").await;
        let unit_of_work = Arc::new(SeaOrmUnitOfWork::new(&pool, DEADLINE));
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let unit_of_work = unit_of_work.clone();
                tokio::spawn(async move {
                    let transaction = unit_of_work.begin().await.unwrap();
                    let spent = transaction.sessions().spend_refresh_token(&TokenHash("shared".into()), at(5)).await.unwrap();
                    transaction.commit().await.unwrap();
                    spent
                })
            })
            .collect();
        let mut winners = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Spent::Now(_) => winners += 1,
                Spent::Earlier { at: spent_at, .. } => assert_eq!(spent_at, at(5)),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(winners, 1);
    }

    async fn sessions_are_listed_while_active_and_revoked_only_by_their_owner(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let (first, second, third) =
            (opened(&pool, &ada, 1, "h1").await, opened(&pool, &ada, 2, "h2").await, opened(&pool, &ada, 3, "h3").await);
        opened(&pool, &bob, 4, "h4").await;
        let sessions = SeaOrmSessionRepository::new(&pool, DEADLINE);
        let ids = |list: Vec<Session>| list.into_iter().map(|session| session.id).collect::<Vec<_>>();
        assert_eq!(ids(sessions.list_active(ada.id, at(1)).await.unwrap()), [id(1), id(2), id(3)]);

        assert!(matches!(sessions.revoke(bob.id, &first.id, at(1)).await, Err(RepositoryError::NotFound)));
        sessions.revoke(ada.id, &first.id, at(1)).await.unwrap();
        assert!(matches!(sessions.revoke(ada.id, &first.id, at(2)).await, Err(RepositoryError::NotFound)), "twice");
        assert_eq!(ids(sessions.list_active(ada.id, at(2)).await.unwrap()), [id(2), id(3)]);
        assert_eq!(sessions.revoke_all(ada.id, Some(third.id.clone()), at(3)).await.unwrap(), 1);
        assert_eq!(ids(sessions.list_active(ada.id, at(3)).await.unwrap()), [id(3)]);
        assert_eq!(sessions.find(&second.id).await.unwrap().unwrap().revoked_at, Some(at(3)));
        let principal = SeaOrmPrincipalStore::new(&pool, DEADLINE).find(ada.id, &first.id).await.unwrap();
        assert_eq!(principal.unwrap().1.revoked_at, Some(at(1)), "the principal shows the revocation");
        assert_eq!(ids(sessions.list_active(bob.id, at(3)).await.unwrap()), [id(4)], "bob's untouched");
        let far = at(0) + TimeDelta::days(90);
        assert!(sessions.list_active(ada.id, far).await.unwrap().is_empty(), "expired sessions are not listed");
        sessions.touch(&third.id, at(50)).await.unwrap();
        assert_eq!(sessions.find(&third.id).await.unwrap().unwrap().last_used_at, at(50));
    }
}
