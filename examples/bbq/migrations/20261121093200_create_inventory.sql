-- How much of each menu item every warehouse holds.
-- runway:requires 20261121093000_create_menu 20261121093100_create_warehouses
-- runway:deploy
CREATE TABLE inventory (
    menu_id integer NOT NULL REFERENCES menu (id),
    warehouse_id integer NOT NULL REFERENCES warehouses (id),
    quantity numeric(10, 2) NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    reorder_level numeric(10, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (menu_id, warehouse_id)
);
-- the foreign key to warehouses is not the leading primary key column
CREATE INDEX inventory_warehouse_id ON inventory (warehouse_id);

-- runway:revert
DROP TABLE inventory;

-- runway:verify
SELECT menu_id, warehouse_id, quantity, reorder_level FROM inventory WHERE 1 = 0;
