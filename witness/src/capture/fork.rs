//! Which fork a development chain's block runs under, as its node tells it.
//!
//! Mainnet's and Sepolia's schedules are built in. For any other chain the re-execution otherwise
//! takes the newest fork whose fields the header has, and some forks add no header field: an Osaka
//! header looks like Prague's, so an Osaka block would be re-executed without P-256 (EIP-7951) and
//! would not re-execute at all. EIP-7910's `eth_config` gives the node's active configuration: its
//! activation time and the precompiles and system contracts it enables, which tell the forks apart.

use std::collections::BTreeSet;

use alloy_consensus::Header;
use alloy_primitives::Address;
use serde::Deserialize;
use serde_json::{json, Value};
use stateless::{ChainSpec, Fork};

use super::CaptureError;
use crate::{
    from_rpc::ShapeError,
    rpc::{Call, CallResult, RpcError},
};

/// One configuration of `eth_config`'s answer (the fields read here; the rest is ignored).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForkConfig {
    activation_time: u64,
    chain_id: alloy_primitives::U64,
    precompiles: std::collections::BTreeMap<String, Address>,
    system_contracts: std::collections::BTreeMap<String, Address>,
}

/// `eth_config`'s answer: the configuration in force at the node's head, the next one scheduled
/// and the last one scheduled (either may be null).
#[derive(Deserialize)]
struct EthConfig {
    current: ForkConfig,
    next: Option<ForkConfig>,
    last: Option<ForkConfig>,
}

/// The `eth_config` call, asked with the block in the first round (its answer is read only for a
/// chain whose schedule is not built in).
pub(super) fn config_call() -> Call {
    Call::new("eth_config", json!([]))
}

/// The fork to name in the witness of `header`, a block of `chain_id`, from the answer to
/// [`config_call`]: `None` for a chain whose schedule is built in, for a node that does not serve
/// `eth_config`, and for a block older than the node's current configuration (whose earlier ones
/// `eth_config` does not give).
pub(super) fn named_fork(answer: CallResult, chain_id: u64, header: &Header) -> Result<Option<Fork>, CaptureError> {
    if ChainSpec::is_known_chain(chain_id) {
        return Ok(None);
    }
    match answer {
        Ok(config) => fork_of(&config, chain_id, header),
        Err(RpcError::Node { .. }) => {
            tracing::info!("the node does not serve eth_config: the fork is read from the header's fields");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The fork a configuration answer puts `header` under (see [`named_fork`]).
fn fork_of(answer: &Value, chain_id: u64, header: &Header) -> Result<Option<Fork>, CaptureError> {
    let shape = |e: &dyn std::fmt::Display| ShapeError::new("eth_config", e.to_string());
    let config = EthConfig::deserialize(answer).map_err(|e| shape(&e))?;
    let in_force = [Some(&config.current), config.next.as_ref(), config.last.as_ref()]
        .into_iter()
        .flatten()
        .filter(|c| c.activation_time <= header.timestamp)
        .max_by_key(|c| c.activation_time);
    let Some(in_force) = in_force else {
        tracing::warn!(
            block_time = header.timestamp,
            activation = config.current.activation_time,
            "the block is older than the node's current fork: the fork is read from the header's fields"
        );
        return Ok(None);
    };
    let config_chain = in_force.chain_id.to::<u64>();
    if config_chain != chain_id {
        return Err(shape(&format!("chain {config_chain}, but eth_chainId answered {chain_id}")).into());
    }
    let precompiles: BTreeSet<Address> = in_force.precompiles.values().copied().collect();
    let has_history_contract = in_force.system_contracts.contains_key("HISTORY_STORAGE_ADDRESS");
    let enabled = if precompiles.contains(&p256_verify()) {
        Fork::Osaka
    } else if precompiles.contains(&Address::with_last_byte(0x0b)) || has_history_contract {
        Fork::Prague
    } else if precompiles.contains(&Address::with_last_byte(0x0a)) {
        Fork::Cancun
    } else {
        Fork::Paris
    };
    // Shanghai and Paris enable the same precompiles; the header's withdrawals root tells them apart.
    Ok(Some(enabled.max(Fork::from_header_shape(header))))
}

/// EIP-7951's P256VERIFY, the first precompile of Osaka.
fn p256_verify() -> Address {
    Address::left_padding_from(&[0x01, 0x00])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration of the precompiles at `low` (one-byte addresses), with P256VERIFY when
    /// `p256`, and with the block-hash history contract when `history`.
    fn config(time: u64, low: &[u8], p256: bool, history: bool) -> Value {
        let mut map: serde_json::Map<String, Value> =
            low.iter().map(|b| (format!("P{b}"), json!(Address::with_last_byte(*b)))).collect();
        if p256 {
            map.insert("P256VERIFY".into(), json!(p256_verify()));
        }
        let system = if history { json!({"HISTORY_STORAGE_ADDRESS": Address::repeat_byte(0x29)}) } else { json!({}) };
        json!({"activationTime": time, "chainId": "0x539", "forkId": "0x0", "blobSchedule": null,
               "precompiles": map, "systemContracts": system})
    }

    fn prague_header(timestamp: u64) -> Header {
        Header {
            timestamp,
            withdrawals_root: Some(Default::default()),
            parent_beacon_block_root: Some(Default::default()),
            requests_hash: Some(Default::default()),
            ..Default::default()
        }
    }

    #[test]
    fn the_precompiles_in_force_name_the_fork() {
        let osaka = json!({"current": config(0, &[2, 10, 11], true, true), "next": null, "last": null});
        assert_eq!(fork_of(&osaka, 1337, &prague_header(5)).unwrap(), Some(Fork::Osaka));
        let prague = json!({"current": config(0, &[2, 10, 11], false, true), "next": null, "last": null});
        assert_eq!(fork_of(&prague, 1337, &prague_header(5)).unwrap(), Some(Fork::Prague));
    }

    #[test]
    fn a_block_before_the_current_configuration_names_none() {
        let later = json!({"current": config(100, &[2, 10, 11], true, true), "next": null, "last": null});
        assert_eq!(fork_of(&later, 1337, &prague_header(99)).unwrap(), None);
        // A scheduled configuration already in force at the block's time is the one read.
        let scheduled = json!({"current": config(0, &[2, 10, 11], false, true), "next": config(50, &[2, 10, 11], true, true), "last": null});
        assert_eq!(fork_of(&scheduled, 1337, &prague_header(60)).unwrap(), Some(Fork::Osaka));
        assert_eq!(fork_of(&scheduled, 1337, &prague_header(40)).unwrap(), Some(Fork::Prague));
    }

    #[test]
    fn an_answer_of_another_chain_or_shape_is_refused() {
        let osaka = json!({"current": config(0, &[2], true, true), "next": null, "last": null});
        let err = fork_of(&osaka, 1, &prague_header(5)).unwrap_err().to_string();
        assert!(err.contains("chain 1337, but eth_chainId answered 1"), "{err}");
        let err = fork_of(&json!({"current": 5}), 1337, &prague_header(5)).unwrap_err().to_string();
        assert!(err.contains("eth_config"), "{err}");
    }
}
