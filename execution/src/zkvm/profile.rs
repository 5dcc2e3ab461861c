//! Where the guest's instructions go: the run is executed in steps of `every` instructions and
//! the pc after each step is looked up in the guest ELF's symbol table, so each function gets
//! about its share of the run (a sampling profile, exact to within `every` instructions a
//! sample). Functions are then grouped into the block's phases by the crate and path their
//! names carry. Pure execution: no keys, no proof; about as long as the executor's own run.

use std::collections::BTreeMap;

use elf::{endian::LittleEndian, ElfBytes};
use openvm_sdk::{
    openvm_circuit::arch::{instructions::riscv::RV32_REGISTER_AS, VmExecutor, VmState},
    StdIn, F,
};
use serde::Serialize;

use super::{guest_failed, zkvm_error, Program, Zkvm};
use crate::ExecutionError;

/// A phase of the block's check, and the names that place a function in it (the first phase
/// whose pattern a demangled name contains wins).
const PHASES: &[(&str, &[&str])] = &[
    ("keccak (trie nodes, code, headers, KECCAK256)", &["keccak"]),
    // Before signature recovery: bn254's points and fields go through the same openvm_ecc and
    // openvm_algebra code, named after bn254's types.
    (
        "bn254 (curve and pairing extensions)",
        &["openvm_pairing", "execution_guest::bn254", "bn254g1affine", "bn254fp", "g2affine"],
    ),
    (
        "signature recovery (secp256k1, curve extension)",
        &["k256", "ecdsa", "secp256k1", "openvm_ecc", "openvm_algebra", "recover_signer", "ecrecover"],
    ),
    ("sha256 (SHA-2 extension)", &["openvm_sha2", "execution_guest::sha256"]),
    ("precompiles in software: sha256", &["sha2", "sha256"]),
    ("precompiles in software: ripemd160", &["ripemd"]),
    ("precompiles in software: modexp", &["modexp", "aurora_engine"]),
    ("precompiles in software: bn254", &["substrate_bn", "bn128", "bn254", "ark_bn254"]),
    ("precompiles in software: KZG point evaluation", &["kzg", "c_kzg"]),
    ("precompiles in software: BLS12-381", &["blst", "bls12"]),
    ("precompiles in software: P-256", &["p256", "secp256r1"]),
    ("precompiles in software: other", &["revm_precompile"]),
    ("tries (pre-state proofs, post-state root)", &["alloy_trie", "::trie", "sparsetrie", "nybbles", "nibbles"]),
    ("RLP encoding and decoding", &["alloy_rlp", "rlp::"]),
    ("EVM interpreter and state (revm)", &["revm", "alloy_evm"]),
    ("memory allocation", &["alloc::", "raw_vec", "dlmalloc", "bump", "__rust_alloc", "__rust_realloc"]),
    ("input decoding", &["input_codec", "decode"]),
    ("other (headers, receipts, bloom, the guest's own code)", &[""]),
];

/// The compiler's memory helpers: leaves whose cost belongs to whoever called them.
const HELPERS: &[&str] = &[
    "memcpy",
    "memset",
    "memmove",
    "memcmp",
    "bcmp",
    "compiler_builtins::mem::memmove",
    "compiler_builtins::mem::memcpy",
    "compiler_builtins::mem::memset",
];

/// Instructions by phase and by function.
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    /// Instructions executed in all.
    pub instructions: u64,
    /// Instructions between two samples.
    pub every: u64,
    /// `(phase, instructions)`, largest first.
    pub phases: Vec<(String, u64)>,
    /// `(function, instructions)`, the largest 30.
    pub functions: Vec<(String, u64)>,
}

/// The guest's functions: start address, end, demangled name; sorted by start.
fn symbols(elf_bytes: &[u8]) -> Result<Vec<(u64, u64, String)>, ExecutionError> {
    let bad = |e: elf::ParseError| ExecutionError::Guest(format!("the guest ELF's symbols: {e}"));
    let elf = ElfBytes::<LittleEndian>::minimal_parse(elf_bytes).map_err(bad)?;
    let (table, strings) =
        elf.symbol_table().map_err(bad)?.ok_or_else(|| ExecutionError::Guest("the guest ELF has no symbols".into()))?;
    let mut functions: Vec<(u64, u64, String)> = table
        .iter()
        .filter(|s| s.st_symtype() == elf::abi::STT_FUNC && s.st_size > 0)
        .filter_map(|s| {
            let name = strings.get(s.st_name as usize).ok()?;
            Some((s.st_value, s.st_value + s.st_size, format!("{:#}", rustc_demangle::demangle(name))))
        })
        .collect();
    functions.sort();
    Ok(functions)
}

fn function_at(functions: &[(u64, u64, String)], pc: u64) -> &str {
    let at = functions.partition_point(|(start, _, _)| *start <= pc);
    match at.checked_sub(1).map(|i| &functions[i]) {
        Some((_, end, name)) if pc < *end => name,
        _ => "(no symbol)",
    }
}

fn phase_of(function: &str) -> &'static str {
    let lower = function.to_lowercase();
    PHASES.iter().find(|(_, patterns)| patterns.iter().any(|p| lower.contains(p))).map_or("other", |(name, _)| name)
}

impl Zkvm {
    /// Profiles the guest's run on `input`: `total` instructions (metered execution's count), a
    /// sample every `every` instructions.
    pub fn profile(
        &self,
        elf_bytes: &[u8],
        program: &Program,
        input: &[u8],
        total: u64,
        every: u64,
    ) -> Result<Profile, ExecutionError> {
        let functions = symbols(elf_bytes)?;
        let executor = VmExecutor::<F, _>::new(self.config.clone()).map_err(zkvm_error("setting up the executor"))?;
        let instance = executor.instance(&program.0).map_err(zkvm_error("setting up the executor"))?;
        let every = every.max(1);
        let mut by_function: BTreeMap<String, u64> = BTreeMap::new();
        let mut state: Option<VmState<F>> = None;
        let mut done = 0;
        while done < total {
            let step = every.min(total - done);
            let next = match state.take() {
                None => instance.execute(StdIn::from_bytes(input), Some(step)),
                Some(state) => instance.execute_from_state(state, Some(step)),
            }
            .map_err(guest_failed)?;
            let function = function_at(&functions, u64::from(next.pc()));
            let key = if HELPERS.contains(&function) {
                // memcpy and its kind are a leaf: their cost is the caller's, found at `ra`.
                // SAFETY: RISC-V registers live in address space 1 as u8 cells, 4 a register.
                let ra = u32::from_le_bytes(unsafe { next.memory.read::<u8, 4>(RV32_REGISTER_AS, 4) });
                format!("{function} <- {}", function_at(&functions, u64::from(ra.saturating_sub(4))))
            } else {
                function.to_string()
            };
            *by_function.entry(key).or_default() += step;
            state = Some(next);
            done += step;
        }
        let mut phases: BTreeMap<&str, u64> = BTreeMap::new();
        for (function, n) in &by_function {
            // A helper's samples go to its caller's phase.
            let owner = function.split_once(" <- ").map_or(function.as_str(), |(_, caller)| caller);
            *phases.entry(phase_of(owner)).or_default() += n;
        }
        let mut phases: Vec<(String, u64)> = phases.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        phases.sort_by_key(|p| std::cmp::Reverse(p.1));
        let mut functions: Vec<(String, u64)> = by_function.into_iter().collect();
        functions.sort_by_key(|f| std::cmp::Reverse(f.1));
        functions.truncate(30);
        Ok(Profile { instructions: total, every, phases, functions })
    }
}
