use std::time::Duration;

/// Why a JSON-RPC exchange failed. `is_transient` decides what is retried.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The node cannot be reached (connection refused, timeout, DNS).
    #[error("cannot reach {url}: {reason}")]
    Transport {
        /// The endpoint.
        url: String,
        /// What the transport said.
        reason: String,
    },

    /// The node answered with an HTTP error status.
    #[error("HTTP {status} from the node{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Http {
        /// The status.
        status: u16,
        /// The start of the body, if any.
        body: String,
        /// What a 429's `Retry-After` asks for.
        retry_after: Option<Duration>,
    },

    /// The answer is not JSON-RPC (or is cut short).
    #[error("malformed answer from the node: {0}")]
    BadResponse(String),

    /// The node answered a JSON-RPC error.
    #[error("{method} failed: node error {code}: {message}")]
    Node {
        /// The method called.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },

    /// The node lacks the `debug` namespace capture needs.
    #[error(
        "{method} is not available on this node ({message}): witness capture needs the debug \
         namespace (geth --http.api eth,debug; anvil has it)"
    )]
    MissingDebugNamespace {
        /// The method called.
        method: String,
        /// The node's message.
        message: String,
    },

    /// The node no longer has the state of the block asked for (not an archive node).
    #[error(
        "{method} failed: the node no longer has that block's state ({message}): use an archive \
         node, or a block within the node's history window"
    )]
    MissingHistory {
        /// The method called.
        method: String,
        /// The node's message.
        message: String,
    },

    /// A transient failure persisted through every retry.
    #[error("gave up after {attempts} attempts: {last}")]
    GaveUp {
        /// How many tries.
        attempts: u32,
        /// The last try's error.
        last: Box<RpcError>,
    },
}

impl RpcError {
    /// Worth another try: the network, an overloaded node, or an answer cut short.
    pub fn is_transient(&self) -> bool {
        match self {
            RpcError::Transport { .. } | RpcError::BadResponse(_) => true,
            RpcError::Http { status, .. } => *status == 429 || *status >= 500,
            RpcError::Node { code, message, .. } => {
                let m = message.to_ascii_lowercase();
                *code == -32005 || m.contains("rate limit") || m.contains("too many requests")
            }
            _ => false,
        }
    }

    /// How long the node asked to wait before the next try (HTTP 429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RpcError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Maps a JSON-RPC error object to the most helpful variant.
    pub fn from_node(method: &str, code: i64, message: String) -> Self {
        let m = message.to_ascii_lowercase();
        let method = method.to_string();
        if method.starts_with("debug_")
            && (code == -32601
                || m.contains("method not found")
                || m.contains("does not exist")
                || m.contains("not available"))
        {
            return RpcError::MissingDebugNamespace { method, message };
        }
        const HISTORY: &[&str] = &[
            "missing trie node",
            "historical state",
            "header not found",
            "state not available",
            "state is not available",
            "pruned",
            "required historical state unavailable",
        ];
        if HISTORY.iter().any(|h| m.contains(h)) {
            return RpcError::MissingHistory { method, message };
        }
        RpcError::Node { method, code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::RpcError;

    #[test]
    fn node_errors_are_classified() {
        let e = RpcError::from_node(
            "debug_traceBlockByNumber",
            -32601,
            "the method does not exist/is not available".into(),
        );
        assert!(matches!(e, RpcError::MissingDebugNamespace { .. }));
        let e = RpcError::from_node("eth_getProof", -32000, "missing trie node abc (path )".into());
        assert!(matches!(e, RpcError::MissingHistory { .. }));
        let e = RpcError::from_node("eth_getProof", -32000, "historical state abc is not available".into());
        assert!(matches!(e, RpcError::MissingHistory { .. }));
        // A method-not-found outside the debug namespace is just a node error.
        let e = RpcError::from_node("eth_getProof", -32601, "method not found".into());
        assert!(matches!(e, RpcError::Node { .. }) && !e.is_transient());
    }

    #[test]
    fn only_passing_troubles_are_retried() {
        let http = |status| RpcError::Http { status, body: String::new(), retry_after: None };
        assert!(http(429).is_transient() && http(500).is_transient() && http(503).is_transient());
        assert!(!http(400).is_transient() && !http(401).is_transient() && !http(404).is_transient());
        assert!(RpcError::from_node("eth_getProof", -32005, "limit exceeded".into()).is_transient());
        assert!(RpcError::from_node("eth_call", 0, "Too Many Requests".into()).is_transient());
        assert!(RpcError::BadResponse("cut short".into()).is_transient());
    }
}
