-- runway:requires 20261121093000_create_warehouses
-- runway:labels eu billing
-- runway:deploy
ALTER TABLE warehouses ADD COLUMN city text;
ALTER TABLE warehouses ADD COLUMN state text;
-- runway:revert
ALTER TABLE warehouses DROP COLUMN state;
ALTER TABLE warehouses DROP COLUMN city;
-- runway:verify
SELECT city, state FROM warehouses WHERE false;
