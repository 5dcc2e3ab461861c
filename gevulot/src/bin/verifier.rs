//! The Gevulot verifier: one process, synchronous, never forks or executes, writes nothing but its
//! result. See the `gevulot` crate.

host_cpu::check_cpu_at_start!("verifier", gevulot::init::console_before_boot, gevulot::init::power_off_if_pid1);

fn main() -> std::process::ExitCode {
    gevulot::entry::main("verifier", &gevulot::tasks::verify)
}
