//! The attachments' storage settings.

use serde::Deserialize;

/// Where attachments' bytes go, and their limits. Holds the S3 secret key, so its `Debug` is
/// written by hand to hide it.
#[derive(Clone, Deserialize)]
pub struct StorageSettings {
    /// `file://<directory>` or `s3://<bucket>[/<prefix>]`.
    pub url: String,
    pub s3_endpoint: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    pub max_file_bytes: u64,
    pub quota_bytes: u64,
    /// How often job workers remove the blobs of deleted attachments.
    pub sweep_every_seconds: u64,
}
