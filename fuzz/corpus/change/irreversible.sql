-- Drops old data for good.
-- runway:irreversible
-- runway:allow drop-table truncate
-- runway:deploy
DROP TABLE legacy_orders;
-- runway:verify
SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'legacy_orders');
