//! The model that projects a split proof's wall time on W workers from the pieces measured on one
//! machine. Written out so that the table can be read against it:
//!
//! - the plan (witness check and metered execution) runs once, first, on one machine;
//! - the segments are list-scheduled on W workers, longest first (a worker takes the next piece
//!   when it is free, as the jobs table hands them out); a segment costs the execution from the
//!   beginning to its start plus its proof, as measured, plus the setup a worker process spent
//!   around them (guest loaded, keys made), as measured;
//! - the leaves (groups of 4 segments) are scheduled the same way once every segment is done (a
//!   leaf can start as soon as its own 4 are: ignored, so the model is slightly pessimistic);
//! - the internal layers and the last wrap run on one machine: serial, as measured.
//!
//! Not modelled: moving the witness and the pieces between machines (a mainnet witness is a few
//! MB, a segment piece about 1.5 MB), and the database's round trips (milliseconds).

/// What one whole split proof measured, seconds.
#[derive(Debug)]
pub(crate) struct Measured {
    /// The witness check and the metered execution (once).
    pub(crate) plan: f64,
    /// Each segment: (execution to its start, its proof).
    pub(crate) segments: Vec<(f64, f64)>,
    /// Each leaf of the aggregation.
    pub(crate) leaves: Vec<f64>,
    /// The rest of the aggregation: the leaves checked, the internal layers, the last wrap.
    pub(crate) aggregate: f64,
    /// A worker process's setup for each piece (guest transpiled, app key made): the mean of a
    /// `prove_segment` process's wall time less the segment's own times.
    pub(crate) setup: f64,
}

/// The makespan of `jobs` on `workers`, longest first onto the least loaded worker.
pub(crate) fn schedule(jobs: &[f64], workers: usize) -> f64 {
    let mut sorted = jobs.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a)); // descending: longest first
    let mut load = vec![0.0f64; workers.max(1)];
    for job in sorted {
        let least = load.iter_mut().min_by(|a, b| a.total_cmp(b)).expect("at least one worker");
        *least += job;
    }
    load.into_iter().fold(0.0, f64::max)
}

/// The projected wall time (seconds) on `workers`, and the serial part (plan and aggregation).
pub(crate) fn wall(m: &Measured, workers: usize) -> (f64, f64) {
    let segments: Vec<f64> = m.segments.iter().map(|(execute, prove)| m.setup + execute + prove).collect();
    let leaves: Vec<f64> = m.leaves.iter().map(|l| m.setup + l).collect();
    let serial = m.plan + m.aggregate;
    (serial + schedule(&segments, workers) + schedule(&leaves, workers), serial)
}

/// The projection as a Markdown table.
pub(crate) fn project(m: &Measured, workers: &[usize]) -> String {
    let mut table =
        String::from("| workers | projected wall time | of which serial (plan + aggregation) |\n|---|---|---|\n");
    for &w in workers {
        let (total, serial) = wall(m, w);
        table.push_str(&format!("| {w} | {:.1} min | {:.1} min |\n", total / 60.0, serial / 60.0));
    }
    table
}
