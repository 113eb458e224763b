-- Every claim of a preset's pool, and every request that found nothing claimable ('missed'),
-- recorded by the claim itself. The snapshot reads the last 120 minutes by `at`; claims prune
-- rows older than the retention a few at a time, so the table stays bounded.
-- No foreign key to presets: its check would lock the preset's row on every claim (concurrent
-- claims of one preset would share that lock through a multixact), and it would stand in the way
-- of deleting a preset; events of a deleted preset simply age out, and the snapshot skips them.
CREATE TABLE claim_events (
  id bigserial PRIMARY KEY,
  preset_id text NOT NULL,
  at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('claimed', 'missed'))
);

CREATE INDEX claim_events_at ON claim_events (at);
