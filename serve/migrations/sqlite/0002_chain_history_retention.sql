-- What a deployment meets (issue: serve hardening). Times are Unix milliseconds.

-- The chain this database follows, recorded the first time the follower reaches the node: a node
-- that later serves another chain (another chain id, or another genesis: a devnet restarted) is
-- reported as such and not followed unless the operator says so. One row.
CREATE TABLE chain (
    id BIGINT PRIMARY KEY NOT NULL,
    chain_id BIGINT NOT NULL,
    genesis_hash TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- What happened to each job, oldest first: claimed, handed back, failed, retried, skipped,
-- proven, refused. A retry or a skip keeps the reason here; the job row keeps only the last.
CREATE TABLE job_events (
    hash TEXT NOT NULL,
    number BIGINT NOT NULL,
    at BIGINT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX job_events_by_hash ON job_events (hash, at);

-- Retention: a proven block's witness (and, if asked, its proof) can be dropped; the rows and
-- hashes stay, and the API says when it went.
ALTER TABLE blocks ADD COLUMN witness_pruned_at BIGINT;
ALTER TABLE jobs ADD COLUMN proof_pruned_at BIGINT;

-- A block the follower cannot capture (its node's data does not check, or the block breaks a
-- consensus rule the node ignored): it holds the follower, reported with the reason, until the
-- node serves another block at that height or the operator skips it. At most one row.
CREATE TABLE stuck (
    number BIGINT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL,
    parent_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    since BIGINT NOT NULL
);
