use std::sync::Arc;

use tracing::instrument;

use crate::ports::{AttachmentRepository, BlobError, BlobStore, Clock, RepositoryError};

/// Blobs removed per round.
const SWEEP_BATCH: u64 = 100;

/// How long a sweep holds the blobs it took: one that failed or died is retried after that.
const RETRY_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Removes the blobs on the orphan ledger whose time has come: those of deleted attachments
/// (with their todo or user too) and those of uploads that never got recorded. A sweep first
/// takes its blobs on the ledger (an upload can then no longer settle them), removes each from
/// the store, then takes it off the ledger; a failure or a crash leaves it taken, for another
/// sweep ten minutes later, and never holds up the other blobs.
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

    /// Says how many blobs went; blobs the store would not remove are logged and retried later.
    #[instrument(name = "sweep_orphan_blobs", skip_all)]
    pub async fn execute(&self) -> Result<u64, SweepOrphanBlobsError> {
        let mut swept = 0;
        loop {
            let now = self.clock.now();
            let keys = self.attachments.take_orphans(now, SWEEP_BATCH, now + RETRY_AFTER).await?;
            for key in &keys {
                if let Err(error) = self.blobs.delete(key).await {
                    tracing::warn!(%error, "a blob could not be removed; it is retried later");
                    continue;
                }
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
        ledger
            .expect_take_orphans()
            .with(eq(now()), eq(SWEEP_BATCH), eq(now() + RETRY_AFTER))
            .times(1)
            .return_once(move |_, _, _| Ok(keys));
        ledger.expect_forget_orphan().times(2).returning(|_| Ok(()));
        let mut blobs = MockBlobStore::new();
        blobs.expect_delete().times(2).returning(|_| Ok(()));
        let sweep = SweepOrphanBlobs::new(Arc::new(ledger), Arc::new(blobs), Arc::new(clock()));
        assert_eq!(sweep.execute().await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_blob_the_store_will_not_remove_stays_on_the_ledger_and_the_others_go() {
        let mut ledger = MockAttachmentRepository::new();
        let keys = vec![BlobKey("stuck".into()), BlobKey("b".into())];
        ledger.expect_take_orphans().return_once(|_, _, _| Ok(keys));
        ledger.expect_forget_orphan().with(eq(BlobKey("b".into()))).times(1).returning(|_| Ok(()));
        let mut blobs = MockBlobStore::new();
        blobs
            .expect_delete()
            .with(eq(BlobKey("stuck".into())))
            .returning(|_| Err(BlobError::Unavailable("down".into())));
        blobs.expect_delete().with(eq(BlobKey("b".into()))).returning(|_| Ok(()));
        let sweep = SweepOrphanBlobs::new(Arc::new(ledger), Arc::new(blobs), Arc::new(clock()));
        assert_eq!(sweep.execute().await.unwrap(), 1);
    }
}
