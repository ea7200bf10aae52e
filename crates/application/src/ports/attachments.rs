use std::error::Error as StdError;
use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use todo_domain::{Attachment, AttachmentId, FileName, Timestamp, TodoId, UserId};

use super::RepositoryError;

type Source = Box<dyn StdError + Send + Sync>;

/// Bytes as they stream in or out; an error ends the stream.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// Where one blob is kept in the store: chosen by the store, never by a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(pub String);

/// What the store learned while it kept a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The content went past the limit; nothing was kept.
    #[error("the content is larger than {0} bytes")]
    TooLarge(u64),
    /// The content stream failed (the client went away); nothing was kept.
    #[error("the content could not be read")]
    Interrupted(#[source] Source),
    #[error("the blob does not exist")]
    NotFound,
    /// The store did not answer, or refused; retrying may help.
    #[error("the blob store is unavailable")]
    Unavailable(#[source] Source),
}

/// The blobs: bytes by key, streamed both ways so that memory does not grow with size.
///
/// # Errors
/// As [`BlobError`] says per method.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// A fresh key that no blob has.
    fn new_key(&self) -> BlobKey;
    /// Keeps `content` under `key`, all of it or nothing: [`BlobError::TooLarge`] past
    /// `max_bytes`, [`BlobError::Interrupted`] when the stream fails.
    async fn put(&self, key: &BlobKey, content: ByteStream, max_bytes: u64) -> Result<StoredBlob, BlobError>;
    /// The bytes, or those in `range` (within the blob: callers check it against the size).
    async fn get(&self, key: &BlobKey, range: Option<Range<u64>>) -> Result<ByteStream, BlobError>;
    /// Removes the blob; one that is already gone is fine.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
}

/// An attachment about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub todo_id: TodoId,
    pub owner: UserId,
    pub filename: FileName,
    pub content_type: String,
    pub blob: StoredBlob,
    pub blob_key: BlobKey,
    pub created_at: Timestamp,
}

/// What a user already keeps, for the limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttachmentUsage {
    /// Attachments of the todo.
    pub on_todo: u64,
    /// Bytes of all the user's attachments.
    pub user_bytes: u64,
}

/// The attachments' records, and the ledger of blobs to remove ("orphans"): a blob whose
/// upload has not been recorded yet, or whose attachment is gone. Deleting an attachment, by
/// itself or with its todo or user, adds its blob to the ledger in the same statement (a
/// trigger), so no blob is forgotten, whatever fails after.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`];
/// `delete` returns [`RepositoryError::NotFound`] for an attachment that is gone.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttachmentRepository: Send + Sync {
    /// What the user and the todo hold now. Inside a transaction it also holds the user's
    /// attachments still until the commit, so that limits checked with it stay true.
    async fn usage(&self, owner: UserId, todo: TodoId) -> Result<AttachmentUsage, RepositoryError>;
    async fn insert(&self, attachment: NewAttachment) -> Result<Attachment, RepositoryError>;
    /// A todo's attachments, by id.
    async fn list(&self, todo: TodoId) -> Result<Vec<Attachment>, RepositoryError>;
    async fn find(&self, todo: TodoId, id: AttachmentId) -> Result<Option<Attachment>, RepositoryError>;
    async fn delete(&self, id: AttachmentId) -> Result<(), RepositoryError>;
    /// Puts a blob on the ledger, to be removed from `collect_after` on unless settled.
    async fn expect_orphan(&self, key: &BlobKey, collect_after: Timestamp) -> Result<(), RepositoryError>;
    /// Takes an upload's blob off the ledger, provided the sweeper has not taken it (it is still
    /// due at `collect_after`): [`RepositoryError::NotFound`] otherwise.
    async fn settle_upload(&self, key: &BlobKey, collect_after: Timestamp) -> Result<(), RepositoryError>;
    /// Takes a blob off the ledger once it has been removed; one already off is fine.
    async fn forget_orphan(&self, key: &BlobKey) -> Result<(), RepositoryError>;
    /// Claims up to `limit` blobs due at `now` for removal: each is due again at `retry_at`, so
    /// that a sweep that fails or dies leaves it for a later one, and an upload can no longer
    /// settle it.
    async fn take_orphans(
        &self,
        now: Timestamp,
        limit: u64,
        retry_at: Timestamp,
    ) -> Result<Vec<BlobKey>, RepositoryError>;
}
