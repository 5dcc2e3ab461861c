//! The store's rules added for a long-running server, run on SQLite and on a real PostgreSQL
//! server (the same SQL must hold on both): retention drops only proven blocks' files and says
//! when; an operator's retry and skip; the chain a database follows; each job's history.

use proof::ProofKind;
use serve::{
    blocks::{NewBlock, Stored},
    chain::ChainId,
    status::JobStatus,
    Order, Retention, Store,
};
use testkit::postgres::Postgres;

const KIND: ProofKind = ProofKind::Execution;

fn block(number: u64) -> NewBlock {
    NewBlock {
        number,
        hash: format!("0x{number:064x}"),
        parent_hash: format!("0x{:064x}", number - 1),
        capture_ms: 1,
        transactions: 0,
        gas_used: 0,
        witness: format!("witness of {number}").into_bytes(),
    }
}

/// Claims the oldest queued job, hands in a proof and has the server accept it.
async fn prove_next(store: &Store) -> u64 {
    let job = store.claim("w", 60_000, Order::Oldest, KIND).await.unwrap().expect("a queued job");
    assert!(store.submit(&job.hash, "w", b"proof", Some(5)).await.unwrap());
    store.judge(&job.hash, true, "{}", None, 1).await.unwrap();
    job.number
}

async fn rules_hold(url: &str) {
    let store = Store::open(url).await.unwrap();

    // The chain: recorded once; another one replaces it only on request, orphaning every block.
    assert_eq!(store.chain().await.unwrap(), None);
    let ours = ChainId { chain_id: 31337, genesis_hash: "0xaa".into() };
    store.set_chain(&ours, false).await.unwrap();
    assert_eq!(store.chain().await.unwrap().as_ref(), Some(&ours));

    for number in 1..=5 {
        store.add_block(&block(number), KIND, JobStatus::Queued, false).await.unwrap();
    }
    for expected in 1..=4 {
        assert_eq!(prove_next(&store).await, expected);
    }

    // Retention by count: the witnesses of proven blocks below the newest 2 proven heights go,
    // their proofs stay; the queued block 5 is never touched.
    let pruned = store.prune(Retention { max_age_ms: None, keep: Some(2), proofs: false }).await.unwrap();
    assert_eq!(pruned, 2);
    for number in [1, 2] {
        assert!(matches!(store.witness(number).await.unwrap(), Stored::Pruned(_)), "block {number}");
        assert!(matches!(store.proof(number).await.unwrap(), Stored::Found(_)), "block {number}");
    }
    for number in [3, 4, 5] {
        assert!(matches!(store.witness(number).await.unwrap(), Stored::Found(ref w) if !w.is_empty()));
    }
    // With proofs: the pruned blocks' proofs go too; a second pass finds nothing more.
    let again = store.prune(Retention { max_age_ms: None, keep: Some(2), proofs: true }).await.unwrap();
    assert_eq!(again, 0);
    assert!(matches!(store.proof(1).await.unwrap(), Stored::Pruned(_)));
    assert!(matches!(store.proof(3).await.unwrap(), Stored::Found(_)));
    // Retention by age: everything proven is older than "now minus 0 ms".
    let aged = store.prune(Retention { max_age_ms: Some(0), keep: None, proofs: false }).await.unwrap();
    assert_eq!(aged, 2);
    assert!(matches!(store.witness(5).await.unwrap(), Stored::Found(_)), "a queued block keeps its witness");
    let rows = store.blocks(Some(1), 10).await.unwrap();
    assert!(rows.iter().filter(|r| r.number <= 4).all(|r| r.witness_pruned_at_ms.is_some()), "{rows:?}");

    // The operator's retry: a failed job goes back to the queue with its tries reset, the reason
    // kept; a queued one is refused.
    let job = store.claim("w", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    assert!(store.fail((&job.hash, ""), "w", "out of memory").await.unwrap());
    let was = store.retry(5, "more memory now", 0).await.unwrap();
    assert_eq!(was, "failed");
    let history = store.history(&job.hash).await.unwrap();
    let events: Vec<_> = history.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["claimed", "failed", "retried"]);
    assert!(history[2].detail.as_deref().unwrap().contains("more memory now (was failed: out of memory)"));
    let refused = store.retry(5, "again", 0).await.unwrap_err().to_string();
    assert!(refused.contains("job is queued"), "{refused}");

    // A stuck block: skipped only when it is the one holding the follower.
    store.set_stuck(6, &block(6).hash, &block(6).parent_hash, "timestamp is not after the parent's").await.unwrap();
    assert_eq!(store.stuck().await.unwrap().map(|s| s.number), Some(6));
    let wrong = store.skip_stuck(7, "no", KIND).await.unwrap_err().to_string();
    assert!(wrong.contains("block 6 does"), "{wrong}");
    store.skip_stuck(6, "anvil's block", KIND).await.unwrap();
    assert_eq!(store.stuck().await.unwrap(), None);
    assert_eq!(store.tip().await.unwrap().map(|(n, _)| n), Some(6));
    assert!(matches!(store.witness(6).await.unwrap(), Stored::Missing | Stored::Found(_)));
    let six = store.blocks_at(6).await.unwrap();
    assert_eq!(six[0].status, "skipped");
    let said = six[0].error.as_deref().unwrap();
    assert!(said.contains("anvil's block") && said.contains("timestamp is not after"), "{said}");

    split_pieces_flow(&store).await;

    // Following another chain orphans every stored block.
    let theirs = ChainId { chain_id: 31337, genesis_hash: "0xbb".into() };
    store.set_chain(&theirs, true).await.unwrap();
    assert_eq!(store.tip().await.unwrap(), None);
    assert_eq!(store.chain().await.unwrap(), Some(theirs));
}

