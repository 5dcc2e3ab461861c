//! Capture's progress: its rounds of JSON-RPC calls, told to the caller's [`Progress`] as call
//! counts over every round (the command line draws them as a bar; serve's follower shows none).

use std::sync::atomic::{AtomicUsize, Ordering};

use progress::{Progress, Step};

/// Counts the calls of every round so far.
pub(crate) struct Rounds<'a> {
    progress: &'a dyn Progress,
    asked: AtomicUsize,
    answered: AtomicUsize,
}

impl<'a> Rounds<'a> {
    pub(crate) fn new(progress: &'a dyn Progress) -> Self {
        Self { progress, asked: AtomicUsize::new(0), answered: AtomicUsize::new(0) }
    }

    /// Runs one round of `calls` calls; `run` is handed the count of calls each batch answers.
    pub(crate) fn round<T>(&self, what: &str, calls: usize, run: impl FnOnce(&(dyn Fn(usize) + Sync)) -> T) -> T {
        let total = self.asked.fetch_add(calls, Ordering::Relaxed) + calls;
        self.progress.step(Step::Calls { round: what, done: self.answered.load(Ordering::Relaxed), total });
        run(&|answered| {
            let done = self.answered.fetch_add(answered, Ordering::Relaxed) + answered;
            self.progress.step(Step::Calls { round: what, done, total });
        })
    }

    /// The capture is over.
    pub(crate) fn finish(&self) {
        self.progress.finish();
    }
}
