//! The Gevulot prover: one process, synchronous, never forks or executes, writes only to its
//! task's output directory. See the `gevulot` crate.

fn main() -> std::process::ExitCode {
    gevulot::entry::main("prover", &gevulot::tasks::prove)
}
