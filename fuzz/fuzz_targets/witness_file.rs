//! Any bytes as a witness file (JSON or bincode, told apart by content as `witness_inspect` does),
//! and whatever decodes through every native check and the stateless re-execution: an error is
//! fine, a panic, a hang or an allocation the input does not pay for is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(witness) = witness::file::decode(data, "fuzz input") {
        let _ = witness::check_witness(&witness);
    }
});
