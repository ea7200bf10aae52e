//! The blob store against a real directory and a real S3-compatible server (moto).

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use todo_adapters_storage::testing::start_s3;
use todo_adapters_storage::{ObjectStoreBlobs, S3Options, StorageUrl};
use todo_application::ports::{BlobError, BlobStore, ByteStream};

const MIB: usize = 1024 * 1024;

/// `total` bytes of a repeating pattern, in chunks of 64 KiB.
fn content(total: usize) -> (Vec<u8>, ByteStream) {
    let bytes: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|chunk| Ok(Bytes::copy_from_slice(chunk))).collect();
    (bytes, stream::iter(chunks).boxed())
}

async fn read(
    blobs: &ObjectStoreBlobs,
    key: &todo_application::ports::BlobKey,
    range: Option<std::ops::Range<u64>>,
) -> Vec<u8> {
    let chunks: Vec<Bytes> = blobs.get(key, range).await.unwrap().try_collect().await.unwrap();
    chunks.concat()
}

async fn behaves_as_a_blob_store(blobs: ObjectStoreBlobs) {
    // 12 MiB: three parts of a multipart upload on S3.
    let (bytes, stream) = content(12 * MIB + 5);
    let key = blobs.new_key();
    let stored = blobs.put(&key, stream, 20 * MIB as u64).await.unwrap();
    assert_eq!(stored.size, bytes.len() as u64);
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(stored.sha256, expected);
    assert_eq!(read(&blobs, &key, None).await, bytes);
    assert_eq!(read(&blobs, &key, Some(10..20)).await, bytes[10..20]);

    let (_, empty) = content(0);
    let nothing = blobs.new_key();
    assert_eq!(blobs.put(&nothing, empty, 10).await.unwrap().size, 0);
    assert!(read(&blobs, &nothing, None).await.is_empty());

    // Too large, or cut short: nothing is kept under the key.
    let (_, big) = content(MIB + 1);
    let refused = blobs.new_key();
    assert!(matches!(blobs.put(&refused, big, MIB as u64).await, Err(BlobError::TooLarge(_))));
    assert!(matches!(blobs.get(&refused, None).await, Err(BlobError::NotFound)));
    let broken: ByteStream =
        stream::iter([Ok(Bytes::from_static(b"abc")), Err(std::io::Error::other("gone"))]).boxed();
    let cut = blobs.new_key();
    assert!(matches!(blobs.put(&cut, broken, 10).await, Err(BlobError::Interrupted(_))));
    assert!(matches!(blobs.get(&cut, None).await, Err(BlobError::NotFound)));

    blobs.delete(&key).await.unwrap();
    assert!(matches!(blobs.get(&key, None).await, Err(BlobError::NotFound)));
    blobs.delete(&key).await.unwrap();
}

#[tokio::test]
async fn a_directory_keeps_blobs() {
    let root = tempfile::tempdir().unwrap();
    let url = StorageUrl::Directory(root.path().join("blobs"));
    let blobs = ObjectStoreBlobs::open(&url, &S3Options::default()).unwrap();
    behaves_as_a_blob_store(blobs).await;
    let left: Vec<_> = walk(&root.path().join("blobs"));
    assert_eq!(left.len(), 1, "only the empty blob is left, no temporary file: {left:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[tokio::test]
async fn s3_compatible_storage_keeps_blobs() {
    let server = start_s3("todo-blobs");
    let options = S3Options {
        endpoint: Some(server.endpoint.clone()),
        region: "us-east-1".into(),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
    };
    let url = StorageUrl::parse("s3://todo-blobs/tests").unwrap();
    behaves_as_a_blob_store(ObjectStoreBlobs::open(&url, &options).unwrap()).await;
}
