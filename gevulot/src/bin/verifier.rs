//! The Gevulot verifier: one process, synchronous, never forks or executes, writes nothing but its
//! result. See the `gevulot` crate.

host_cpu::check_cpu_at_start!("verifier", vm_init);

fn main() -> std::process::ExitCode {
    gevulot::entry::main("verifier", &|task| Ok(gevulot::tasks::verify(task)?))
}
