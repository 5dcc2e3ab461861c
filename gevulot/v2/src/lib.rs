//! Gevulot v2 manifests of the prover/verifier pair through gevulot-rs' own types: written from
//! one set of settings, checked as a node would take them, and turned into the messages a
//! deployment sends.

pub mod check;
pub mod manifest;
pub mod messages;
pub mod settings;
