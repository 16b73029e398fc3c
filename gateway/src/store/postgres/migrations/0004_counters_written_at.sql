-- When each instance last wrote its totals: the fleet's report shows it per instance, so a
-- gateway that stopped writing (down, or spooling while it cannot reach this database) stands
-- out. Set by every upsert of a counters row (store/postgres/rows.rs).
ALTER TABLE shadowgate_counters ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
