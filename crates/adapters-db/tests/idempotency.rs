//! Idempotency keys against real databases: claims, answers, take-overs and pruning.

mod common;

use chrono::{TimeDelta, TimeZone, Utc};
use todo_adapters_db::{Pool, SeaOrmIdempotencyStore, SeaOrmTodoRepository, SeaOrmUnitOfWork};
use todo_application::ports::{
    Claim, IdempotencyStore, KeyedRequest, RecordedAnswer, RepositoryError, TodoRepository, TokenHash,
    UnitOfWork,
};
use todo_domain::{IdempotencyKey, NewTodo, Timestamp, TodoTitle, User};

use common::DEADLINE;

fn at(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

async fn user(pool: &Pool, name: &str) -> User {
    common::user(pool, name, at(0)).await
}

fn request(key: &str, fingerprint: &str) -> KeyedRequest {
    attempt(key, fingerprint, "first")
}

/// One attempt at a request, with its own claim.
fn attempt(key: &str, fingerprint: &str, claim: &str) -> KeyedRequest {
    KeyedRequest {
        key: IdempotencyKey::parse(key).unwrap(),
        fingerprint: TokenHash(fingerprint.into()),
        claim: claim.into(),
    }
}

fn answer(body: &str) -> RecordedAnswer {
    RecordedAnswer { status: 201, body: body.into() }
}

/// A claim at `now` with a 60 s lease, forgetting keys older than a day.
async fn claim(store: &SeaOrmIdempotencyStore, user: &User, request: &KeyedRequest, now: i64) -> Claim {
    store.claim(user.id, request, at(now), at(now + 60), at(now - 86_400)).await.unwrap()
}

on_each_backend! {
    async fn a_key_is_claimed_once_answered_and_replayed(pool) {
        let (ada, bob) = (user(&pool, "ada").await, user(&pool, "bob").await);
        let store = SeaOrmIdempotencyStore::new(&pool, DEADLINE);
        let first = request("k-1", "aaa");
        assert_eq!(claim(&store, &ada, &first, 0).await, Claim::Claimed);
        assert_eq!(claim(&store, &ada, &first, 1).await, Claim::InFlight);
        assert_eq!(claim(&store, &ada, &request("k-1", "bbb"), 1).await, Claim::OtherRequest);
        assert_eq!(claim(&store, &bob, &request("k-1", "bbb"), 1).await, Claim::Claimed, "keys are per user");

        store.complete(ada.id, &first, &answer("{\"id\":1}")).await.unwrap();
        assert_eq!(claim(&store, &ada, &first, 2).await, Claim::Answered(answer("{\"id\":1}")));
        assert_eq!(claim(&store, &ada, &request("k-1", "bbb"), 2).await, Claim::OtherRequest);
        store.release(ada.id, &first).await.unwrap();
        assert_eq!(claim(&store, &ada, &first, 3).await, Claim::Answered(answer("{\"id\":1}")), "an answer stays");
    }

    async fn a_released_claim_or_one_past_its_lease_can_be_claimed_again(pool) {
        let ada = user(&pool, "ada").await;
        let store = SeaOrmIdempotencyStore::new(&pool, DEADLINE);
        let first = request("k-2", "aaa");
        assert_eq!(claim(&store, &ada, &first, 0).await, Claim::Claimed);
        store.release(ada.id, &first).await.unwrap();
        assert_eq!(claim(&store, &ada, &first, 1).await, Claim::Claimed);
        assert_eq!(claim(&store, &ada, &first, 60).await, Claim::InFlight, "the lease runs to 61");
        let second = attempt("k-2", "aaa", "second");
        assert_eq!(claim(&store, &ada, &second, 62).await, Claim::Claimed, "its process died: taken over");
        assert_eq!(claim(&store, &ada, &first, 63).await, Claim::InFlight, "and only once");
        // The first attempt was only slow: it may neither answer nor give the key back now.
        assert!(matches!(store.complete(ada.id, &first, &answer("late")).await, Err(RepositoryError::NotFound)));
        store.release(ada.id, &first).await.unwrap();
        assert_eq!(claim(&store, &ada, &first, 64).await, Claim::InFlight, "the second attempt still holds it");
        store.complete(ada.id, &second, &answer("second")).await.unwrap();
        assert_eq!(claim(&store, &ada, &first, 65).await, Claim::Answered(answer("second")));
    }

    async fn a_key_older_than_a_day_names_a_new_request_and_is_pruned(pool) {
        let ada = user(&pool, "ada").await;
        let store = SeaOrmIdempotencyStore::new(&pool, DEADLINE);
        let old = request("k-3", "aaa");
        assert_eq!(claim(&store, &ada, &old, 0).await, Claim::Claimed);
        store.complete(ada.id, &old, &answer("old")).await.unwrap();
        assert_eq!(claim(&store, &ada, &request("k-3", "bbb"), 86_401).await, Claim::Claimed);
        assert_eq!(claim(&store, &ada, &request("k-4", "ccc"), 10).await, Claim::Claimed);

        assert_eq!(store.prune(at(86_400), 10).await.unwrap(), 1, "k-4 only: k-3 was used again");
        assert_eq!(store.prune(at(86_400), 10).await.unwrap(), 0);
        assert_eq!(store.prune(at(200_000), 1).await.unwrap(), 1, "at most the limit");
        assert_eq!(store.prune(at(200_000), 1).await.unwrap(), 0);
        assert_eq!(claim(&store, &ada, &request("k-3", "zzz"), 200_001).await, Claim::Claimed);
    }

    async fn an_answer_recorded_in_a_transaction_that_rolls_back_is_not_kept(pool) {
        let ada = user(&pool, "ada").await;
        let store = SeaOrmIdempotencyStore::new(&pool, DEADLINE);
        let keyed = request("k-5", "aaa");
        assert_eq!(claim(&store, &ada, &keyed, 0).await, Claim::Claimed);
        let unit_of_work = SeaOrmUnitOfWork::new(&pool, DEADLINE);
        let transaction = unit_of_work.begin().await.unwrap();
        let todo = NewTodo { owner: ada.id, title: TodoTitle::parse("t").unwrap(), description: None, completed: false, created_at: at(0) };
        transaction.todos().insert(todo.clone()).await.unwrap();
        transaction.idempotency_keys().complete(ada.id, &keyed, &answer("lost")).await.unwrap();
        drop(transaction);
        assert_eq!(claim(&store, &ada, &keyed, 1).await, Claim::InFlight, "still only claimed");

        let transaction = unit_of_work.begin().await.unwrap();
        transaction.todos().insert(todo).await.unwrap();
        transaction.idempotency_keys().complete(ada.id, &keyed, &answer("kept")).await.unwrap();
        transaction.commit().await.unwrap();
        assert_eq!(claim(&store, &ada, &keyed, 2).await, Claim::Answered(answer("kept")));
        let todos = SeaOrmTodoRepository::new(&pool, DEADLINE);
        let all = todos.list(ada.id, Default::default(), Default::default()).await.unwrap();
        assert_eq!(all.len(), 1, "the todo and its answer committed together");
    }
}
