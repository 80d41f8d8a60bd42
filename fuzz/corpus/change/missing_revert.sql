-- runway:deploy
CREATE TABLE t (a int);
-- runway:verify
SELECT a FROM t;
