-- runway:labels us
-- runway:deploy
CREATE TABLE t (a int);
-- runway:revert
DROP TABLE t;
-- runway:verify
SELECT a FROM t;