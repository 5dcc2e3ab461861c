//! The guest's input: the stateless input in `stateless`'s own byte layout (RLP), which the guest
//! decodes with the same code.

use stateless::StatelessInput;

/// The guest's input bytes.
pub fn encode(input: &StatelessInput) -> Vec<u8> {
    input.to_bytes()
}
