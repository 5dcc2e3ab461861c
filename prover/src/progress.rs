//! Progress of proving on stderr: one step per circuit proof (hidden with `-q`, when stderr is not
//! a terminal, and in the VM).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct ProveProgress {
    bar: ProgressBar,
}

impl ProveProgress {
    pub fn new(visible: bool) -> Self {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg:<34} [{bar:30}] {pos}/{len} proofs {elapsed} (eta {eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Self { bar }
    }

    pub fn hidden() -> Self {
        Self::new(false)
    }

    pub fn phase(&self, what: &str) {
        self.bar.set_message(what.to_string());
    }

    pub fn set_proofs(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    pub fn proved(&self) {
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
