--runway:no-transaction
  --   runway:requires 20261121093000_create_warehouses   20261122101500_add_city
-- runway:deploy
CREATE INDEX CONCURRENTLY warehouses_city ON warehouses (city);
-- runway:revert
DROP INDEX CONCURRENTLY warehouses_city;
