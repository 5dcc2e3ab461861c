//! The shape of a block header as the circuit reads it: the largest byte length of each field and
//! of the whole RLP. A leaf module: the class sizes (class.rs) and the circuit (block_state.rs)
//! both build on it.

use axiom_eth::rlp::max_rlp_encoding_len;

/// Largest byte length of each header field, in consensus order, through Prague's requestsHash.
/// Numbers are u64 (EIP-1985 style bounds), extraData at most 32 bytes (the consensus limit).
pub const HEADER_FIELDS_MAX_BYTES: [usize; 21] =
    [32, 32, 20, 32, 32, 32, 256, 32, 8, 8, 8, 8, 32, 32, 8, 32, 32, 8, 8, 32, 32];
/// A header has at least the 15 pre-London fields; this is the shortest such RLP.
pub const HEADER_MIN_BYTES: usize = 479;

/// The largest RLP a header of these fields can have.
pub const fn header_max_len() -> usize {
    let mut payload = 0;
    let mut i = 0;
    while i < HEADER_FIELDS_MAX_BYTES.len() {
        payload += max_rlp_encoding_len(HEADER_FIELDS_MAX_BYTES[i]);
        i += 1;
    }
    max_rlp_encoding_len(payload)
}
