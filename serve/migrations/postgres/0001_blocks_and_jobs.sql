-- The followed chain and its proving queue. SQLite and Postgres hold the same tables; only the
-- byte-string type differs (BLOB / BYTEA). Times are Unix milliseconds, set by the program.

-- Every block seen, with the witness captured for it (checked against its hash before it is
-- stored). A block a reorg took off the followed chain keeps its row with canonical = 0.
CREATE TABLE blocks (
    hash TEXT PRIMARY KEY NOT NULL,
    number BIGINT NOT NULL,
    parent_hash TEXT NOT NULL,
    canonical BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    capture_ms BIGINT NOT NULL,
    transactions BIGINT NOT NULL,
    gas_used BIGINT NOT NULL,
    witness BYTEA NOT NULL
);
CREATE INDEX blocks_by_number ON blocks (number, canonical);

-- One proving job a block: the coordinator's queue. A worker claims a job with a lease it renews
-- while it proves; a job whose lease ran out (its worker died) is claimed again. A proof is
-- stored as submitted and served only once the server has verified it (proven); a proof that
-- does not verify is failed, with the verifier's report.
CREATE TABLE jobs (
    hash TEXT PRIMARY KEY NOT NULL REFERENCES blocks (hash),
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    queued_at BIGINT NOT NULL,
    worker TEXT,
    lease_until BIGINT,
    attempts BIGINT NOT NULL,
    progress TEXT,
    prove_ms BIGINT,
    verify_ms BIGINT,
    finished_at BIGINT,
    proof BYTEA,
    report TEXT,
    error TEXT
);
CREATE INDEX jobs_by_status ON jobs (status, number);
