//! Progress of proving on stderr: one step per circuit proof (hidden with `-q`, when stderr is not
//! a terminal, and in the VM); or, for a service, each phase handed to an observer.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Told each phase as it starts ("chunk 2/5: keccak", "proving 1 segment(s), aggregating").
pub type PhaseObserver = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Clone)]
pub struct ProveProgress {
    bar: ProgressBar,
    observer: Option<PhaseObserver>,
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
        if visible {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
        Self { bar, observer: None }
    }

    pub fn hidden() -> Self {
        Self::new(false)
    }

    /// No display; each phase goes to `observer`.
    pub fn observed(observer: PhaseObserver) -> Self {
        Self { observer: Some(observer), ..Self::hidden() }
    }

    pub fn phase(&self, what: &str) {
        tracing::info!(phase = what);
        if let Some(observer) = &self.observer {
            observer(what);
        }
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
