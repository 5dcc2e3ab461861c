//! SHA-256 on OpenVM's SHA-2 extension: the compression of one 64-byte block is one VM
//! instruction (`zkvm_sha256_impl`), where in software it is a few thousand. The padding
//! (FIPS 180-4, 5.1.1) is done here: a 0x80 byte, zeros, and the message's length in bits as a
//! big-endian u64, so that the padded message is a whole number of blocks.

/// The initial hash value (FIPS 180-4, 5.3.3).
const INITIAL: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// One block into the state. The extension keeps the state as eight u32 words in the VM's
/// (little-endian) byte order and reads the block as the message's bytes.
fn compress(state: &mut [u32; 8], block: &[u8]) {
    debug_assert_eq!(block.len(), 64);
    let mut next = [0u32; 8];
    // SAFETY: `state` and `next` are 32 bytes, `block` is 64 (the caller's chunks); the extension
    // copies any of them that is not 4-byte aligned.
    unsafe {
        openvm_sha2_guest::zkvm_sha256_impl(state.as_ptr().cast(), block.as_ptr(), next.as_mut_ptr().cast());
    }
    *state = next;
}

/// SHA-256 of `input`.
pub fn digest(input: &[u8]) -> [u8; 32] {
    let mut state = INITIAL;
    let mut blocks = input.chunks_exact(64);
    for block in &mut blocks {
        compress(&mut state, block);
    }
    // The rest, then the padding: one block when the length still fits after the 0x80, two
    // otherwise.
    let rest = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let end = if rest.len() < 56 { 64 } else { 128 };
    tail[end - 8..end].copy_from_slice(&((input.len() as u64) * 8).to_be_bytes());
    for block in tail[..end].chunks_exact(64) {
        compress(&mut state, block);
    }
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}
