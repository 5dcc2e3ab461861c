//! A witness built straight from recorded node answers (no RPC): how the tests and benches turn
//! zeth's mainnet recordings into witness files.

use std::collections::BTreeMap;

use alloy_primitives::{keccak256, Bytes};
use serde_json::Value;

use crate::{
    from_rpc::{self, ShapeError},
    AccountProof, BlockWitness, WitnessFile,
};

/// Recorded answers for one block: the block and its parent (`eth_getBlockByNumber` with full
/// transactions), `eth_getProof` at the parent and at the block, and the pre-state codes.
pub struct Recorded<'a> {
    /// The chain.
    pub chain_id: u64,
    /// The block number.
    pub number: u64,
    /// The block (`eth_getBlockByNumber` with full transactions).
    pub block: &'a Value,
    /// Its parent.
    pub parent: &'a Value,
    /// `eth_getProof` answers at the parent.
    pub pre_proofs: Vec<&'a Value>,
    /// `eth_getProof` answers at the block.
    pub post_proofs: Vec<&'a Value>,
    /// The pre-state codes.
    pub codes: Vec<Bytes>,
}

/// The witness file the recorded answers make (as capture would make it from the live node).
pub fn witness_from_recorded(r: Recorded<'_>) -> Result<WitnessFile, ShapeError> {
    let block = from_rpc::block_parts(r.block)?;
    let parent = from_rpc::header_only(r.parent)?;
    let proofs = |answers: &[&Value]| answers.iter().map(|p| from_rpc::account_proof(p)).collect::<Result<Vec<_>, _>>();
    let codes: BTreeMap<_, _> = r.codes.into_iter().filter(|c| !c.is_empty()).map(|c| (keccak256(&c), c)).collect();
    let (pre_state, post_state) = same_slots(proofs(&r.pre_proofs)?, proofs(&r.post_proofs)?)?;
    let hash = block.header.claimed_hash().map_err(|e| ShapeError::new("block hash", e.to_string()))?;
    Ok(WitnessFile::new(
        r.chain_id,
        r.number,
        hash,
        BlockWitness {
            header: block.header,
            transactions: block.transactions,
            withdrawals: block.withdrawals,
            ancestors: vec![parent],
            pre_state,
            post_state,
            codes,
        },
    ))
}

/// zeth asked the node for the post-state of a slot set that differs a little from the
/// pre-state's (slots it learnt during execution); a witness proves the same slots on both sides,
/// as capture does, so keep the slots both recordings have.
fn same_slots(
    mut pre: Vec<AccountProof>,
    mut post: Vec<AccountProof>,
) -> Result<(Vec<AccountProof>, Vec<AccountProof>), ShapeError> {
    let missing =
        |a: &AccountProof| ShapeError::new("recorded proofs", format!("{} is recorded on one side only", a.address));
    for a in &mut pre {
        let after = post.iter().find(|p| p.address == a.address).ok_or_else(|| missing(a))?;
        a.storage.retain(|s| after.storage.iter().any(|t| t.key == s.key));
    }
    for a in &mut post {
        let before = pre.iter().find(|p| p.address == a.address).ok_or_else(|| missing(a))?;
        a.storage.retain(|s| before.storage.iter().any(|t| t.key == s.key));
    }
    Ok((pre, post))
}
