-- Where stock is kept: the smokehouse, the walk-in, the dry store.
-- runway:deploy
CREATE TABLE warehouses (
    id integer PRIMARY KEY,
    name text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('cold', 'frozen', 'dry'))
);

-- runway:revert
DROP TABLE warehouses;

-- runway:verify
SELECT id, name, kind FROM warehouses WHERE 1 = 0;
