//! What `/healthz` says, and when it says the server is not healthy: the follower has not
//! advanced for a set time while the node's head has, the node has been unreachable for a set
//! time, the store cannot write, or the node serves another chain than the database follows.
//! Errors are counted by source (the node, the store, proving), and a source's last error is
//! cleared once it succeeds again.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use serde::Serialize;

use crate::{chain::Stuck, store::StoreHealth};

/// The errors of one source.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceErrors {
    /// Failures since the process started.
    pub total: u64,
    /// Failures in a row, up to now.
    pub consecutive: u64,
    /// The last failure's message, until the source succeeds again.
    pub last_error: Option<String>,
    /// When the current run of failures began (Unix ms).
    pub failing_since_ms: Option<i64>,
}

impl SourceErrors {
    /// A failure at `now`.
    pub fn failed(&mut self, error: String, now: i64) {
        self.total += 1;
        self.consecutive += 1;
        self.last_error = Some(error);
        self.failing_since_ms.get_or_insert(now);
    }

    /// A success: the run of failures, if any, is over.
    pub fn succeeded(&mut self) {
        self.consecutive = 0;
        self.last_error = None;
        self.failing_since_ms = None;
    }
}

/// What the follower last saw and did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FollowStatus {
    /// The node's head, last seen.
    pub node_head: Option<u64>,
    /// The newest block stored.
    pub tip: Option<u64>,
    /// When the follower last stored a block, or started (Unix ms).
    pub advanced_at_ms: Option<i64>,
    /// The node's errors (unreachable, bad answers).
    pub node: SourceErrors,
    /// The block that holds the follower, if one does.
    pub stuck: Option<Stuck>,
    /// The node serves another chain than the database follows: what, and what to do.
    pub other_chain: Option<String>,
}

/// The follower's status, shared with the API.
pub type SharedStatus = Arc<Mutex<FollowStatus>>;

/// When `/healthz` turns to `ok: false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthLimits {
    /// The follower has not stored a block for this long while the node is ahead.
    pub stall: Duration,
    /// The node has been unreachable (every look failed) for this long.
    pub node_down: Duration,
}

impl Default for HealthLimits {
    fn default() -> Self {
        Self { stall: Duration::from_secs(300), node_down: Duration::from_secs(180) }
    }
}

/// Why the server is not healthy, in words; empty when it is.
pub fn problems(follow: &FollowStatus, store: &StoreHealth, limits: HealthLimits, now: i64) -> Vec<String> {
    let mut out = Vec::new();
    let older_than = |since: i64, limit: Duration| now.saturating_sub(since) >= limit.as_millis() as i64;
    if let Some(since) = store.write_failing_since_ms {
        let error = store.last_error.as_deref().unwrap_or("?");
        out.push(format!("the store cannot write (for {} s): {error}", (now - since) / 1000));
    }
    if let Some(since) = follow.node.failing_since_ms.filter(|since| older_than(*since, limits.node_down)) {
        let error = follow.node.last_error.as_deref().unwrap_or("?");
        out.push(format!("the node has been unreachable or failing for {} s: {error}", (now - since) / 1000));
    }
    if let Some(other) = &follow.other_chain {
        out.push(other.clone());
    }
    let behind = match (follow.node_head, follow.tip) {
        (Some(head), Some(tip)) => head > tip,
        (Some(_), None) => true,
        _ => false,
    };
    if let Some(since) = follow.advanced_at_ms.filter(|since| behind && older_than(*since, limits.stall)) {
        let why = match &follow.stuck {
            Some(stuck) => format!("block {} cannot be captured: {}", stuck.number, stuck.reason),
            None => "see the node's errors".into(),
        };
        out.push(format!(
            "the follower has not stored a block for {} s while the node is at {}: {why}",
            (now - since) / 1000,
            follow.node_head.unwrap_or(0)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_condition_turns_health_off_and_recovery_turns_it_on() {
        let limits = HealthLimits { stall: Duration::from_secs(10), node_down: Duration::from_secs(5) };
        let now = 1_000_000;
        let mut follow = FollowStatus {
            node_head: Some(10),
            tip: Some(10),
            advanced_at_ms: Some(now - 60_000),
            ..Default::default()
        };
        let store = StoreHealth::default();
        assert!(problems(&follow, &store, limits, now).is_empty(), "caught up, nothing failing");

        follow.node_head = Some(12);
        let stalled = problems(&follow, &store, limits, now);
        assert!(
            stalled[0].starts_with("the follower has not stored a block for 60 s while the node is at 12"),
            "{stalled:?}"
        );
        follow.advanced_at_ms = Some(now - 1_000);
        assert!(problems(&follow, &store, limits, now).is_empty(), "behind, but not for long");

        follow.node.failed("cannot reach http://n: refused".into(), now - 6_000);
        let down = problems(&follow, &store, limits, now);
        assert!(down[0].contains("unreachable or failing for 6 s: cannot reach"), "{down:?}");
        follow.node.succeeded();
        assert!(follow.node.last_error.is_none() && problems(&follow, &store, limits, now).is_empty());

        let full = StoreHealth {
            write_failing_since_ms: Some(now - 2_000),
            last_error: Some("database: database or disk is full".into()),
            ..Default::default()
        };
        let problems_now = problems(&follow, &full, limits, now);
        assert!(
            problems_now[0].contains("cannot write (for 2 s): database: database or disk is full"),
            "{problems_now:?}"
        );

        follow.other_chain = Some("the node serves chain 1, not chain 31337".into());
        assert_eq!(
            problems(&follow, &store, limits, now),
            vec!["the node serves chain 1, not chain 31337".to_string()]
        );
    }
}
