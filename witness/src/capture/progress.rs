//! Progress on stderr while capturing (hidden with `-q` or when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(visible: bool) -> Self {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg:<26} [{bar:30}] {pos}/{len} calls {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Self { bar }
    }

    pub fn hidden() -> Self {
        Self::new(false)
    }

    /// Runs one round of calls, advancing the bar as batches come back.
    pub fn round<T>(&self, what: &str, calls: usize, run: impl FnOnce(&(dyn Fn(usize) + Sync)) -> T) -> T {
        self.bar.set_message(what.to_string());
        self.bar.set_length(self.bar.length().unwrap_or(0) + calls as u64);
        let bar = self.bar.clone();
        run(&move |done| bar.inc(done as u64))
    }

    pub fn finish(&self, what: &str) {
        self.bar.set_message(what.to_string());
        self.bar.finish_and_clear();
    }
}
