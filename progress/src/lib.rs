//! Progress of long work, as the libraries report it: capture's rounds of calls, the state proof's
//! chunks, the execution proof's segments and aggregation. A library takes a `&dyn Progress` and
//! tells it each [`Step`] as it starts; it never draws anything. The edges decide what a step
//! looks like: `prover_cmd` draws an indicatif bar, `serve` records the step in the job's row, the
//! Gevulot binaries log it. [`Silent`] ignores everything.

use std::fmt;

/// One step of long work, told as it starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step<'a> {
    /// A phase with a name of its own ("checking the witness", "loading params").
    Phase(&'a str),
    /// A round of JSON-RPC calls during capture: `done` of `total` calls so far, over every round.
    Calls {
        /// What the round fetches ("blocks and headers", "pre-state proofs").
        round: &'a str,
        /// Calls answered so far, over every round.
        done: usize,
        /// Calls asked for so far, over every round.
        total: usize,
    },
    /// A state proof's chunk `index` (from 0) of `count`, one of its two circuits.
    Chunk {
        /// The chunk, from 0.
        index: usize,
        /// How many chunks the witness makes.
        count: usize,
        /// `block-state` or `keccak`.
        circuit: &'a str,
    },
    /// An execution proof's segment `index` (from 0) of `count` is being proven.
    Segment {
        /// The segment, from 0.
        index: usize,
        /// How many segments the run has.
        count: usize,
    },
    /// A split proof's leaf `index` (from 0) of `count`: one STARK over a group of consecutive
    /// segment proofs, the aggregation's first layer.
    Leaf {
        /// The leaf, from 0.
        index: usize,
        /// How many leaves the run has.
        count: usize,
    },
    /// The segment proofs are being aggregated into one proof.
    Aggregating {
        /// How many segment proofs go in.
        segments: usize,
    },
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Phase(phase) => f.write_str(phase),
            Step::Calls { round, done, total } => write!(f, "{round}: {done}/{total} calls"),
            Step::Chunk { index, count, circuit } => {
                let circuit = if *circuit == "block-state" { "block state" } else { circuit };
                write!(f, "chunk {}/{count}: {circuit}", index + 1)
            }
            Step::Segment { index, count } => write!(f, "proving segment {} of {count}, then aggregating", index + 1),
            Step::Leaf { index, count } => write!(f, "aggregating leaf {} of {count}", index + 1),
            Step::Aggregating { segments } => write!(f, "aggregating {segments} segment proof(s)"),
        }
    }
}

/// Told each step of long work. Every method has a default that does nothing, so an edge
/// implements only what it shows. Called from the working threads (capture calls it from its
/// request threads), hence `Sync`.
pub trait Progress: Sync {
    /// A step starts.
    fn step(&self, _step: Step<'_>) {}
    /// The work is over (successfully or not): a bar clears itself.
    fn finish(&self) {}
}

/// Progress nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

/// A closure as the edge's progress (tests, simple logs).
impl<F: Fn(Step<'_>) + Sync> Progress for F {
    fn step(&self, step: Step<'_>) {
        self(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_the_logs_and_the_page_show_them() {
        assert_eq!(Step::Phase("loading params").to_string(), "loading params");
        assert_eq!(Step::Chunk { index: 1, count: 5, circuit: "keccak" }.to_string(), "chunk 2/5: keccak");
        assert_eq!(Step::Chunk { index: 0, count: 2, circuit: "block-state" }.to_string(), "chunk 1/2: block state");
        assert_eq!(
            Step::Segment { index: 0, count: 1 }.to_string(),
            "proving segment 1 of 1, then aggregating",
            "prove_verify_execution looks for this line"
        );
        assert_eq!(Step::Leaf { index: 1, count: 8 }.to_string(), "aggregating leaf 2 of 8");
        assert_eq!(
            Step::Calls { round: "pre-state proofs", done: 3, total: 9 }.to_string(),
            "pre-state proofs: 3/9 calls"
        );
        let seen = std::sync::Mutex::new(Vec::new());
        let record = |step: Step<'_>| seen.lock().unwrap().push(step.to_string());
        let progress: &dyn Progress = &record;
        progress.step(Step::Aggregating { segments: 3 });
        progress.finish();
        Silent.step(Step::Phase("ignored"));
        assert_eq!(*seen.lock().unwrap(), vec!["aggregating 3 segment proof(s)".to_string()]);
    }
}
