//! The command line's picture of progress: an indicatif bar on stderr (hidden with `-q`, when
//! stderr is not a terminal, and in the VM), fed by the libraries' [`Step`]s.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use progress::{Progress, Step};

/// A bar for proving (one step per circuit proof, or per segment) or capturing (per call).
pub(crate) struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar on stderr, unless `quiet` or stderr is not a terminal (then nothing is drawn).
    pub(crate) fn new(quiet: bool, unit: &str) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let template = format!("{{spinner}} {{msg:<42}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{elapsed}} (eta {{eta}})");
        bar.set_style(ProgressStyle::with_template(&template).expect("valid template").progress_chars("=> "));
        if visible {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
        Self { bar }
    }
}

impl Progress for Bar {
    fn step(&self, step: Step<'_>) {
        match step {
            Step::Calls { done, total, .. } => {
                self.bar.set_length(total as u64);
                self.bar.set_position(done as u64);
            }
            Step::Chunk { index, count, circuit } => {
                self.bar.set_length(2 * count as u64);
                self.bar.set_position(2 * index as u64 + u64::from(circuit == "keccak"));
            }
            Step::Segment { index, count } => {
                self.bar.set_length(count as u64);
                self.bar.set_position(index as u64);
            }
            Step::Leaf { index, count } => {
                self.bar.set_length(count as u64);
                self.bar.set_position(index as u64);
            }
            Step::Phase(_) | Step::Aggregating { .. } => {}
        }
        // The log says each step but capture's call counts (they only move the bar).
        if !matches!(step, Step::Calls { .. }) {
            tracing::info!(phase = %step);
        }
        match step {
            // The bar already counts the calls.
            Step::Calls { round, .. } => self.bar.set_message(round.to_string()),
            _ => self.bar.set_message(step.to_string()),
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
