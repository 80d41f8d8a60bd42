-- The menu: everything the pit and the kitchen sell.
-- runway:deploy
CREATE TABLE menu (
    id integer PRIMARY KEY,
    name text NOT NULL UNIQUE,
    category text NOT NULL CHECK (category IN ('meat', 'side', 'dessert', 'drink')),
    unit text NOT NULL,                -- how the item is stocked: lb, pan, each
    price numeric(8, 2) NOT NULL CHECK (price >= 0)
);

-- runway:revert
DROP TABLE menu;

-- runway:verify
SELECT id, name, category, unit, price FROM menu WHERE 1 = 0;
