//! Random EVM programs for the differential cases: a sequence of snippets, each from one opcode
//! family, whose results are written to storage (so that a difference in any of them changes the
//! state root), ending in STOP, RETURN, REVERT or SELFDESTRUCT. Opcodes a fork does not have are
//! used anyway now and then: an invalid opcode must halt the frame the same way in both.

use alloy_primitives::Address;
use stateless::Fork;

use super::rng::Rng;

/// What a program's snippets use, for the agreement counts per feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// Arithmetic, comparison, bitwise and shift opcodes.
    Arithmetic,
    /// The block and transaction environment (NUMBER, BASEFEE, BLOBHASH...).
    Environment,
    /// Memory, MCOPY, KECCAK256, the copy opcodes.
    Memory,
    /// SSTORE and SLOAD.
    Storage,
    /// TSTORE and TLOAD (EIP-1153).
    Transient,
    /// LOG0 to LOG4.
    Logs,
    /// CALL, STATICCALL, DELEGATECALL, CALLCODE to other contracts.
    Calls,
    /// Calls to precompiles, valid and invalid inputs.
    Precompiles,
    /// CREATE and CREATE2.
    Creates,
    /// REVERT.
    Revert,
    /// SELFDESTRUCT.
    SelfDestruct,
}

/// The precompiles a fork has: 1 to 9, the point evaluation (0x0a) from Cancun, BLS12-381 (0x0b to
/// 0x11) from Prague, P-256 verification (0x100) from Osaka.
pub fn precompiles(fork: Fork) -> Vec<Address> {
    let mut list: Vec<u16> = (1..=9).collect();
    if fork >= Fork::Cancun {
        list.push(0x0a);
    }
    if fork >= Fork::Prague {
        list.extend(0x0b..=0x11);
    }
    if fork >= Fork::Osaka {
        list.push(0x100);
    }
    list.into_iter().map(|n| Address::left_padding_from(&n.to_be_bytes())).collect()
}

/// A program being written.
pub struct Program {
    code: Vec<u8>,
    /// The next storage slot a result goes to.
    slot: u8,
    /// What it used.
    pub features: Vec<Feature>,
}

const PUSH1: u8 = 0x60;
const SSTORE: u8 = 0x55;

impl Program {
    fn new() -> Self {
        Self { code: Vec::new(), slot: 0, features: Vec::new() }
    }

    fn op(&mut self, op: u8) {
        self.code.push(op);
    }

    /// PUSH of `bytes` (1 to 32 of them).
    fn push(&mut self, bytes: &[u8]) {
        let bytes = if bytes.is_empty() { &[0u8][..] } else { &bytes[..bytes.len().min(32)] };
        self.code.push(0x5f + bytes.len() as u8);
        self.code.extend_from_slice(bytes);
    }

    fn push_word(&mut self, rng: &mut Rng) {
        let len = *rng.pick(&[1usize, 1, 2, 4, 8, 20, 32]);
        let bytes = rng.bytes(len);
        self.push(&bytes);
    }

    /// Stores the top of the stack in the next result slot.
    fn store_result(&mut self) {
        self.code.extend([PUSH1, self.slot, SSTORE]);
        self.slot = self.slot.wrapping_add(1);
    }

    fn uses(&mut self, feature: Feature) {
        if !self.features.contains(&feature) {
            self.features.push(feature);
        }
    }

    /// The bytecode.
    pub fn code(&self) -> &[u8] {
        &self.code
    }
}

/// A random program of `snippets` snippets for `fork`, which may call `others` (contracts and
/// accounts of the case).
pub fn random(rng: &mut Rng, fork: Fork, snippets: usize, others: &[Address]) -> Program {
    let mut p = Program::new();
    for _ in 0..snippets {
        match rng.below(11) {
            0 | 1 => arithmetic(rng, &mut p),
            2 => environment(rng, &mut p, fork),
            3 => memory(rng, &mut p, fork),
            4 => storage(rng, &mut p, fork),
            5 => logs(rng, &mut p),
            6 | 7 => call(rng, &mut p, fork, others),
            8 => create(rng, &mut p, fork),
            _ => arithmetic(rng, &mut p),
        }
    }
    end(rng, &mut p, others);
    p
}

fn arithmetic(rng: &mut Rng, p: &mut Program) {
    p.uses(Feature::Arithmetic);
    const BINARY: &[u8] = &[
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a,
        0x1b, 0x1c, 0x1d,
    ];
    if rng.below(8) == 0 {
        // ADDMOD / MULMOD: three operands.
        p.push_word(rng);
        p.push_word(rng);
        p.push_word(rng);
        p.op(*rng.pick(&[0x08, 0x09]));
    } else if rng.below(6) == 0 {
        p.push_word(rng);
        p.op(*rng.pick(&[0x15, 0x19]));
    } else {
        p.push_word(rng);
        p.push_word(rng);
        p.op(*rng.pick(BINARY));
    }
    p.store_result();
}

