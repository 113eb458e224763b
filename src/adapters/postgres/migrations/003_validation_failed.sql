-- A preset whose configuration cannot build is recorded as 'validation_failed', with the
-- configuration key it failed with: the block lifts once the preset's configuration changes.
ALTER TABLE presets DROP CONSTRAINT IF EXISTS presets_prebuild_status_check;
ALTER TABLE presets ADD CONSTRAINT presets_prebuild_status_check
  CHECK (prebuild_status IN ('normal', 'hard_limited', 'validation_failed'));
ALTER TABLE presets ADD COLUMN failed_configuration_key text;
