//! Test parts that stand in for nothing: a real anvil node, a JSON-RPC server that answers from
//! recorded mainnet node answers, and a proxy that misbehaves on purpose. Speaks plain JSON so that
//! it depends on none of the project's crates.

pub mod anvil;
pub mod blocks;
pub mod browser;
pub mod consensus;
pub mod differential;
pub mod fault;
pub mod fixtures;
pub mod geth;
pub mod geth_blocks;
pub mod http;
pub mod key_cache;
pub mod postgres;
pub mod replay;

/// The workspace root (this crate sits one level below it).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("testkit is inside the workspace").to_path_buf()
}
