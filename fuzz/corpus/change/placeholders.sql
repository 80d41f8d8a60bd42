-- runway:deploy
CREATE SCHEMA ${app_schema};
CREATE TABLE ${app_schema}.t (id int, note text DEFAULT '$${literal}');
GRANT SELECT ON ${app_schema}.t TO ${db.name};
-- runway:revert
DROP SCHEMA ${app_schema} CASCADE;
-- runway:verify
SELECT ${missing};
