//! The short description `prover_cmd witness_inspect` prints.

use alloy_primitives::B256;
use serde::Serialize;

use crate::types::{AccountProof, WitnessFile};

#[derive(Clone, Debug, Serialize)]
/// What `witness_inspect` prints of a witness file: its block and how much it holds.
pub struct Summary {
    /// The chain.
    pub chain_id: u64,
    /// The block number.
    pub block_number: u64,
    /// The block hash.
    pub block_hash: B256,
    /// The file's format version (an older file reads as the current one).
    pub format_version: u32,
    /// The fork the witness names (a chain whose schedule is not built in; see
    /// [`WitnessFile::fork`]), else `None`.
    pub named_fork: Option<&'static str>,
    /// Transactions in the block.
    pub transactions: usize,
    /// Withdrawals in the block.
    pub withdrawals: usize,
    /// Ancestor headers (for BLOCKHASH).
    pub ancestor_headers: usize,
    /// Distinct accounts proven.
    pub accounts: usize,
    /// Distinct storage slots proven.
    pub slots: usize,
    /// Contract codes.
    pub codes: usize,
    /// Bytes of code.
    pub code_bytes: usize,
    /// Proof nodes, pre- and post-state.
    pub proof_nodes: usize,
    /// Bytes of proof nodes.
    pub proof_bytes: usize,
    /// The file's size, when read from a file.
    pub file_bytes: Option<u64>,
}

impl Summary {
    /// The summary of `w`, read from a file of `file_bytes` bytes.
    pub fn of(w: &WitnessFile, file_bytes: Option<u64>) -> Self {
        let b = &w.block;
        let proofs = b.pre_state.iter().chain(&b.post_state).flat_map(AccountProof::proof_nodes);
        let (proof_nodes, proof_bytes) = proofs.fold((0, 0), |(n, bytes), node| (n + 1, bytes + node.len()));
        Summary {
            chain_id: w.chain_id,
            block_number: w.block_number,
            block_hash: w.block_hash,
            format_version: w.version,
            named_fork: w.fork.map(|f| f.name()),
            transactions: b.transactions.len(),
            withdrawals: b.withdrawals.len(),
            ancestor_headers: b.ancestors.len(),
            accounts: b.pre_state.len(),
            slots: b.pre_state.iter().map(|a| a.storage.len()).sum(),
            codes: b.codes.len(),
            code_bytes: b.codes.values().map(|c| c.len()).sum(),
            proof_nodes,
            proof_bytes,
            file_bytes,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "block      {} {} (chain {})", self.block_number, self.block_hash, self.chain_id)?;
        writeln!(f, "format     v{}", self.format_version)?;
        if let Some(fork) = self.named_fork {
            writeln!(f, "fork       {fork} (named by the node)")?;
        }
        writeln!(f, "txs        {}  withdrawals {}", self.transactions, self.withdrawals)?;
        writeln!(f, "headers    1 + {} ancestors", self.ancestor_headers)?;
        writeln!(f, "accounts   {}  slots {}", self.accounts, self.slots)?;
        writeln!(f, "codes      {} ({} bytes)", self.codes, self.code_bytes)?;
        write!(f, "proofs     {} nodes ({} bytes, pre + post)", self.proof_nodes, self.proof_bytes)?;
        if let Some(bytes) = self.file_bytes {
            write!(f, "\nfile       {bytes} bytes")?;
        }
        Ok(())
    }
}
