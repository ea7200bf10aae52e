//! Attachments and the orphan-blob ledger against real databases.

mod common;

use chrono::{TimeDelta, TimeZone, Utc};
use todo_adapters_db::{Pool, SeaOrmAttachmentRepository, SeaOrmTodoRepository, SeaOrmUnitOfWork};
use todo_application::ports::{
    AttachmentRepository, AttachmentUsage, BlobKey, NewAttachment, RepositoryError, StoredBlob,
    TodoRepository, UnitOfWork, UserRepository,
};
use todo_domain::{FileName, NewTodo, Timestamp, Todo, TodoTitle, User};

use common::DEADLINE;

fn at(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap() + TimeDelta::seconds(seconds)
}

async fn todo(pool: &Pool, owner: &User) -> Todo {
    let new = NewTodo {
        owner: owner.id,
        title: TodoTitle::parse("with files").unwrap(),
        description: None,
        completed: false,
        created_at: at(0),
    };
    SeaOrmTodoRepository::new(pool, DEADLINE).insert(new).await.unwrap()
}

fn attachment(todo: &Todo, key: &str, size: u64) -> NewAttachment {
    NewAttachment {
        todo_id: todo.id,
        owner: todo.owner,
        filename: FileName::sanitize("a.txt"),
        content_type: "text/plain".into(),
        blob: StoredBlob { size, sha256: "00".repeat(32) },
        blob_key: BlobKey(key.into()),
        created_at: at(1),
    }
}

fn key(name: &str) -> BlobKey {
    BlobKey(name.into())
}

on_each_backend! {
    async fn usage_counts_a_todos_files_and_a_users_bytes_inside_a_transaction(pool) {
        let ada = common::user(&pool, "ada", at(0)).await;
        let (first, second) = (todo(&pool, &ada).await, todo(&pool, &ada).await);
        let attachments = SeaOrmAttachmentRepository::new(&pool, DEADLINE);
        attachments.insert(attachment(&first, "k1", 100)).await.unwrap();
        attachments.insert(attachment(&second, "k2", 50)).await.unwrap();
        let transaction = SeaOrmUnitOfWork::new(&pool, DEADLINE).begin().await.unwrap();
        let usage = transaction.attachments().usage(ada.id, first.id).await.unwrap();
        assert_eq!(usage, AttachmentUsage { on_todo: 1, user_bytes: 150 });
        transaction.commit().await.unwrap();
        let listed = attachments.list(first.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(attachments.find(second.id, listed[0].id).await.unwrap(), None, "found only under its todo");
    }

    async fn an_upload_settles_its_blob_unless_a_sweep_took_it_first(pool) {
        let attachments = SeaOrmAttachmentRepository::new(&pool, DEADLINE);
        attachments.expect_orphan(&key("slow"), at(10)).await.unwrap();
        attachments.expect_orphan(&key("quick"), at(10)).await.unwrap();
        attachments.settle_upload(&key("quick"), at(10)).await.unwrap();
        assert_eq!(attachments.take_orphans(at(9), 10, at(600)).await.unwrap(), [], "not due yet");
        assert_eq!(attachments.take_orphans(at(10), 10, at(600)).await.unwrap(), [key("slow")]);
        assert_eq!(attachments.take_orphans(at(11), 10, at(600)).await.unwrap(), [], "taken: due again later");
        assert!(matches!(attachments.settle_upload(&key("slow"), at(10)).await, Err(RepositoryError::NotFound)));
        assert_eq!(attachments.take_orphans(at(600), 10, at(1200)).await.unwrap(), [key("slow")], "a failed sweep retries");
        attachments.forget_orphan(&key("slow")).await.unwrap();
        attachments.forget_orphan(&key("slow")).await.unwrap();
        assert_eq!(attachments.take_orphans(at(5000), 10, at(6000)).await.unwrap(), []);
    }

    async fn deleting_an_attachment_its_todo_or_its_user_puts_the_blobs_on_the_ledger(pool) {
        let ada = common::user(&pool, "ada", at(0)).await;
        let (first, second) = (todo(&pool, &ada).await, todo(&pool, &ada).await);
        let attachments = SeaOrmAttachmentRepository::new(&pool, DEADLINE);
        let one = attachments.insert(attachment(&first, "one", 1)).await.unwrap();
        attachments.insert(attachment(&first, "two", 1)).await.unwrap();
        attachments.insert(attachment(&second, "three", 1)).await.unwrap();
        let due = |keys: Vec<BlobKey>| {
            let mut names: Vec<String> = keys.into_iter().map(|key| key.0).collect();
            names.sort();
            names
        };
        let far = Utc::now() + TimeDelta::days(1);
        attachments.delete(one.id).await.unwrap();
        assert_eq!(due(attachments.take_orphans(far, 10, far + TimeDelta::days(1)).await.unwrap()), ["one"]);
        SeaOrmTodoRepository::new(&pool, DEADLINE).delete(first.id, None).await.unwrap();
        assert_eq!(due(attachments.take_orphans(far, 10, far + TimeDelta::days(1)).await.unwrap()), ["two"]);
        todo_adapters_db::SeaOrmUserRepository::new(&pool, DEADLINE).delete(ada.id).await.unwrap();
        assert_eq!(due(attachments.take_orphans(far, 10, far + TimeDelta::days(1)).await.unwrap()), ["three"]);
    }
}
