//! Split proving in the queue (`serve --split`): a block's execution proof made of pieces that
//! any worker, on any machine, takes from the same jobs table under the same leases.
//!
//! The block's own job (part '') is claimed first as usual; its worker makes the plan (metered
//! execution) and splits the job: the block's job then `waiting`, holding the plan, one job a
//! segment (`segment 3`, queued) and one a leaf of the aggregation (`leaf of segments 4 to 7`,
//! waiting). A leaf is queued once its segments are done, and the block's job once every leaf is:
//! whoever claims it then aggregates, and hands the proof in for the server's verification as
//! any proof. A dead worker's piece is taken again alone when its lease runs out.

use proof::ProofKind;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::{
    jobs::record,
    now_ms,
    store::{Backend, Store, StoreError},
};

/// A piece of a split block, parsed from its part name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// `segment N`.
    Segment(usize),
    /// `leaf of segments A to B`.
    Leaf(usize, usize),
}

impl Piece {
    /// Its part name, the same words the aggregator's errors use to name a piece.
    pub fn part(&self) -> String {
        match self {
            Piece::Segment(i) => format!("segment {i}"),
            Piece::Leaf(a, b) => format!("leaf of segments {a} to {b}"),
        }
    }

    /// The piece a part name is (None for the block's own job, '').
    pub fn parse(part: &str) -> Option<Piece> {
        if let Some(i) = part.strip_prefix("segment ") {
            return i.parse().ok().map(Piece::Segment);
        }
        let (a, b) = part.strip_prefix("leaf of segments ")?.split_once(" to ")?;
        Some(Piece::Leaf(a.parse().ok()?, b.parse().ok()?))
    }

    /// The segments it covers.
    pub fn segments(&self) -> std::ops::RangeInclusive<usize> {
        match *self {
            Piece::Segment(i) => i..=i,
            Piece::Leaf(a, b) => a..=b,
        }
    }
}

/// A piece's job, as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct PieceRow {
    /// `segment N` or `leaf of segments A to B`.
    pub part: String,
    /// waiting, queued, proving, done, failed, orphaned.
    pub status: String,
    /// The worker that holds or made it.
    pub worker: Option<String>,
    /// Tries so far.
    pub attempts: u64,
    /// How long its proof took.
    pub prove_ms: Option<u64>,
    /// The worker's last reported step.
    pub progress: Option<String>,
    /// Its worker's lease ran out: the worker is gone, another takes the piece.
    pub lease_expired: bool,
    /// Why it failed.
    pub error: Option<String>,
}

