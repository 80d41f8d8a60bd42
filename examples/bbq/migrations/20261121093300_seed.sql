-- Opening stock: the menu, three warehouses, and what each holds.
-- runway:requires 20261121093200_create_inventory
-- runway:deploy
INSERT INTO menu (id, name, category, unit, price) VALUES
    (1, 'brisket', 'meat', 'lb', 24.00),
    (2, 'pulled pork', 'meat', 'lb', 18.00),
    (3, 'pork ribs', 'meat', 'rack', 32.00),
    (4, 'beef ribs', 'meat', 'lb', 30.00),
    (5, 'smoked sausage', 'meat', 'link', 6.50),
    (6, 'smoked turkey', 'meat', 'lb', 20.00),
    (7, 'mac and cheese', 'side', 'pan', 45.00),
    (8, 'cornbread', 'side', 'each', 2.50),
    (9, 'coleslaw', 'side', 'pan', 30.00),
    (10, 'baked beans', 'side', 'pan', 35.00),
    (11, 'banana pudding', 'dessert', 'pan', 40.00),
    (12, 'sweet tea', 'drink', 'gallon', 8.00);

INSERT INTO warehouses (id, name, kind) VALUES
    (1, 'smokehouse cooler', 'cold'),
    (2, 'walk-in freezer', 'frozen'),
    (3, 'dry store', 'dry');

INSERT INTO inventory (menu_id, warehouse_id, quantity, reorder_level) VALUES
    (1, 1, 120, 40),
    (1, 2, 300, 100),
    (2, 1, 80, 30),
    (2, 2, 200, 60),
    (3, 1, 45, 20),
    (4, 2, 60, 20),
    (5, 1, 150, 50),
    (6, 1, 40, 15),
    (7, 1, 12, 4),
    (8, 3, 200, 60),
    (9, 1, 10, 3),
    (10, 3, 16, 6),
    (11, 1, 8, 3),
    (12, 1, 20, 10);

-- runway:revert
DELETE FROM inventory;
DELETE FROM warehouses;
DELETE FROM menu;

-- runway:verify
-- All 14 stock rows must be there and join up. SQL has no portable "raise",
-- so a shortfall makes abs() overflow: "integer overflow" on SQLite,
-- "bigint out of range" on PostgreSQL, and the verify fails.
SELECT abs(CASE WHEN COUNT(*) = 14 THEN 0 ELSE -9223372036854775807 - 1 END)
FROM inventory
JOIN menu ON menu.id = inventory.menu_id
JOIN warehouses ON warehouses.id = inventory.warehouse_id;
