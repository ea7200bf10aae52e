use std::sync::Arc;

use tracing::instrument;

use crate::ports::{AttachmentRepository, BlobError, BlobStore, Clock, RepositoryError};

/// Blobs removed per round.
const SWEEP_BATCH: u64 = 100;

/// Removes the blobs on the orphan ledger whose time has come: those of deleted attachments
/// (with their todo or user too) and those of uploads that never got recorded. A blob goes
/// from the store first and from the ledger after, so a crash in between only repeats a
/// removal that is harmless to repeat.
pub struct SweepOrphanBlobs {
    attachments: Arc<dyn AttachmentRepository>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepOrphanBlobsError {
    #[error(transparent)]
    Storage(#[from] BlobError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl SweepOrphanBlobs {
    pub fn new(
        attachments: Arc<dyn AttachmentRepository>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { attachments, blobs, clock }
    }

    /// Says how many blobs went.
    #[instrument(name = "sweep_orphan_blobs", skip_all)]
    pub async fn execute(&self) -> Result<u64, SweepOrphanBlobsError> {
        let mut swept = 0;
        loop {
            let keys = self.attachments.orphans(self.clock.now(), SWEEP_BATCH).await?;
            for key in &keys {
                self.blobs.delete(key).await?;
                match self.attachments.forget_orphan(key).await {
                    Ok(()) | Err(RepositoryError::NotFound) => swept += 1,
                    Err(error) => return Err(error.into()),
                }
            }
            if (keys.len() as u64) < SWEEP_BATCH {
                return Ok(swept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::{BlobKey, MockAttachmentRepository, MockBlobStore};
    use crate::use_cases::fixtures::{clock, now};

    #[tokio::test]
    async fn each_orphan_goes_from_the_store_then_from_the_ledger() {
        let mut ledger = MockAttachmentRepository::new();
        let keys = vec![BlobKey("a".into()), BlobKey("b".into())];
        ledger.expect_orphans().with(eq(now()), eq(SWEEP_BATCH)).times(1).return_once(move |_, _| Ok(keys));
        ledger.expect_forget_orphan().times(2).returning(|_| Ok(()));
        let mut blobs = MockBlobStore::new();
        blobs.expect_delete().times(2).returning(|_| Ok(()));
        let sweep = SweepOrphanBlobs::new(Arc::new(ledger), Arc::new(blobs), Arc::new(clock()));
        assert_eq!(sweep.execute().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_store_that_fails_keeps_the_blob_on_the_ledger() {
        let mut ledger = MockAttachmentRepository::new();
        ledger.expect_orphans().return_once(|_, _| Ok(vec![BlobKey("a".into())]));
        ledger.expect_forget_orphan().never();
        let mut blobs = MockBlobStore::new();
        blobs.expect_delete().returning(|_| Err(BlobError::Unavailable("down".into())));
        let sweep = SweepOrphanBlobs::new(Arc::new(ledger), Arc::new(blobs), Arc::new(clock()));
        assert!(matches!(sweep.execute().await, Err(SweepOrphanBlobsError::Storage(_))));
    }
}
