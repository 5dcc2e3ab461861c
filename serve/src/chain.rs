//! The chain a database follows (chain id and genesis hash, recorded once), and the block that
//! holds the follower when it cannot be captured.

use sqlx::Row;

use crate::{
    now_ms,
    store::{Store, StoreError},
};

/// A chain, as its node names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChainId {
    /// `eth_chainId`.
    pub chain_id: u64,
    /// The hash of block 0.
    pub genesis_hash: String,
}

impl std::fmt::Display for ChainId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chain {} (genesis {})", self.chain_id, self.genesis_hash)
    }
}

/// A block the follower cannot capture, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stuck {
    /// Its number.
    pub number: u64,
    /// Its hash, as the node gives it.
    pub hash: String,
    /// Its parent's hash.
    pub parent_hash: String,
    /// Why it cannot be captured (the check that failed: a consensus rule the node ignored, data
    /// that does not check).
    pub reason: String,
    /// Since when (Unix ms).
    pub since_ms: u64,
}

impl Store {
    /// The chain this database follows, if it has followed one.
    pub async fn chain(&self) -> Result<Option<ChainId>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT chain_id, genesis_hash FROM chain WHERE id = 1").fetch_optional(&pool).await
            })
            .await?;
        Ok(row.map(|r| ChainId { chain_id: r.get::<i64, _>(0) as u64, genesis_hash: r.get(1) }))
    }

    /// Records the chain this database follows from now on. With `orphan_all`, every stored
    /// block leaves the followed chain (the operator chose to follow a new chain here).
    pub async fn set_chain(&self, chain: &ChainId, orphan_all: bool) -> Result<(), StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM chain").execute(&mut *tx).await?;
            sqlx::query("INSERT INTO chain (id, chain_id, genesis_hash, recorded_at) VALUES (1, $1, $2, $3)")
                .bind(chain.chain_id as i64)
                .bind(&chain.genesis_hash)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
            if orphan_all {
                sqlx::query("UPDATE blocks SET canonical = 0 WHERE canonical = 1").execute(&mut *tx).await?;
                sqlx::query(
                    "UPDATE jobs SET status = 'orphaned', worker = NULL, lease_until = NULL
                     WHERE status IN ('queued', 'proving', 'submitted', 'skipped', 'waiting')",
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM stuck").execute(&mut *tx).await?;
            }
            tx.commit().await
        })
        .await
    }

    /// The block holding the follower, if one does.
    pub async fn stuck(&self) -> Result<Option<Stuck>, StoreError> {
        let row = self
            .read(|pool| async move {
                sqlx::query("SELECT number, hash, parent_hash, reason, since FROM stuck ORDER BY number LIMIT 1")
                    .fetch_optional(&pool)
                    .await
            })
            .await?;
        Ok(row.map(|r| Stuck {
            number: r.get::<i64, _>(0) as u64,
            hash: r.get(1),
            parent_hash: r.get(2),
            reason: r.get(3),
            since_ms: r.get::<i64, _>(4) as u64,
        }))
    }

    /// The follower cannot capture this block: recorded (the first time's `since` kept while the
    /// same block holds it).
    pub async fn set_stuck(&self, number: u64, hash: &str, parent_hash: &str, reason: &str) -> Result<(), StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let same = sqlx::query("SELECT 1 FROM stuck WHERE number = $1 AND hash = $2")
                .bind(number as i64)
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await?;
            if same.is_some() {
                sqlx::query("UPDATE stuck SET reason = $1 WHERE number = $2")
                    .bind(reason)
                    .bind(number as i64)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("DELETE FROM stuck").execute(&mut *tx).await?;
                sqlx::query("INSERT INTO stuck (number, hash, parent_hash, reason, since) VALUES ($1, $2, $3, $4, $5)")
                    .bind(number as i64)
                    .bind(hash)
                    .bind(parent_hash)
                    .bind(reason)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })
        .await
    }

    /// Nothing holds the follower any more (the block was captured, or the node moved on).
    pub async fn clear_stuck(&self) -> Result<(), StoreError> {
        self.write(|pool| async move { sqlx::query("DELETE FROM stuck").execute(&pool).await.map(drop) }).await
    }
}
