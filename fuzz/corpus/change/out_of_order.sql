-- runway:deploy
SELECT 1;
-- runway:verify
SELECT 2;
-- runway:revert
SELECT 3;
-- runway:deploy