/// A split block (pieces.rs): planned by the worker that claims it, its segments and then its
/// leaf queued as what they wait for is done, the block's job last; a failed piece fails the
/// block, and a retry puts only that piece back.
async fn split_pieces_flow(store: &Store) {
    use serve::pieces::Piece;
    assert_eq!(prove_next(store).await, 5, "the queue is empty before");
    let mut seven = block(7);
    seven.parent_hash = block(6).hash;
    store.add_block(&seven, KIND, JobStatus::Queued, true).await.unwrap();
    let job = store.claim("w", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    assert_eq!((job.number, job.part.as_str(), job.split, job.plan.as_deref()), (7, "", true, None));
    let pieces = [Piece::Segment(0), Piece::Segment(1), Piece::Leaf(0, 1)];
    assert!(store.split_block(&job.hash, "w", "{\"plan\":1}", &pieces, KIND).await.unwrap());
    let status = |part: &'static str| async move {
        let rows = store.pieces(&block(7).hash).await.unwrap();
        rows.into_iter().find(|p| p.part == part).map(|p| p.status)
    };
    assert_eq!(status("leaf of segments 0 to 1").await.as_deref(), Some("waiting"));
    // Both segments are taken (by two workers), the leaf and the block wait.
    let a = store.claim("a", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    let b = store.claim("b", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    let mut parts = [a.part.clone(), b.part.clone()];
    parts.sort();
    assert_eq!(parts, ["segment 0", "segment 1"]);
    assert_eq!(a.plan.as_deref(), Some("{\"plan\":1}"));
    assert!(a.split && b.split, "a piece is a split block's: its worker proves the piece, not the whole block");
    assert!(store.claim("c", 60_000, Order::Oldest, KIND).await.unwrap().is_none(), "nothing else is ready");
    assert!(store.finish_piece((&a.hash, &a.part), "a", b"piece a", 10).await.unwrap());
    assert!(!store.finish_piece((&b.hash, &b.part), "a", b"not a's", 10).await.unwrap(), "only its worker");
    assert!(store.finish_piece((&b.hash, &b.part), "b", b"piece b", 10).await.unwrap());
    assert_eq!(status("leaf of segments 0 to 1").await.as_deref(), Some("queued"));
    let leaf = store.claim("c", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    assert_eq!(leaf.part, "leaf of segments 0 to 1");
    assert_eq!(store.piece_files(&leaf.hash).await.unwrap().len(), 2);
    // The leaf fails: so does the block, naming it; a retry puts the leaf back, queued since its
    // segments are done, and the block waits for it again.
    assert!(store.fail((&leaf.hash, &leaf.part), "c", "out of memory").await.unwrap());
    let rows = store.blocks_at(7).await.unwrap();
    assert_eq!(rows[0].status, "failed");
    assert!(rows[0].error.as_deref().unwrap().contains("leaf of segments 0 to 1 failed: out of memory"));
    assert_eq!(store.retry(7, "again", serve::now_ms()).await.unwrap(), "failed");
    assert_eq!(status("leaf of segments 0 to 1").await.as_deref(), Some("queued"));
    assert_eq!(store.blocks_at(7).await.unwrap()[0].status, "waiting");
    let leaf = store.claim("c", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    assert!(store.finish_piece((&leaf.hash, &leaf.part), "c", b"leaf", 10).await.unwrap());
    // Every leaf in: the block's own job is queued, with its plan, for the aggregation.
    let whole = store.claim("d", 60_000, Order::Oldest, KIND).await.unwrap().unwrap();
    assert_eq!((whole.part.as_str(), whole.plan.is_some()), ("", true));
    // The aggregation finds segment 1 bad: it is failed, and proven again after a retry.
    assert!(store.refuse_piece((&whole.hash, "segment 1"), "segment 1 does not verify").await.unwrap());
    assert!(store.fail((&whole.hash, ""), "d", "segment 1 does not verify").await.unwrap());
    store.retry(7, "again", serve::now_ms()).await.unwrap();
    assert_eq!(status("segment 1").await.as_deref(), Some("queued"));
    let events: Vec<String> =
        store.history(&whole.hash).await.unwrap().into_iter().map(|e| format!("{} {}", e.part, e.event)).collect();
    assert!(
        events.contains(&" planned".to_string()) && events.contains(&"segment 1 refused".to_string()),
        "{events:?}"
    );
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.waiting, counts.pieces.get("queued").copied()), (1, Some(1)), "{counts:?}");
}

#[tokio::test]
async fn the_store_rules_hold_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    rules_hold(&dir.path().join("serve.sqlite").display().to_string()).await;
}

#[tokio::test]
async fn the_store_rules_hold_on_postgres() {
    let pg = Postgres::start().unwrap();
    rules_hold(&pg.url).await;
}
