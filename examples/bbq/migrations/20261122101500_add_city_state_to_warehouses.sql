-- Warehouses get an address: city and state, for deliveries.
-- runway:requires 20261121093100_create_warehouses
-- runway:deploy
ALTER TABLE warehouses ADD COLUMN city text;
ALTER TABLE warehouses ADD COLUMN state text;

-- runway:revert
ALTER TABLE warehouses DROP COLUMN state;
ALTER TABLE warehouses DROP COLUMN city;

-- runway:verify
SELECT city, state FROM warehouses WHERE 1 = 0;
