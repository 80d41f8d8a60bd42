-- runway:deploy
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
  INSERT INTO log VALUES ('one; -- runway:revert');
  INSERT INTO log VALUES ("two");
END;
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
/* a block comment
-- runway:not-a-directive? it is: the parser is line based */
-- runway:revert
DROP TRIGGER t_ins;
