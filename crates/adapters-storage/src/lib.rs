//! The blob store of attachments, over object_store: a directory of the local file system
//! (`file://data/blobs`, the default) or S3-compatible object storage (`s3://bucket/prefix`).
//!
//! Uploads stream: bytes go out in parts of 5 MiB as they arrive (S3's multipart upload; a
//! temporary file renamed at the end on a directory), hashed and counted on the way, so that
//! memory does not grow with the file. An upload that fails or goes past its limit is aborted
//! and leaves nothing.

pub mod testing;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use todo_application::ports::{BlobError, BlobKey, BlobStore, ByteStream, StoredBlob};

/// Upload parts in flight at once, per upload: memory per upload stays under (1 + this) × 5 MiB.
const PARTS_IN_FLIGHT: usize = 2;

/// Where blobs go, parsed from `storage.url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// `file://<path>`: relative to the working directory unless absolute (`file:///srv/blobs`).
    Directory(PathBuf),
    /// `s3://<bucket>[/<prefix>]`.
    S3 { bucket: String, prefix: String },
}

/// The S3 connection, for `s3://` URLs.
#[derive(Clone, Default)]
pub struct S3Options {
    /// `http://127.0.0.1:9000` for an S3-compatible server; unset: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage.url must be file://<path> or s3://<bucket>[/<prefix>], got {0:?}")]
    Url(String),
    #[error("the blob directory cannot be used: {0}")]
    Directory(#[source] std::io::Error),
    #[error("the blob store cannot be set up: {0}")]
    Store(#[from] object_store::Error),
}

impl StorageUrl {
    /// # Errors
    /// [`StorageError::Url`] for any other scheme, or an S3 URL without a bucket.
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        if let Some(path) = url.strip_prefix("file://") {
            return if path.is_empty() {
                Err(StorageError::Url(url.into()))
            } else {
                Ok(Self::Directory(path.into()))
            };
        }
        let rest = url.strip_prefix("s3://").ok_or_else(|| StorageError::Url(url.into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StorageError::Url(url.into()));
        }
        Ok(Self::S3 { bucket: bucket.into(), prefix: prefix.trim_matches('/').into() })
    }
}

/// [`BlobStore`] over any object_store backend.
pub struct ObjectStoreBlobs {
    store: Arc<dyn ObjectStore>,
}

impl ObjectStoreBlobs {
    /// The store `url` names; a directory is created if missing. Nothing is sent to S3 yet.
    ///
    /// # Errors
    /// A URL of another kind, a directory that cannot be created, S3 settings that do not build.
    pub fn open(url: &StorageUrl, s3: &S3Options) -> Result<Self, StorageError> {
        let store: Arc<dyn ObjectStore> = match url {
            StorageUrl::Directory(path) => {
                std::fs::create_dir_all(path).map_err(StorageError::Directory)?;
                Arc::new(LocalFileSystem::new_with_prefix(path)?)
            }
            StorageUrl::S3 { bucket, prefix } => {
                // reqwest's TLS needs a process-wide provider; ring, as the rest of the tree.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = AmazonS3Builder::new().with_bucket_name(bucket).with_region(&s3.region);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder.with_access_key_id(id).with_secret_access_key(secret);
                }
                let s3 = builder.build()?;
                if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix.as_str())) }
            }
        };
        Ok(Self { store })
    }

    /// Over a store built elsewhere (an in-memory one, in tests).
    pub fn over(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }
}

fn path(key: &BlobKey) -> Path {
    Path::from(key.0.as_str())
}

fn unavailable(error: object_store::Error) -> BlobError {
    match error {
        object_store::Error::NotFound { .. } => BlobError::NotFound,
        other => BlobError::Unavailable(Box::new(other)),
    }
}

#[async_trait]
impl BlobStore for ObjectStoreBlobs {
    fn new_key(&self) -> BlobKey {
        // Fanned out by the first two digits, so that no directory holds them all.
        let id = uuid::Uuid::new_v4().simple().to_string();
        BlobKey(format!("attachments/{}/{id}", &id[..2]))
    }

    async fn put(
        &self,
        key: &BlobKey,
        mut content: ByteStream,
        max_bytes: u64,
    ) -> Result<StoredBlob, BlobError> {
        let upload = self.store.put_multipart(&path(key)).await.map_err(unavailable)?;
        let mut writer = WriteMultipart::new(upload);
        let (mut size, mut hash) = (0_u64, Sha256::new());
        let failure = loop {
            let chunk = match content.next().await {
                None => break None,
                Some(Err(error)) => break Some(BlobError::Interrupted(Box::new(error))),
                Some(Ok(chunk)) => chunk,
            };
            size += chunk.len() as u64;
            if size > max_bytes {
                break Some(BlobError::TooLarge(max_bytes));
            }
            if let Err(error) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                break Some(unavailable(error));
            }
            hash.update(&chunk);
            writer.put(chunk);
        };
        if let Some(error) = failure {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "an upload could not be aborted; its parts stay until the store expires them");
            }
            return Err(error);
        }
        writer.finish().await.map_err(unavailable)?;
        let sha256 = hash.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
        Ok(StoredBlob { size, sha256 })
    }

    async fn get(&self, key: &BlobKey, range: Option<Range<u64>>) -> Result<ByteStream, BlobError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let found = self.store.get_opts(&path(key), options).await.map_err(unavailable)?;
        Ok(found.into_stream().map_err(std::io::Error::other).boxed())
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(&path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_directory_or_a_bucket() {
        assert_eq!(
            StorageUrl::parse("file://data/blobs").unwrap(),
            StorageUrl::Directory("data/blobs".into())
        );
        assert_eq!(
            StorageUrl::parse("file:///srv/blobs").unwrap(),
            StorageUrl::Directory("/srv/blobs".into())
        );
        assert_eq!(
            StorageUrl::parse("s3://todo-files/prod/").unwrap(),
            StorageUrl::S3 { bucket: "todo-files".into(), prefix: "prod".into() }
        );
        assert_eq!(
            StorageUrl::parse("s3://todo-files").unwrap(),
            StorageUrl::S3 { bucket: "todo-files".into(), prefix: String::new() }
        );
        for bad in ["file://", "s3://", "s3:///x", "http://x", "data/blobs"] {
            assert!(StorageUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