impl Store {
    /// The worker holding block job `hash` made its plan (JSON): the job waits for its pieces,
    /// one job each is queued (segments) or waiting (leaves). Planning is not a try. False: the
    /// job was no longer this worker's.
    pub async fn split_block(
        &self,
        hash: &str,
        worker: &str,
        plan: &str,
        pieces: &[Piece],
        kind: ProofKind,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE jobs SET status = 'waiting', plan = $1, worker = NULL, lease_until = NULL, progress = NULL,
                     attempts = attempts - 1
                 WHERE hash = $2 AND part = '' AND worker = $3 AND status = 'proving'",
            )
            .bind(plan)
            .bind(hash)
            .bind(worker)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                tx.commit().await?;
                return Ok(false);
            }
            for piece in pieces {
                let status = if matches!(piece, Piece::Segment(_)) { "queued" } else { "waiting" };
                sqlx::query(
                    "INSERT INTO jobs (hash, part, number, kind, status, queued_at, attempts, split)
                     SELECT hash, $2, number, $3, $4, $5, 0, split FROM jobs WHERE hash = $1 AND part = ''",
                )
                .bind(hash)
                .bind(piece.part())
                .bind(kind.name())
                .bind(status)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let detail = format!("{worker}: {} pieces", pieces.len());
            record(&mut tx, (hash, ""), "planned", Some(&detail)).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// A piece is proven: stored (its file's bytes), and the leaf or block job waiting for it
    /// queued if it was the last one missing. False: the piece was no longer this worker's.
    pub async fn finish_piece(
        &self,
        (hash, part): (&str, &str),
        worker: &str,
        file: &[u8],
        prove_ms: u64,
    ) -> Result<bool, StoreError> {
        let lock = self.backend() == Backend::Postgres;
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            // One block's pieces finish one at a time (Postgres: the block's row is locked), so
            // the last of a group always sees the others done.
            if lock {
                sqlx::query("SELECT hash FROM jobs WHERE hash = $1 AND part = '' FOR UPDATE")
                    .bind(hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            }
            let done = sqlx::query(
                "UPDATE jobs SET status = 'done', proof = $1, prove_ms = $2, finished_at = $3, lease_until = NULL,
                     progress = NULL
                 WHERE hash = $4 AND part = $5 AND worker = $6 AND status = 'proving'",
            )
            .bind(file)
            .bind(prove_ms as i64)
            .bind(now_ms())
            .bind(hash)
            .bind(part)
            .bind(worker)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                record(&mut tx, (hash, part), "done", Some(worker)).await?;
                promote(&mut tx, hash).await?;
            }
            tx.commit().await?;
            Ok(done == 1)
        })
        .await
    }

    /// The aggregation found a finished piece bad (`reason` names it): failed, so that a retry
    /// proves it again.
    pub async fn refuse_piece(&self, (hash, part): (&str, &str), reason: &str) -> Result<bool, StoreError> {
        self.write(|pool| async move {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE jobs SET status = 'failed', error = $1 WHERE hash = $2 AND part = $3 AND status = 'done'",
            )
            .bind(reason)
            .bind(hash)
            .bind(part)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                record(&mut tx, (hash, part), "refused", Some(reason)).await?;
                promote(&mut tx, hash).await?;
            }
            tx.commit().await?;
            Ok(done == 1)
        })
        .await
    }

    /// The files of a block's finished pieces, by part.
    pub async fn piece_files(&self, hash: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = self
            .read(|pool| async move {
                sqlx::query("SELECT part, proof FROM jobs WHERE hash = $1 AND part <> '' AND status = 'done'")
                    .bind(hash)
                    .fetch_all(&pool)
                    .await
            })
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get::<Option<Vec<u8>>, _>(1).unwrap_or_default())).collect())
    }

    /// A block's pieces, segments in order, then leaves.
    pub async fn pieces(&self, hash: &str) -> Result<Vec<PieceRow>, StoreError> {
        let now = now_ms();
        let rows = self
            .read(|pool| async move {
                sqlx::query(
                    "SELECT part, status, worker, attempts, prove_ms, progress,
                         CAST(CASE WHEN status = 'proving' AND lease_until < $2 THEN 1 ELSE 0 END AS BIGINT), error
                     FROM jobs WHERE hash = $1 AND part <> ''",
                )
                .bind(hash)
                .bind(now)
                .fetch_all(&pool)
                .await
            })
            .await?;
        let mut pieces: Vec<PieceRow> = rows
            .iter()
            .map(|r| PieceRow {
                part: r.get(0),
                status: r.get(1),
                worker: r.get(2),
                attempts: r.get::<i64, _>(3) as u64,
                prove_ms: r.get::<Option<i64>, _>(4).map(|v| v as u64),
                progress: r.get(5),
                lease_expired: r.get::<i64, _>(6) == 1,
                error: r.get(7),
            })
            .collect();
        pieces.sort_by_key(|p| match Piece::parse(&p.part) {
            Some(Piece::Segment(i)) => (0, i),
            Some(Piece::Leaf(a, _)) => (1, a),
            None => (2, 0),
        });
        Ok(pieces)
    }
}

/// Brings a split block's jobs in line with its pieces: a waiting leaf whose segments are all done
/// is queued, a done leaf with a segment to prove again waits again (it was made from the bad
/// one), and the block's job (for the aggregation) is queued once every leaf is done, waiting
/// otherwise. In the caller's transaction.
pub(crate) async fn promote(tx: &mut Transaction<'static, Any>, hash: &str) -> Result<(), sqlx::Error> {
    let rows = sqlx::query("SELECT part, status FROM jobs WHERE hash = $1").bind(hash).fetch_all(&mut **tx).await?;
    let parts: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let done = |i: usize| parts.iter().any(|(p, s)| *p == Piece::Segment(i).part() && s == "done");
    let set = |part: String, from: &'static str, to: &'static str| {
        sqlx::query("UPDATE jobs SET status = $1 WHERE hash = $2 AND part = $3 AND status = $4")
            .bind(to)
            .bind(hash.to_string())
            .bind(part)
            .bind(from)
    };
    let (mut leaves, mut leaves_done) = (0, 0);
    for (part, status) in &parts {
        let Some(leaf @ Piece::Leaf(..)) = Piece::parse(part) else { continue };
        leaves += 1;
        let ready = leaf.segments().all(done);
        match (status.as_str(), ready) {
            ("waiting", true) => {
                set(part.clone(), "waiting", "queued").execute(&mut **tx).await?;
            }
            ("done", false) => {
                set(part.clone(), "done", "waiting").execute(&mut **tx).await?;
            }
            ("done", true) => leaves_done += 1,
            _ => {}
        }
    }
    if leaves > 0 {
        let (from, to) = if leaves_done == leaves { ("waiting", "queued") } else { ("queued", "waiting") };
        set(String::new(), from, to).execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Piece;

    #[test]
    fn part_names_read_back_and_are_the_aggregators_words() {
        for piece in [Piece::Segment(0), Piece::Segment(31), Piece::Leaf(4, 7), Piece::Leaf(28, 31)] {
            assert_eq!(Piece::parse(&piece.part()), Some(piece.clone()));
        }
        assert_eq!(Piece::Leaf(4, 7).part(), "leaf of segments 4 to 7");
        assert_eq!(Piece::Leaf(4, 7).segments(), 4..=7);
        assert_eq!(Piece::parse(""), None);
        assert_eq!(Piece::parse("segment x"), None);
    }
}
