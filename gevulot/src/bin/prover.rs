//! The Gevulot prover: one process, synchronous, never forks or executes, writes only to its
//! task's output directory. See the `gevulot` crate.

host_cpu::check_cpu_at_start!("prover", vm_init);

fn main() -> std::process::ExitCode {
    gevulot::entry::main("prover", &|task| Ok(gevulot::tasks::prove(task)?))
}
