//! keccak256 on SP1's keccak-f[1600] precompile: the sponge (absorb, pad, squeeze) here, each
//! permutation one syscall. alloy-primitives' `native-keccak` calls `native_keccak256`, so every
//! keccak of the re-execution (trie nodes, block and code hashes, addresses) goes through it.

/// The sponge's rate for a 256-bit output: 1600 - 2·256 bits.
const RATE: usize = 136;

/// # Safety
/// `bytes` points to `len` readable bytes and `output` to 32 writable ones (alloy's contract).
#[no_mangle]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    let input = unsafe { core::slice::from_raw_parts(bytes, len) };
    let digest = keccak256(input);
    unsafe { core::ptr::copy_nonoverlapping(digest.as_ptr(), output, 32) };
}

pub fn keccak256(input: &[u8]) -> [u8; 32] {
    let mut state = [0u64; 25];
    let mut blocks = input.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut state, block);
    }
    // Keccak's (not SHA-3's) padding: 0x01, zeros, 0x80 in the last byte of the rate.
    let rest = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    let mut digest = [0u8; 32];
    for (out, lane) in digest.chunks_exact_mut(8).zip(state) {
        out.copy_from_slice(&lane.to_le_bytes());
    }
    digest
}

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, word) in state.iter_mut().zip(block.chunks_exact(8)) {
        *lane ^= u64::from_le_bytes(word.try_into().expect("8-byte word"));
    }
    sp1_zkvm::syscalls::syscall_keccak_permute(state);
}
