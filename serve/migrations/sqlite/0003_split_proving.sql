-- Split proving (docs/split-proving.md): a block's execution proof made of pieces proven apart.
-- A job is now (hash, part): part '' is the block's own job, as before (its status is the
-- block's: the proof the server verifies and serves); with split proving the block also has one
-- job per segment ('segment 3') and per leaf of the aggregation ('leaf 0'), claimed from the same
-- queue under the same leases. The block's job holds the plan once a worker has made it.
-- SQLite cannot change a primary key in place: the table is made again, rows kept.
CREATE TABLE jobs_split (
    hash TEXT NOT NULL REFERENCES blocks (hash),
    part TEXT NOT NULL DEFAULT '',
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
    proof BLOB,
    report TEXT,
    error TEXT,
    proof_pruned_at BIGINT,
    split BIGINT NOT NULL DEFAULT 0,
    plan TEXT,
    PRIMARY KEY (hash, part)
);
INSERT INTO jobs_split (hash, part, number, kind, status, queued_at, worker, lease_until, attempts, progress,
                        prove_ms, verify_ms, finished_at, proof, report, error, proof_pruned_at)
    SELECT hash, '', number, kind, status, queued_at, worker, lease_until, attempts, progress,
           prove_ms, verify_ms, finished_at, proof, report, error, proof_pruned_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_split RENAME TO jobs;
CREATE INDEX jobs_by_status ON jobs (status, number);

ALTER TABLE job_events ADD COLUMN part TEXT NOT NULL DEFAULT '';
