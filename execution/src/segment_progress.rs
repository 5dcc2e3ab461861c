//! Which segment the prover is on. OpenVM proves a run's segments one after another on the calling
//! thread and opens a `prove_segment` span (field `segment`, from 0) for each, but has no callback
//! for it. `SegmentLayer`, added to the process's tracing subscriber, turns those spans into calls
//! of the observer the proving thread set with `observing_segments`.

use std::cell::RefCell;

use tracing::{field::Field, level_filters::LevelFilter, span, subscriber::Interest, Metadata, Subscriber};
use tracing_subscriber::{
    filter::Filtered,
    layer::{Context, Filter, Layer},
};

/// OpenVM's span around one segment's proof (openvm-circuit, `prove_continuations`).
const SEGMENT_SPAN: &str = "prove_segment";

type Observer = Box<dyn Fn(usize)>;

thread_local! {
    static OBSERVER: RefCell<Option<Observer>> = const { RefCell::new(None) };
}

/// Runs `run` with `observer` told each segment's index as its proof starts on this thread.
pub fn observing_segments<T>(observer: impl Fn(usize) + 'static, run: impl FnOnce() -> T) -> T {
    /// Clears the observer however `run` ends (a panic included).
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            OBSERVER.with(|o| o.borrow_mut().take());
        }
    }
    OBSERVER.with(|o| *o.borrow_mut() = Some(Box::new(observer)));
    let _reset = Reset;
    run()
}

/// The layer, filtered to OpenVM's segment spans only: whatever level the log shows, it sees them
/// and nothing else.
pub fn segment_layer<S: Subscriber>() -> Filtered<SegmentLayer, OnlySegmentSpans, S> {
    SegmentLayer.with_filter(OnlySegmentSpans)
}

/// Decided once per callsite (`Interest::never` for all the others), so that the prover's many
/// other spans and events, in hot loops, cost nothing when the log does not show them: a filter
/// asked on every hit made the 1-transaction proof markedly slower.
pub struct OnlySegmentSpans;

impl<S> Filter<S> for OnlySegmentSpans {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        is_segment_span(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if is_segment_span(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    /// OpenVM opens the span at INFO: the process's maximum level stays what the log asks for (or
    /// INFO), so that DEBUG and TRACE callsites in the prover's loops stay off at no cost.
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::INFO)
    }
}

fn is_segment_span(meta: &Metadata<'_>) -> bool {
    meta.is_span() && meta.name() == SEGMENT_SPAN
}

/// The tracing layer that tells the proving thread's observer each segment as its proof starts.
pub struct SegmentLayer;

impl<S: Subscriber> Layer<S> for SegmentLayer {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _id: &span::Id, _ctx: Context<'_, S>) {
        if attrs.metadata().name() != SEGMENT_SPAN {
            return;
        }
        let mut index = SegmentIndex(None);
        attrs.record(&mut index);
        if let Some(i) = index.0 {
            OBSERVER.with(|o| {
                if let Some(observer) = o.borrow().as_ref() {
                    observer(i as usize);
                }
            });
        }
    }
}

struct SegmentIndex(Option<u64>);

impl tracing::field::Visit for SegmentIndex {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "segment" {
            self.0 = Some(value);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use std::{cell::Cell, rc::Rc};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn segment_spans_reach_the_observer_of_their_thread_only() {
        let subscriber = tracing_subscriber::registry().with(segment_layer());
        tracing::subscriber::with_default(subscriber, || {
            let seen = Rc::new(Cell::new(Vec::new()));
            let record = seen.clone();
            observing_segments(
                move |i| {
                    let mut v = record.take();
                    v.push(i);
                    record.set(v);
                },
                || {
                    for segment in 0..3usize {
                        let _span = tracing::info_span!("prove_segment", segment).entered();
                        let _other = tracing::info_span!("total_proof").entered();
                    }
                },
            );
            assert_eq!(seen.take(), vec![0, 1, 2]);
            // No observer once the run is over.
            let _span = tracing::info_span!("prove_segment", segment = 7usize).entered();
            assert!(seen.take().is_empty());
        });
    }
}
