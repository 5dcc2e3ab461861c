//! Prover settings, with defaults measured for a 2-core, 24 GiB machine.

/// How the zkVM proves. None of these change what a proof proves: the verifying key depends on
/// `log_stacked_height` only through the app parameters, which is why it is fixed here and not a
/// command-line setting.
#[derive(Clone, Debug, PartialEq)]
pub struct ProverSettings {
    /// log2 of the stacked trace height of an app proof. OpenVM's default (24) spends about 96 s
    /// and 1.75 GB re-committing the program for every prover; at 20 that is about 6 s and
    /// 150 MB (measured, ../shared/NOTES.md). Part of the verifying key. It also caps a segment:
    /// no chip's trace may pass 2^20 rows, which is what ends most segments of a mainnet block.
    pub log_stacked_height: usize,
    /// The segment size, as OpenVM sets it: the proving memory (bytes, OpenVM's estimate) one
    /// segment may need; the executor starts a new segment before a segment would need more.
    /// Lower means more, shorter segments and a lower peak. Not part of the verifying key.
    pub segment_max_memory: usize,
    /// Threads that prove (None: one per core). Rayon's global pool, so one setting per process.
    pub threads: Option<usize>,
}

/// A prover setting out of its range.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingError {
    /// The segment memory is not a number of GiB between 1 and 1024.
    #[error("the segment memory must be between 1 and 1024 GiB, not {0}")]
    SegmentMemory(f64),
    /// Zero proving threads.
    #[error("the proving threads must be at least 1")]
    NoThreads,
}

impl ProverSettings {
    /// The `log_stacked_height` of every proof (part of the verifying key).
    pub const LOG_STACKED_HEIGHT: usize = 20;

    /// The settings with the segment memory given in GiB and the thread count, checked.
    pub fn new(segment_memory_gib: Option<f64>, threads: Option<usize>) -> Result<Self, SettingError> {
        let mut settings = Self::default();
        if let Some(gib) = segment_memory_gib {
            // Below about 0.7 GiB the guest's fixed-size chips alone pass the budget and every
            // check (each thousand instructions) starts a segment: the 1-transaction block became
            // 533 segments at 0.6 GiB, 9 at 0.8, 4 at 1 (measured). Above 1 TiB is a typo.
            if !(gib.is_finite() && (1.0..=1024.0).contains(&gib)) {
                return Err(SettingError::SegmentMemory(gib));
            }
            settings.segment_max_memory = (gib * (1u64 << 30) as f64) as usize;
        }
        if threads == Some(0) {
            return Err(SettingError::NoThreads);
        }
        settings.threads = threads;
        Ok(settings)
    }
}

impl Default for ProverSettings {
    fn default() -> Self {
        Self {
            log_stacked_height: Self::LOG_STACKED_HEIGHT,
            segment_max_memory: default_segment_memory(),
            threads: None,
        }
    }
}

/// 4 GiB of OpenVM's estimate. The estimate is well under what a segment's proof really takes
/// here: at OpenVM's own default (15 GiB) and at 8 GiB, one of mainnet 21230867's segments passed
/// 24 GiB of resident memory in its own process and was killed; at 4 GiB every segment of that
/// block fits (peaks in docs/performance.md, from `BENCH_SPLIT=mainnet cargo bench -p cli --bench
/// split`). Small blocks are one segment either way.
fn default_segment_memory() -> usize {
    4 << 30
}

#[cfg(test)]
mod tests {
    use super::{ProverSettings, SettingError};

    #[test]
    fn settings_out_of_range_are_refused_by_name() {
        let message = |e: SettingError| e.to_string();
        assert!(message(ProverSettings::new(Some(0.0), None).unwrap_err()).contains("segment memory"));
        assert!(message(ProverSettings::new(Some(f64::NAN), None).unwrap_err()).contains("segment memory"));
        assert!(message(ProverSettings::new(Some(4096.0), None).unwrap_err()).contains("segment memory"));
        assert_eq!(ProverSettings::new(None, Some(0)).unwrap_err(), SettingError::NoThreads);
        assert!(message(ProverSettings::new(Some(0.5), None).unwrap_err()).contains("between 1 and 1024 GiB"));
        let s = ProverSettings::new(Some(1.5), Some(3)).unwrap();
        assert_eq!((s.segment_max_memory, s.threads), (3 << 29, Some(3)));
        assert_eq!(ProverSettings::new(None, None).unwrap(), ProverSettings::default());
    }
}
