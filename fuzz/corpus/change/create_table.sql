-- runway:deploy
CREATE TABLE warehouses (
  id integer PRIMARY KEY,
  name text NOT NULL
);
-- runway:revert
DROP TABLE warehouses;
