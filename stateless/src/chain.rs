//! Which fork rules a block runs under.
//!
//! Known public chains use their published schedules (alloy-hardforks). A development chain
//! (anvil, geth --dev, the consensus tests) runs one fork from genesis; which one is read from the
//! header's shape, the newest fork whose fields it has, unless the input names it.

use alloy_consensus::Header;
use alloy_eips::eip7840::BlobParams;
use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{address, Address};
use serde::{Deserialize, Serialize};

/// The forks this code executes (Paris onwards: no proof-of-work blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Fork {
    /// The merge (September 2022): proof of stake, PREVRANDAO.
    Paris,
    /// Withdrawals, PUSH0 (April 2023).
    Shanghai,
    /// Blobs (EIP-4844), transient storage, the beacon root (March 2024).
    Cancun,
    /// EIP-7702 authorizations, execution-layer requests, the block-hash history contract (May 2025).
    Prague,
    /// The fork after Prague (December 2025).
    Osaka,
}

impl Fork {
    /// The fork of a given index (`fork as u8`), as commitments and encoded inputs hold it.
    pub fn from_index(index: u8) -> Option<Fork> {
        [Fork::Paris, Fork::Shanghai, Fork::Cancun, Fork::Prague, Fork::Osaka].get(index as usize).copied()
    }

    /// The fork's name, as the consensus tests and the reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            Fork::Paris => "Paris",
            Fork::Shanghai => "Shanghai",
            Fork::Cancun => "Cancun",
            Fork::Prague => "Prague",
            Fork::Osaka => "Osaka",
        }
    }

    fn hardfork(self) -> EthereumHardfork {
        match self {
            Fork::Paris => EthereumHardfork::Paris,
            Fork::Shanghai => EthereumHardfork::Shanghai,
            Fork::Cancun => EthereumHardfork::Cancun,
            Fork::Prague => EthereumHardfork::Prague,
            Fork::Osaka => EthereumHardfork::Osaka,
        }
    }

    /// The newest fork whose header fields this header has.
    pub fn from_header_shape(header: &Header) -> Self {
        if header.requests_hash.is_some() {
            Fork::Prague
        } else if header.parent_beacon_block_root.is_some() {
            Fork::Cancun
        } else if header.withdrawals_root.is_some() {
            Fork::Shanghai
        } else {
            Fork::Paris
        }
    }
}

/// A chain's fork schedule and deposit contract.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    hardforks: EthereumChainHardforks,
    deposit_contract: Option<Address>,
}

impl ChainSpec {
    /// The published schedule of a known chain, else a development chain on `dev_fork`.
    pub fn new(chain_id: u64, dev_fork: Fork) -> Self {
        match chain_id {
            1 => Self {
                hardforks: EthereumChainHardforks::mainnet(),
                deposit_contract: Some(alloy_eips::eip6110::MAINNET_DEPOSIT_CONTRACT_ADDRESS),
            },
            11155111 => Self {
                hardforks: EthereumChainHardforks::sepolia(),
                deposit_contract: Some(address!("0x7f02c3e3c98b133055b8b348b2ac625669ed295d")),
            },
            _ => Self::dev(dev_fork),
        }
    }

    /// Whether the chain's fork schedule is known here (mainnet and Sepolia); other chains run the newest fork their header has fields for.
    pub fn is_known_chain(chain_id: u64) -> bool {
        matches!(chain_id, 1 | 11155111)
    }

    /// Every fork up to `fork` active from genesis; no deposit contract.
    pub fn dev(fork: Fork) -> Self {
        let last = fork.hardfork();
        let forks = EthereumHardfork::devnet().into_iter().filter(|(f, _)| *f <= last);
        Self { hardforks: EthereumChainHardforks::new(forks), deposit_contract: None }
    }

    /// The fork active at a block.
    pub fn fork_at(&self, header: &Header) -> Fork {
        let t = header.timestamp;
        if self.is_osaka_active_at_timestamp(t) {
            Fork::Osaka
        } else if self.is_prague_active_at_timestamp(t) {
            Fork::Prague
        } else if self.is_cancun_active_at_timestamp(t) {
            Fork::Cancun
        } else if self.is_shanghai_active_at_timestamp(t) {
            Fork::Shanghai
        } else {
            Fork::Paris
        }
    }

    /// Blob fee parameters at a block (EIP-4844, EIP-7691, EIP-7892 blob-parameter-only forks).
    pub fn blob_params(&self, header: &Header) -> Option<BlobParams> {
        let t = header.timestamp;
        let active = |fork| self.ethereum_fork_activation(fork).active_at_timestamp(t);
        if active(EthereumHardfork::Bpo2) {
            Some(BlobParams::bpo2())
        } else if active(EthereumHardfork::Bpo1) {
            Some(BlobParams::bpo1())
        } else if self.is_osaka_active_at_timestamp(t) {
            Some(BlobParams::osaka())
        } else if self.is_prague_active_at_timestamp(t) {
            Some(BlobParams::prague())
        } else if self.is_cancun_active_at_timestamp(t) {
            Some(BlobParams::cancun())
        } else {
            None
        }
    }
}

impl EthereumHardforks for ChainSpec {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.hardforks.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for ChainSpec {
    fn deposit_contract_address(&self) -> Option<Address> {
        self.deposit_contract
    }
}
