//! Consensus checks of a header against its parent that do not need execution (the post-merge
//! rules of the execution layer: gas limit, base fee, blob gas, timestamps, empty PoW fields).

use alloc::{format, string::String};

use alloy_consensus::{constants::EMPTY_OMMER_ROOT_HASH, Header};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{B64, U256};

use crate::{
    chain::{ChainSpec, Fork},
    error::StatelessError,
};

const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
const MIN_GAS_LIMIT: u64 = 5000;
const MAX_EXTRA_DATA: usize = 32;

/// The header rules against the parent that need no execution: number, timestamp, gas limit, gas used, base fee, PoW fields, extra data, and each fork's fields.
pub fn validate_header(header: &Header, parent: &Header, spec: &ChainSpec, fork: Fork) -> Result<(), StatelessError> {
    let fail = |reason: String| Err(StatelessError::Header { number: header.number, reason });
    if header.number != parent.number + 1 {
        return fail(format!("number follows parent {}", parent.number));
    }
    if header.timestamp <= parent.timestamp {
        return fail(format!("timestamp {} is not after the parent's {}", header.timestamp, parent.timestamp));
    }
    if header.difficulty != U256::ZERO || header.nonce != B64::ZERO || header.ommers_hash != EMPTY_OMMER_ROOT_HASH {
        return fail("difficulty, nonce and ommers must be empty after the merge".into());
    }
    if header.extra_data.len() > MAX_EXTRA_DATA {
        return fail(format!("extraData is {} bytes, at most {MAX_EXTRA_DATA}", header.extra_data.len()));
    }
    if header.gas_used > header.gas_limit {
        return fail(format!("gasUsed {} is above gasLimit {}", header.gas_used, header.gas_limit));
    }
    // Clients keep gas in a signed 64-bit integer; the tests pin that bound.
    if header.gas_limit > i64::MAX as u64 {
        return fail(format!("gasLimit {} is above 2^63-1", header.gas_limit));
    }
    let bound = parent.gas_limit / GAS_LIMIT_BOUND_DIVISOR;
    if header.gas_limit.abs_diff(parent.gas_limit) >= bound || header.gas_limit < MIN_GAS_LIMIT {
        return fail(format!("gasLimit {} is out of bounds of the parent's {}", header.gas_limit, parent.gas_limit));
    }
    let expected_base_fee = parent.next_block_base_fee(BaseFeeParams::ethereum());
    if header.base_fee_per_gas != expected_base_fee {
        return fail(format!("baseFeePerGas is {:?}, expected {:?}", header.base_fee_per_gas, expected_base_fee));
    }
    if header.withdrawals_root.is_some() != (fork >= Fork::Shanghai) {
        return fail(format!("withdrawalsRoot presence does not fit {}", fork.name()));
    }
    let cancun = fork >= Fork::Cancun;
    if header.blob_gas_used.is_some() != cancun
        || header.excess_blob_gas.is_some() != cancun
        || header.parent_beacon_block_root.is_some() != cancun
    {
        return fail(format!("blob gas and beacon root fields do not fit {}", fork.name()));
    }
    if header.requests_hash.is_some() != (fork >= Fork::Prague) {
        return fail(format!("requestsHash presence does not fit {}", fork.name()));
    }
    if let (Some(params), Some(excess)) = (spec.blob_params(header), header.excess_blob_gas) {
        // The first block of Cancun has a parent without blob fields: both count as zero.
        let expected = params.next_block_excess_blob_gas_osaka(
            parent.excess_blob_gas.unwrap_or(0),
            parent.blob_gas_used.unwrap_or(0),
            parent.base_fee_per_gas.unwrap_or(0),
        );
        if excess != expected {
            return fail(format!("excessBlobGas is {excess}, expected {expected}"));
        }
        if header.blob_gas_used.unwrap_or(0) > params.max_blob_gas_per_block() {
            return fail(format!("blobGasUsed is above the maximum {}", params.max_blob_gas_per_block()));
        }
    }
    Ok(())
}
