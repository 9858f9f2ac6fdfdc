-- A supply-chain audit of more than 1,000 rows is a job like any
-- screening: the job keeps which audit it runs (credo.ScreeningJob.Audit);
-- its total (rows_total) grows as the audit's tiers are found.
ALTER TABLE screening_jobs ADD COLUMN audit TEXT NOT NULL DEFAULT '';
