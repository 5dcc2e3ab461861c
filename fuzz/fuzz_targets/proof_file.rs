//! Any bytes as a proof file: the envelope (format, version, kind) that `verifier` and `serve`'s
//! `/verify` read before anything else, then the body as the kind it names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = proof::Envelope::decode(data, "fuzz input") {
        let kind = envelope.kind;
        let _ = envelope.into_body::<serde_json::Value>(kind);
    }
});
