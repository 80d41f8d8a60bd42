-- runway:labels eu

CREATE TABLE oops (a int);
-- runway:deploy
-- runway:revert
