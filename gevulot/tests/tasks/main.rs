//! The prover and verifier binaries on their Gevulot tasks: natively in each contract form (v1
//! file, v1 gRPC, v2), with bad tasks, and booted in the VM images under QEMU (TCG). One real
//! state proof of a real anvil block (one account, one micro chunk) is made once and shared; the
//! execution proof they verify is committed (execution.rs says why).

mod execution;
mod fixture;
mod native;
mod node;
mod vm;
mod vm_disk;