fn environment(rng: &mut Rng, p: &mut Program, fork: Fork) {
    p.uses(Feature::Environment);
    let mut ops: Vec<u8> = vec![
        0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x3d, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x58, 0x5a,
    ];
    if fork >= Fork::Cancun {
        ops.push(0x4a); // BLOBBASEFEE
    }
    match rng.below(6) {
        0 => {
            // BALANCE / EXTCODESIZE / EXTCODEHASH of a random or known account.
            p.push(&rng.bytes(20));
            p.op(*rng.pick(&[0x31, 0x3b, 0x3f]));
        }
        1 => {
            // BLOCKHASH of the parent, the block itself, or far back.
            p.op(0x43);
            p.push(&[*rng.pick(&[1u8, 0, 2, 255])]);
            p.op(0x90); // SWAP1
            p.op(0x03); // NUMBER - k
            p.op(0x40);
        }
        2 if fork >= Fork::Cancun || rng.below(4) == 0 => {
            p.push(&[rng.below(3) as u8]);
            p.op(0x49); // BLOBHASH
        }
        3 => {
            p.push(&[rng.below(64) as u8]);
            p.op(0x35); // CALLDATALOAD
        }
        _ => p.op(*rng.pick(&ops)),
    }
    p.store_result();
}

fn memory(rng: &mut Rng, p: &mut Program, fork: Fork) {
    p.uses(Feature::Memory);
    p.push_word(rng);
    p.push(&[rng.below(96) as u8]);
    p.op(*rng.pick(&[0x52, 0x53])); // MSTORE / MSTORE8
    match rng.below(4) {
        0 if fork >= Fork::Cancun || rng.below(4) == 0 => {
            // MCOPY(dest, src, len)
            p.push(&[rng.below(64) as u8]);
            p.push(&[rng.below(64) as u8]);
            p.push(&[rng.below(64) as u8]);
            p.op(0x5e);
        }
        1 => {
            // CALLDATACOPY / CODECOPY / RETURNDATACOPY (dest, offset, len)
            p.push(&[rng.below(16) as u8]);
            p.push(&[rng.below(16) as u8]);
            p.push(&[rng.below(32) as u8]);
            p.op(*rng.pick(&[0x37, 0x39, 0x3e]));
        }
        _ => {}
    }
    // KECCAK256 of a slice of memory, or MLOAD, or MSIZE.
    match rng.below(3) {
        0 => {
            p.push(&[rng.below(64) as u8]);
            p.push(&[rng.below(32) as u8]);
            p.op(0x20);
        }
        1 => {
            p.push(&[rng.below(64) as u8]);
            p.op(0x51);
        }
        _ => p.op(0x59),
    }
    p.store_result();
}

fn storage(rng: &mut Rng, p: &mut Program, fork: Fork) {
    let transient = (fork >= Fork::Cancun && rng.below(3) == 0) || rng.below(12) == 0;
    p.uses(if transient { Feature::Transient } else { Feature::Storage });
    let (store, load) = if transient { (0x5d, 0x5c) } else { (SSTORE, 0x54) };
    let slot = rng.below(8) as u8 + 0x80;
    if rng.below(3) == 0 {
        p.push(&[0]); // clearing a slot (a refund when it was set)
    } else {
        p.push_word(rng);
    }
    p.push(&[slot]);
    p.op(store);
    p.push(&[slot]);
    p.op(load);
    p.store_result();
}

fn logs(rng: &mut Rng, p: &mut Program) {
    p.uses(Feature::Logs);
    let topics = rng.below(5) as u8;
    for _ in 0..topics {
        p.push_word(rng);
    }
    p.push(&[rng.below(40) as u8]); // length
    p.push(&[rng.below(32) as u8]); // offset
    p.op(0xa0 + topics);
}

fn call(rng: &mut Rng, p: &mut Program, fork: Fork, others: &[Address]) {
    let to_precompile = rng.below(2) == 0;
    let target = if to_precompile || others.is_empty() {
        p.uses(Feature::Precompiles);
        *rng.pick(&precompiles(fork))
    } else {
        p.uses(Feature::Calls);
        *rng.pick(others)
    };
    // The input: a valid one for the precompile now and then, random bytes otherwise (of a
    // length a precompile accepts now and then).
    let input = match valid_input(rng, target) {
        Some(input) if to_precompile && rng.below(2) == 0 => input,
        _ => {
            let len = *rng.pick(&[0usize, 32, 56, 64, 96, 128, 160, 192, 213, 256, 384, 480]);
            rng.bytes(len)
        }
    };
    let kind = *rng.pick(&[0xf1u8, 0xf1, 0xfa, 0xf4, 0xf2]);
    let value = matches!(kind, 0xf1 | 0xf2).then(|| rng.below(3) as u8);
    let gas = rng.below(200_000) as u32 + 2_000;
    call_with(p, target, &input, kind, value, gas);
}

