//! The Gevulot verifier: one process, synchronous, never forks or executes, writes nothing but its
//! result. See the `gevulot` crate.

fn main() -> std::process::ExitCode {
    gevulot::entry::main("verifier", &gevulot::tasks::verify)
}
