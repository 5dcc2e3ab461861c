//! The Gevulot prover: one process, synchronous, never forks or executes, writes only to its
//! task's output directory. See the `gevulot` crate.

host_cpu::check_cpu_at_start!("prover", gevulot::init::console_before_boot, gevulot::init::power_off_if_pid1);

fn main() -> std::process::ExitCode {
    gevulot::entry::main("prover", &gevulot::tasks::prove)
}