/// Writes `input` to memory, makes the call (`kind`: CALL, CALLCODE, DELEGATECALL or STATICCALL;
/// `value` for the first two) and stores whether it succeeded, the size of what it returned and
/// the first word returned.
fn call_with(p: &mut Program, target: Address, input: &[u8], kind: u8, value: Option<u8>, gas: u32) {
    let len = input.len();
    for (word, chunk) in input.chunks(32).enumerate() {
        let mut bytes = chunk.to_vec();
        bytes.resize(32, 0);
        p.push(&bytes);
        p.push(&((word * 32) as u16).to_be_bytes());
        p.op(0x52);
    }
    p.push(&[32]); // retLength
    p.push(&[0]); // retOffset
    p.push(&(len as u16).to_be_bytes()); // argsLength
    p.push(&[0]); // argsOffset
    if let Some(value) = value {
        p.push(&[value]);
    }
    p.push(target.as_slice());
    p.push(&gas.to_be_bytes());
    p.op(kind);
    p.store_result(); // success
    p.op(0x3d); // RETURNDATASIZE
    p.store_result();
    p.push(&[0]);
    p.op(0x51); // the first word returned
    p.store_result();
}

/// A program of `calls` STATICCALLs, each to the precompile and with the input `next` gives
/// (inputs that reach past a precompile's first checks: bn254_inputs.rs, kzg_inputs.rs), with gas
/// for each: the blocks a zkVM guest's precompiles are held to revm's with.
pub fn precompile_calls(rng: &mut Rng, calls: usize, next: fn(&mut Rng) -> (u16, Vec<u8>)) -> Program {
    let mut p = Program::new();
    p.uses(Feature::Precompiles);
    for _ in 0..calls {
        let (target, input) = next(rng);
        call_with(&mut p, Address::left_padding_from(&target.to_be_bytes()), &input, 0xfa, None, 400_000);
    }
    p.op(0x00);
    p
}

/// A valid input for a precompile, where one is easy to write: a signature the sender made
/// (ecrecover), SHA-256 and RIPEMD-160 and the identity of anything, a small modexp, bn254 sums and
/// products of its generator, an empty pairing (true).
fn valid_input(rng: &mut Rng, target: Address) -> Option<Vec<u8>> {
    let word = |n: u64| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&n.to_be_bytes());
        w.to_vec()
    };
    let g1 = [word(1), word(2)].concat();
    match u16::from_be_bytes([target.0[18], target.0[19]]) {
        1 => Some(super::generate::signed_hash(rng)),
        2..=4 => {
            let len = rng.below(100) as usize;
            Some(rng.bytes(len))
        }
        // base^exp mod m with 1-byte lengths.
        5 => Some(
            [word(1), word(1), word(1), vec![rng.below(256) as u8, rng.below(256) as u8, 1 + rng.below(255) as u8]]
                .concat(),
        ),
        6 => Some([g1.clone(), g1].concat()),
        7 => Some([g1, word(rng.below(1 << 40))].concat()),
        8 => Some(Vec::new()),
        _ => None,
    }
}

fn create(rng: &mut Rng, p: &mut Program, fork: Fork) {
    p.uses(Feature::Creates);
    // Init code that returns a small runtime (or reverts): stored in memory at 0.
    let mut init = Program::new();
    init.push(&[0x60, 0x2a, 0x60, 0x00, 0x55, 0x00]); // runtime: SSTORE(0, 42); STOP
    init.push(&[0]);
    init.op(0x52);
    if rng.below(5) == 0 {
        init.push(&[0]);
        init.push(&[0]);
        init.op(0xfd);
    } else {
        init.push(&[6]);
        init.push(&[26]);
        init.op(0xf3);
    }
    let code = init.code().to_vec();
    for (i, chunk) in code.chunks(32).enumerate() {
        let mut word = chunk.to_vec();
        word.resize(32, 0);
        p.push(&word);
        p.push(&[(i * 32) as u8]);
        p.op(0x52);
    }
    let create2 = fork >= Fork::Paris && rng.below(2) == 0;
    if create2 {
        p.push(&rng.bytes(4)); // salt
    }
    p.push(&[code.len() as u8]);
    p.push(&[0]);
    p.push(&[rng.below(2) as u8]); // value
    p.op(if create2 { 0xf5 } else { 0xf0 });
    p.store_result();
}

fn end(rng: &mut Rng, p: &mut Program, others: &[Address]) {
    match rng.below(10) {
        0 => {
            p.uses(Feature::Revert);
            p.push(&[rng.below(32) as u8]);
            p.push(&[0]);
            p.op(0xfd);
        }
        1 if !others.is_empty() => {
            p.uses(Feature::SelfDestruct);
            p.push(rng.pick(others).as_slice());
            p.op(0xff);
        }
        2 => {
            p.push(&[32]);
            p.push(&[0]);
            p.op(0xf3);
        }
        _ => p.op(0x00),
    }
}
