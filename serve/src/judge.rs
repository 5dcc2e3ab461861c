//! The server's verification of every submitted proof, with the same verifier `prover_cmd
//! verifier` runs and the block's stored witness: a proof is served only once it verifies and is
//! of exactly that witness. Workers are not trusted; a proof that fails is recorded as failed,
//! with the verifier's report.

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;
use verifier::{VerifyOptions, VerifyReport};

use crate::{metrics::Metrics, store::Store};

/// Verifies proof-file bytes (and, if given, against witness bytes), in memory. Blocking: seconds
/// for a state proof, milliseconds for an execution proof.
pub fn verify_bytes(proof: &[u8], witness: Option<&[u8]>, opts: &VerifyOptions) -> VerifyReport {
    verifier::verify(proof, "proof.json", witness, opts)
}

/// Verifies submitted proofs until `stop` turns true.
pub async fn run_judge(store: Store, opts: VerifyOptions, metrics: Arc<Metrics>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let next = match store.next_submitted().await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!("cannot read submitted proofs: {e}");
                None
            }
        };
        let Some(submitted) = next else {
            crate::pause(Duration::from_millis(500), &mut stop).await;
            continue;
        };
        let started = std::time::Instant::now();
        let opts = opts.clone();
        let (proof, witness) = (submitted.proof, submitted.witness);
        let verified = tokio::task::spawn_blocking(move || verify_bytes(&proof, Some(&witness), &opts)).await;
        let ms = started.elapsed().as_millis() as u64;
        let (accepted, report, error) = match verified {
            Ok(report) => {
                let accepted = report.is_success && report.witness_matched == Some(true);
                let error = (!accepted).then(|| format!("the proof was refused: {}", report.message));
                (accepted, serde_json::to_string(&report).unwrap_or_default(), error)
            }
            Err(e) => (false, String::new(), Some(format!("the verifier stopped: {e}"))),
        };
        metrics.verify_seconds.observe(ms as f64 / 1000.0);
        if accepted {
            metrics.proofs_verified.inc();
        } else {
            metrics.proofs_rejected.inc();
            metrics.proving_errors.inc();
        }
        tracing::info!(number = submitted.number, hash = %submitted.hash, accepted, ms, "verified");
        if let Err(e) = store.judge(&submitted.hash, accepted, &report, error.as_deref(), ms).await {
            tracing::warn!(number = submitted.number, "cannot store the verdict: {e}");
        }
    }
}
