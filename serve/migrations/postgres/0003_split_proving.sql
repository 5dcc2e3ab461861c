-- Split proving (docs/split-proving.md): a block's execution proof made of pieces proven apart.
-- A job is now (hash, part): part '' is the block's own job, as before (its status is the
-- block's: the proof the server verifies and serves); with split proving the block also has one
-- job per segment ('segment 3') and per leaf of the aggregation ('leaf 0'), claimed from the same
-- queue under the same leases. The block's job holds the plan once a worker has made it.
ALTER TABLE jobs ADD COLUMN part TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs DROP CONSTRAINT jobs_pkey;
ALTER TABLE jobs ADD PRIMARY KEY (hash, part);
ALTER TABLE jobs ADD COLUMN split BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN plan TEXT;

ALTER TABLE job_events ADD COLUMN part TEXT NOT NULL DEFAULT '';
