//! Blocking JSON-RPC transport (see README: why not ethers-providers).

mod client;
mod error;

pub use client::{Call, CallResult, RpcClient, RpcConfig, RpcStats};
pub use error::RpcError;
