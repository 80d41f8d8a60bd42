# bench/check-gen.awk - deterministic PostgreSQL DDL for bench/check.
#
#   awk -f bench/check-gen.awk -v big=FILE -v bytes=5000000 -v dir=DIR -v files=1000
#
# Writes FILE (one schema-dump-and-migrations style file of about BYTES bytes)
# and DIR/0001_....sql .. (FILES small migrations of 3-8 statements each).
# Everything comes from one fixed-seed Park-Miller generator in integer
# arithmetic, so any awk (mawk, gawk, busybox) writes the same bytes. No file
# has a "-- runway:" directive: runway check lints them as plain SQL.
#
# The mix: CREATE TABLE (many column types, defaults, column and table
# constraints, partitions), CREATE INDEX (unique, CONCURRENTLY, partial,
# expression, gin/brin/gist, INCLUDE), ALTER TABLE (ADD COLUMN, ADD
# CONSTRAINT ... NOT VALID, VALIDATE, SET/DROP NOT NULL, TYPE, defaults,
# renames), COMMENT ON, plpgsql and SQL functions with dollar-quoted bodies,
# DO blocks, CREATE TRIGGER, views and materialized views, INSERT ... ON
# CONFLICT, UPDATE ... FROM, DELETE, and the odd extension, schema, enum type,
# sequence, grant, policy, SET, DROP, REFRESH, ANALYZE; pg_dump-style comment
# headers in the big file.

BEGIN {
	seed = 20261121
	if (bytes == "") bytes = 5000000
	if (files == "") files = 1000

	n = split("account customer order invoice payment product price shipment address session " \
		"event audit_log subscription plan coupon refund review category inventory warehouse " \
		"supplier employee department project task comment attachment notification message device " \
		"api_key webhook tenant organization membership role permission ledger_entry transfer report " \
		"cart cart_item line_item tax_rate discount vendor contract asset booking", NOUN, " ")
	NNOUN = n
	NCOLW = split("name title description status email phone amount total quantity unit_price currency " \
		"note code slug kind source reference external_id started_at ended_at due_date paid_at version " \
		"priority score rating metadata settings tags country city postal_code line1 line2 ip_address " \
		"user_agent checksum payload is_active is_default is_verified sort_order locale timezone " \
		"first_name last_name display_name balance weight height sku barcode color size label", COLW, " ")
	NSCH = split("public app billing public public auth", SCH, " ")
	NSTAT = split("pending active suspended cancelled archived draft paid refunded failed shipped", STAT, " ")
	NROLE = split("app_rw app_ro reporting migrator analytics", ROLE, " ")
	NTEXT = split("Primary key|Soft-deleted rows have deleted_at set|The customer''s preferred locale" \
		"|Amount in minor units (cents)|Denormalised for reporting; kept in sync by a trigger" \
		"|Größe in cm, Kundennummer ≤ 20 Zeichen|External id from the upstream provider" \
		"|One row per event; partitioned by month|Do not update directly: use the ledger functions" \
		"|JSON settings, see docs/settings.md|Unique per tenant|Legacy column, to be dropped in Q3", TXT, "|")
	NWORD = split("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike " \
		"november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu", WORD, " ")

	ntab = 0; nfun = 0; nidx = 0; nseq = 0; ntype = 0; nview = 0; ncon = 0

	# the big file: a dump-like preamble, then statements until it is big enough
	out = big
	size = 0
	emit("-- bench/check: generated PostgreSQL DDL (fixed seed " seed "), not a real schema\n" \
		"SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n" \
		"SET standard_conforming_strings = on;\n" \
		"SELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\n" \
		"SET client_min_messages = warning;\n")
	emit("CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;\n")
	emit("CREATE EXTENSION IF NOT EXISTS btree_gist;\n")
	emit("CREATE SCHEMA IF NOT EXISTS app;\nCREATE SCHEMA IF NOT EXISTS billing;\nCREATE SCHEMA IF NOT EXISTS auth;\n")
	for (i = 0; i < 8; i++) {
		s = stmt_create_table(0)
		emit(header(KIND) s "\n")
	}
	while (size < bytes) {
		s = stmt_any(0)
		emit(header(KIND) s "\n")
	}
	close(out)

	# the small files: each one migration of 3-8 statements
	for (f = 1; f <= files; f++) {
		nst = 3 + rnd(6)
		body = ""
		first = ""
		tx = (rnd(5) == 0)
		for (k = 0; k < nst; k++) {
			s = stmt_any(1)
			if (first == "") first = KIND "_" LASTNAME
			body = body s "\n"
		}
		base = tolower(first)
		gsub(/[^a-z0-9_]/, "_", base)
		name = sprintf("%s/%04d_%s.sql", dir, f, base)
		text = "-- " sprintf("%04d", f) ": " tolower(first) "\n"
		if (tx) text = text "BEGIN;\n\n" body "COMMIT;\n"
		else text = text "\n" body
		printf "%s", text > name
		close(name)
	}
}

# ---- the generator ------------------------------------------------------------

function rnd(n) { # 0 .. n-1
	seed = (seed * 16807) % 2147483647
	return seed % n
}
function chance(pct) { return rnd(100) < pct }
function pick(arr, n) { return arr[1 + rnd(n)] }
function emit(s) {
	printf "%s", s > out
	size += length(s)
}
function header(kind) {
	if (!chance(60)) return ""
	return "--\n-- Name: " LASTNAME "; Type: " kind "; Schema: " LASTSCHEMA "; Owner: -\n--\n\n"
}
function word() { return WORD[1 + rnd(NWORD)] }
function q(s) { return "'" s "'" }

function new_table_name(   sch, base) {
	sch = pick(SCH, NSCH)
	base = pick(NOUN, NNOUN)
	if (chance(40)) base = base "_" pick(NOUN, NNOUN)
	if (base ~ /s$/) base = base "es"
	else if (base ~ /[^aeiou]y$/) base = substr(base, 1, length(base) - 1) "ies"
	else base = base "s"
	base = base "_" (ntab + 1)
	LASTSCHEMA = sch
	return sch "." base
}
function some_table() { # an existing table (index into TB)
	if (ntab == 0) return 0
	if (chance(60)) return ntab - rnd(ntab < 20 ? ntab : 20) # mostly recent ones
	return 1 + rnd(ntab)
}
function some_col(t,    c) { # a column of table t
	c = 1 + rnd(TNC[t])
	return TC[t, c]
}
function col_of_type(t, want,    c, i) { # a column of t whose type class is want, or ""
	for (i = 0; i < 4; i++) {
		c = 1 + rnd(TNC[t])
		if (TCK[t, c] == want) return TC[t, c]
	}
	return ""
}

# type of a new column: sets TYPE and CLASS (int num text bool ts date json uuid arr other)
function col_type(   r) {
	r = rnd(40)
	if (r < 4) { TYPE = "bigint"; CLASS = "int" }
	else if (r < 7) { TYPE = "integer"; CLASS = "int" }
	else if (r < 8) { TYPE = "smallint"; CLASS = "int" }
	else if (r < 13) { TYPE = "text"; CLASS = "text" }
	else if (r < 16) { TYPE = "character varying(" (16 * (1 + rnd(16))) ")"; CLASS = "text" }
	else if (r < 17) { TYPE = "character(2)"; CLASS = "text" }
	else if (r < 20) { TYPE = "boolean"; CLASS = "bool" }
	else if (r < 22) { TYPE = "numeric(" (10 + rnd(9)) "," (rnd(5)) ")"; CLASS = "num" }
	else if (r < 23) { TYPE = "double precision"; CLASS = "num" }
	else if (r < 24) { TYPE = "real"; CLASS = "num" }
	else if (r < 28) { TYPE = "timestamp with time zone"; CLASS = "ts" }
	else if (r < 29) { TYPE = "timestamp without time zone"; CLASS = "ts" }
	else if (r < 30) { TYPE = "date"; CLASS = "date" }
	else if (r < 31) { TYPE = (chance(50) ? "interval" : "time without time zone"); CLASS = "other" }
	else if (r < 32) { TYPE = "uuid"; CLASS = "uuid" }
	else if (r < 35) { TYPE = "jsonb"; CLASS = "json" }
	else if (r < 36) { TYPE = (chance(50) ? "bytea" : "inet"); CLASS = "other" }
	else if (r < 37) { TYPE = (chance(50) ? "text[]" : "integer[]"); CLASS = "arr" }
	else if (r < 38) { TYPE = (chance(50) ? "tsvector" : "tstzrange"); CLASS = "other" }
	else if (r < 39) { TYPE = (chance(50) ? "money" : "macaddr"); CLASS = "other" }
	else { TYPE = "app.status_" (ntype > 0 ? 1 + rnd(ntype) : 1); CLASS = "enum"; if (ntype == 0) { TYPE = "text"; CLASS = "text" } }
}
function default_for(cls,   r) {
	r = rnd(4)
	if (cls == "int") return (r == 0 ? "0" : r == 1 ? "1" : r == 2 ? "'-1'::integer" : "100")
	if (cls == "num") return (r < 2 ? "0" : r == 2 ? "0.00" : "100.50")
	if (cls == "text") return (r == 0 ? "''::text" : r == 1 ? "'pending'::text" : r == 2 ? "'n/a'" : "'O''Brien'")
	if (cls == "bool") return (r < 2 ? "false" : "true")
	if (cls == "ts") return (r == 0 ? "now()" : r == 1 ? "CURRENT_TIMESTAMP" : r == 2 ? "'2026-01-01 00:00:00+00'::timestamp with time zone" : "(now() AT TIME ZONE 'utc'::text)")
	if (cls == "date") return (r < 2 ? "CURRENT_DATE" : "'2026-01-01'::date")
	if (cls == "json") return (r < 2 ? "'{}'::jsonb" : r == 2 ? "'[]'::jsonb" : "jsonb_build_object('v', 1)")
	if (cls == "uuid") return "gen_random_uuid()"
	if (cls == "arr") return (r < 2 ? "'{}'" : "ARRAY[]::text[]")
	if (cls == "enum") return "'" pick(STAT, NSTAT) "'"
	return ""
}
function literal_for(cls,   r) {
	r = rnd(10)
	if (r == 0) return "NULL"
	if (cls == "int") return rnd(100000)
	if (cls == "num") return rnd(10000) "." rnd(100)
	if (cls == "text" || cls == "enum") return (r == 1 ? "'O''Reilly & Sons'" : "'" word() " " word() "'")
	if (cls == "bool") return (r < 5 ? "true" : "false")
	if (cls == "ts") return sprintf("'2026-%02d-%02d %02d:%02d:00+00'", 1 + rnd(12), 1 + rnd(28), rnd(24), rnd(60))
	if (cls == "date") return sprintf("'2026-%02d-%02d'", 1 + rnd(12), 1 + rnd(28))
	if (cls == "json") return "'{\"k\": \"" word() "\", \"n\": " rnd(1000) ", \"tags\": [\"a\", \"b\"]}'"
	if (cls == "uuid") return "gen_random_uuid()"
	if (cls == "arr") return "'{" word() "," word() "}'"
	return "DEFAULT"
}

# ---- statements -----------------------------------------------------------------

# one statement of the mix; sets KIND and LASTNAME. small: for the small files
function stmt_any(small,   r) {
	if (ntab < 2) return stmt_create_table(small)
	r = rnd(100)
	if (r < 12) return stmt_create_table(small)
	if (r < 26) return stmt_create_index()
	if (r < 42) return stmt_alter_table()
	if (r < 51) return stmt_comment()
	if (r < 57) return stmt_function(small)
	if (r < 61) return stmt_trigger()
	if (r < 65) return stmt_view()
	if (r < 73) return stmt_insert(small)
	if (r < 79) return stmt_update()
	return stmt_misc()
}

function stmt_create_table(small,   t, name, ncol, s, i, c, sep, cons, pk, r, ref, cname, uq, part) {
	name = new_table_name()
	t = ++ntab
	TB[t] = name
	KIND = "TABLE"; LASTNAME = name
	ncol = small ? 3 + rnd(8) : 5 + rnd(21)
	s = "CREATE " (chance(3) ? "UNLOGGED " : "") "TABLE " (chance(30) ? "IF NOT EXISTS " : "") name " (\n"
	pk = rnd(3)
	if (pk == 0) s = s "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	else if (pk == 1) s = s "    id bigserial NOT NULL"
	else s = s "    id uuid DEFAULT gen_random_uuid() NOT NULL"
	TNC[t] = 1; TC[t, 1] = "id"; TCK[t, 1] = (pk == 2 ? "uuid" : "int")
	used[t, "id"] = 1
	if (chance(60)) { s = s ",\n    tenant_id bigint NOT NULL"; TC[t, ++TNC[t]] = "tenant_id"; TCK[t, TNC[t]] = "int"; used[t, "tenant_id"] = 1 }
	for (i = 0; i < ncol; i++) {
		c = pick(COLW, NCOLW)
		if ((t, c) in used) c = c "_" (i + 1)
		used[t, c] = 1
		if (chance(12) && ntab > 1) {
			ref = 1 + rnd(ntab - 1)
			c = tolower(substr(TB[ref], index(TB[ref], ".") + 1)) "_id"
			if ((t, c) in used) c = c "_" (i + 1)
			used[t, c] = 1
			s = s ",\n    " c " bigint" (chance(50) ? " NOT NULL" : "") \
				(chance(50) ? " REFERENCES " TB[ref] "(id) ON DELETE " (chance(50) ? "CASCADE" : chance(50) ? "SET NULL" : "RESTRICT") : "")
			TC[t, ++TNC[t]] = c; TCK[t, TNC[t]] = "int"
			continue
		}
		col_type()
		s = s ",\n    " c " " TYPE
		if (CLASS == "text" && chance(3)) s = s " COLLATE \"C\""
		if (chance(35) && default_for(CLASS) != "") s = s " DEFAULT " default_for(CLASS)
		if (chance(40)) s = s " NOT NULL"
		if (chance(4) && (CLASS == "text" || CLASS == "int" || CLASS == "uuid")) s = s " UNIQUE"
		if (CLASS == "num" && chance(20)) s = s " CHECK (" c " >= (0)::numeric)"
		if (CLASS == "int" && chance(10)) s = s " CONSTRAINT " substr(name, index(name, ".") + 1) "_" c "_check CHECK (" c " > 0)"
		if (CLASS == "text" && chance(10)) s = s " CHECK (char_length(" c ") <= " (50 * (1 + rnd(10))) ")"
		TC[t, ++TNC[t]] = c; TCK[t, TNC[t]] = CLASS
	}
	s = s ",\n    created_at timestamp with time zone DEFAULT now() NOT NULL"
	s = s ",\n    updated_at timestamp with time zone DEFAULT now() NOT NULL"
	TC[t, ++TNC[t]] = "created_at"; TCK[t, TNC[t]] = "ts"
	TC[t, ++TNC[t]] = "updated_at"; TCK[t, TNC[t]] = "ts"
	if (chance(50)) { s = s ",\n    deleted_at timestamp with time zone"; TC[t, ++TNC[t]] = "deleted_at"; TCK[t, TNC[t]] = "ts" }
	cname = substr(name, index(name, ".") + 1)
	if (pk != 0) s = s ",\n    CONSTRAINT " cname "_pkey PRIMARY KEY (id)"
	if (chance(30)) {
		uq = col_of_type(t, "text")
		if (uq != "") s = s ",\n    CONSTRAINT " cname "_" uq "_key UNIQUE (" (used[t, "tenant_id"] ? "tenant_id, " : "") uq ")"
	}
	if (chance(20)) s = s ",\n    CONSTRAINT " cname "_dates_check CHECK ((created_at <= updated_at))"
	if (chance(15) && ntab > 1) {
		ref = 1 + rnd(ntab - 1)
		s = s ",\n    CONSTRAINT " cname "_parent_fkey FOREIGN KEY (tenant_id) REFERENCES " TB[ref] "(id) DEFERRABLE INITIALLY DEFERRED"
	}
	if (chance(3)) s = s ",\n    CONSTRAINT " cname "_excl EXCLUDE USING gist (tenant_id WITH =, tstzrange(created_at, updated_at) WITH &&)"
	s = s "\n)"
	part = chance(5)
	if (part) s = s " PARTITION BY RANGE (created_at)"
	else if (chance(8)) s = s " WITH (fillfactor='" (70 + rnd(30)) "', autovacuum_vacuum_scale_factor='0.05')"
	s = s ";\n"
	if (part) {
		for (i = 1; i <= 3; i++)
			s = s sprintf("\nCREATE TABLE %s_2026_%02d PARTITION OF %s FOR VALUES FROM ('2026-%02d-01') TO ('2026-%02d-01');\n", name, i, name, i, i + 1)
	}
	if (!small && chance(50)) s = s "\nALTER TABLE " name " OWNER TO migrator;\n"
	return s
}

function stmt_create_index(   t, name, s, c, c2, r, cname) {
	t = some_table()
	cname = substr(TB[t], index(TB[t], ".") + 1)
	name = cname "_idx_" (++nidx)
	KIND = "INDEX"; LASTNAME = name
	s = "CREATE " (chance(15) ? "UNIQUE " : "") "INDEX " (chance(45) ? "CONCURRENTLY " : "") \
		(chance(25) ? "IF NOT EXISTS " : "") name " ON " (chance(5) ? "ONLY " : "") TB[t]
	r = rnd(12)
	c = some_col(t)
	if (r < 4) s = s " USING btree (" c ")"
	else if (r < 6) { c2 = some_col(t); s = s " USING btree (" c ", " c2 (chance(50) ? " DESC NULLS LAST" : "") ")" }
	else if (r < 7) { c2 = col_of_type(t, "text"); s = s " USING btree (lower(" (c2 == "" ? "(id)::text" : c2) "))" }
	else if (r < 8) { c2 = col_of_type(t, "json"); s = s (c2 == "" ? " USING btree (" c ")" : chance(50) ? " USING gin (" c2 " jsonb_path_ops)" : " USING btree (((" c2 " ->> 'type'::text)))") }
	else if (r < 9) { c2 = col_of_type(t, "text"); s = s (c2 == "" ? " USING hash (id)" : " USING gin (to_tsvector('english'::regconfig, COALESCE(" c2 ", ''::text)))") }
	else if (r < 10) s = s " USING brin (created_at) WITH (pages_per_range='32')"
	else if (r < 11) s = s " USING btree (date_trunc('day'::text, created_at), " c ")"
	else s = s " (" c ") INCLUDE (id)"
	if (chance(30)) s = s " WHERE (" (chance(60) ? "deleted_at IS NULL" : chance(50) ? "(status = 'active'::text)" : c " IS NOT NULL") ")"
	return s ";\n"
}

function stmt_alter_table(   t, s, r, c, ref, cname, k, n, sc, k2, d) {
	t = some_table()
	cname = substr(TB[t], index(TB[t], ".") + 1)
	KIND = "TABLE"; LASTNAME = TB[t]
	n = chance(80) ? 1 : 2 + rnd(3)
	s = "ALTER TABLE " (chance(30) ? "ONLY " : "") TB[t]
	for (k = 0; k < n; k++) {
		r = rnd(16)
		if (r < 5) {
			col_type()
			c = pick(COLW, NCOLW) "_" (TNC[t] + 1)
			sc = "ADD COLUMN " (chance(30) ? "IF NOT EXISTS " : "") c " " TYPE
			if (chance(40) && default_for(CLASS) != "") sc = sc " DEFAULT " default_for(CLASS)
			if (chance(25)) sc = sc " NOT NULL"
			TC[t, ++TNC[t]] = c; TCK[t, TNC[t]] = CLASS
		} else if (r < 7 && ntab > 1) {
			ref = some_table()
			c = "fk_" (++ncon)
			sc = "ADD CONSTRAINT " cname "_" c " FOREIGN KEY (" some_col(t) ") REFERENCES " TB[ref] "(id)" (chance(60) ? " NOT VALID" : "")
		} else if (r < 8) {
			sc = "VALIDATE CONSTRAINT " cname "_fk_" (ncon > 0 ? 1 + rnd(ncon) : 1)
		} else if (r < 9) {
			c = col_of_type(t, "int")
			sc = "ADD CONSTRAINT " cname "_chk_" (++ncon) " CHECK (" (c == "" ? "id" : c) " >= 0)" (chance(50) ? " NOT VALID" : "")
		} else if (r < 11) {
			sc = "ALTER COLUMN " some_col(t) (chance(70) ? " SET NOT NULL" : " DROP NOT NULL")
		} else if (r < 12) {
			c = col_of_type(t, "int")
			sc = (c == "" ? "ALTER COLUMN id SET STATISTICS 500" : "ALTER COLUMN " c " TYPE bigint USING " c "::bigint")
		} else if (r < 13) {
			c = some_col(t)
			k2 = 1 + rnd(TNC[t])
			c = TC[t, k2]
			d = default_for(TCK[t, k2])
			sc = "ALTER COLUMN " c ((chance(60) && d != "") ? " SET DEFAULT " d : " DROP DEFAULT")
		} else if (r < 14) {
			sc = "DROP COLUMN IF EXISTS legacy_" word() (chance(30) ? " CASCADE" : "")
		} else if (r < 15) {
			if (n > 1) { sc = "SET (autovacuum_analyze_scale_factor=0.02)" }
			else { sc = "RENAME COLUMN " some_col(t) " TO " word() "_" (TNC[t] + k) }
		} else {
			sc = (chance(50) ? "ENABLE ROW LEVEL SECURITY" : "ADD CONSTRAINT " cname "_uq_" (++ncon) " UNIQUE USING INDEX " cname "_idx_" (nidx > 0 ? 1 + rnd(nidx) : 1))
		}
		s = s (k == 0 ? " " : ",\n    ") sc
	}
	return s ";\n"
}

function stmt_comment(   t, r, s) {
	t = some_table()
	r = rnd(6)
	KIND = "COMMENT"; LASTNAME = TB[t]
	if (r < 2) s = "COMMENT ON TABLE " TB[t] " IS " q(pick(TXT, NTEXT) ".")
	else if (r < 5) s = "COMMENT ON COLUMN " TB[t] "." some_col(t) " IS " q(pick(TXT, NTEXT))
	else if (nfun > 0) s = "COMMENT ON FUNCTION " FN[1 + rnd(nfun)] "() IS " q("Keeps " pick(COLW, NCOLW) " in sync; " pick(TXT, NTEXT))
	else s = "COMMENT ON TABLE " TB[t] " IS NULL"
	return s ";\n"
}

function stmt_function(small,   t, name, s, r, tag, body, c, i, nl) {
	t = some_table()
	name = pick(SCH, NSCH) "." (chance(50) ? "set_" : "sync_") pick(COLW, NCOLW) "_" (++nfun)
	FN[nfun] = name
	KIND = "FUNCTION"; LASTNAME = name
	tag = chance(70) ? "$$" : "$fn$"
	r = rnd(10)
	if (r < 3) {
		s = "CREATE OR REPLACE FUNCTION " name "() RETURNS trigger\n    LANGUAGE plpgsql\n    AS " tag "\nBEGIN\n" \
			"    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n" tag ";\n"
	} else if (r < 7) {
		c = some_col(t)
		body = "DECLARE\n    v_count integer := 0;\n    v_row record;\n    v_msg text;\nBEGIN\n" \
			"    IF TG_OP = 'DELETE' THEN\n        INSERT INTO app.audit_events (table_name, row_id, op, at)\n" \
			"        VALUES (TG_TABLE_NAME, OLD.id, 'D', now());\n        RETURN OLD;\n" \
			"    ELSIF NEW." c " IS DISTINCT FROM OLD." c " THEN\n" \
			"        SELECT count(*) INTO v_count FROM " TB[t] " WHERE tenant_id = NEW.tenant_id AND deleted_at IS NULL;\n" \
			"        IF v_count > " (100 * (1 + rnd(50))) " THEN\n" \
			"            RAISE EXCEPTION 'too many rows for tenant %: % (limit %)', NEW.tenant_id, v_count, " (100 * (1 + rnd(50))) "\n" \
			"                USING ERRCODE = '23514', HINT = 'archive old rows first';\n        END IF;\n" \
			"        FOR v_row IN SELECT id, " c " FROM " TB[t] " WHERE id <> NEW.id ORDER BY created_at DESC LIMIT 10 LOOP\n" \
			"            v_msg := format('%s changed: %L -> %L', v_row.id, OLD." c ", NEW." c ");\n" \
			"            PERFORM pg_notify('" word() "_changes', json_build_object('id', v_row.id, 'msg', v_msg)::text);\n" \
			"        END LOOP;\n    END IF;\n"
		nl = small ? 0 : rnd(4)
		for (i = 0; i < nl; i++)
			body = body "    -- " word() " " word() ": keep in step with the " pick(NOUN, NNOUN) " totals\n" \
				"    UPDATE " TB[t] " SET updated_at = now() WHERE id = NEW.id AND updated_at < now() - interval '" (1 + rnd(59)) " minutes';\n"
		body = body "    NEW.updated_at := now();\n    RETURN NEW;\nEXCEPTION\n    WHEN unique_violation THEN\n" \
			"        RAISE NOTICE 'duplicate % in %', NEW.id, TG_TABLE_NAME;\n        RETURN NULL;\nEND;\n"
		s = "CREATE OR REPLACE FUNCTION " name "() RETURNS trigger\n    LANGUAGE plpgsql " (chance(30) ? "SECURITY DEFINER\n    SET search_path TO 'public', 'pg_temp'" : "") "\n    AS " tag "\n" body tag ";\n"
	} else if (r < 9) {
		s = "CREATE OR REPLACE FUNCTION " name "(p_tenant bigint, p_since timestamp with time zone DEFAULT (now() - '30 days'::interval))\n" \
			"RETURNS TABLE(id bigint, total numeric, n bigint)\n    LANGUAGE sql STABLE PARALLEL SAFE\n    AS " tag "\n" \
			"    SELECT t.tenant_id, sum(t.id)::numeric, count(*)\n      FROM " TB[t] " t\n" \
			"     WHERE t.tenant_id = p_tenant AND t.created_at >= p_since\n     GROUP BY t.tenant_id\n" tag ";\n"
	} else {
		KIND = "PROCEDURE"
		s = "DO " tag "\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" pick(ROLE, NROLE) "') THEN\n" \
			"        CREATE ROLE " pick(ROLE, NROLE) " NOLOGIN;\n    END IF;\n" \
			"    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', '" pick(SCH, NSCH) "', '" pick(ROLE, NROLE) "');\nEND\n" tag ";\n"
	}
	return s
}

function stmt_trigger(   t, name, s, f, c) {
	t = some_table()
	KIND = "TRIGGER"
	if (nfun == 0) { f = "app.touch_updated_at"; } else f = FN[1 + rnd(nfun)]
	name = "trg_" substr(TB[t], index(TB[t], ".") + 1) "_" (nfun + rnd(1000))
	LASTNAME = name
	c = some_col(t)
	if (chance(50))
		s = "CREATE TRIGGER " name " BEFORE UPDATE ON " TB[t] " FOR EACH ROW EXECUTE FUNCTION " f "();\n"
	else
		s = "CREATE " (chance(40) ? "OR REPLACE " : "") "TRIGGER " name " AFTER INSERT OR DELETE OR UPDATE OF " c " ON " TB[t] \
			"\n    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION " f "();\n"
	return s
}

function stmt_view(   t, u, name, s, c, c2, mat) {
	t = some_table(); u = some_table()
	mat = chance(30)
	name = pick(SCH, NSCH) "." (mat ? "mv_" : "v_") pick(NOUN, NNOUN) "_" (++nview)
	KIND = mat ? "MATERIALIZED VIEW" : "VIEW"; LASTNAME = name
	c = some_col(t); c2 = some_col(u)
	s = "CREATE " (mat ? "MATERIALIZED VIEW " : "OR REPLACE VIEW ") name " AS\n"
	if (chance(40))
		s = s " WITH recent AS (\n         SELECT x.id, x." c ", x.created_at,\n" \
			"            row_number() OVER (PARTITION BY x.tenant_id ORDER BY x.created_at DESC) AS rn\n" \
			"           FROM " TB[t] " x\n          WHERE (x.created_at > (now() - '30 days'::interval))\n        )\n" \
			" SELECT r.id,\n    r." c ",\n    CASE WHEN (r.rn = 1) THEN 'latest'::text ELSE 'older'::text END AS label\n" \
			"   FROM recent r\n  WHERE (r.rn <= " (1 + rnd(20)) ")"
	else
		s = s " SELECT a.id,\n    a." c ",\n    count(b.id) AS n,\n" \
			"    COALESCE(sum(b.id) FILTER (WHERE (b.deleted_at IS NULL)), (0)::numeric) AS live\n" \
			"   FROM (" TB[t] " a\n     LEFT JOIN " TB[u] " b ON ((b.id = a.id)))\n" \
			"  WHERE (a.created_at >= '2026-01-01 00:00:00+00'::timestamp with time zone)\n" \
			"  GROUP BY a.id, a." c "\n HAVING (count(*) > " rnd(5) ")"
	s = s (mat ? "\n  WITH NO DATA;\n" : ";\n")
	return s
}

function stmt_insert(small,   t, u, s, nc, cols, i, k, rows, row, c, idx) {
	t = some_table()
	KIND = "TABLE DATA"; LASTNAME = TB[t]
	nc = TNC[t] - 1
	if (nc > 6) nc = 6
	if (nc < 1) nc = 1
	cols = ""
	for (i = 2; i <= nc + 1; i++) cols = cols (i > 2 ? ", " : "") TC[t, i]
	if (chance(15)) {
		u = some_table()
		return "INSERT INTO " TB[t] " (" TC[t, 2] ")\nSELECT " some_col(u) " FROM " TB[u] " WHERE created_at < now() - interval '1 year'" \
			" ON CONFLICT DO NOTHING;\n"
	}
	rows = small ? 1 + rnd(5) : 1 + rnd(25)
	s = "INSERT INTO " TB[t] " (" cols ") VALUES\n"
	for (k = 0; k < rows; k++) {
		row = ""
		for (i = 2; i <= nc + 1; i++) row = row (i > 2 ? ", " : "") literal_for(TCK[t, i])
		s = s (k > 0 ? ",\n" : "") "    (" row ")"
	}
	if (chance(30)) s = s "\nON CONFLICT (id) DO UPDATE SET " TC[t, 2] " = EXCLUDED." TC[t, 2] ", updated_at = now()"
	else if (chance(20)) s = s "\nON CONFLICT DO NOTHING"
	if (chance(10)) s = s "\nRETURNING id"
	return s ";\n"
}

function stmt_update(   t, u, s, c, r) {
	t = some_table()
	KIND = "TABLE DATA"; LASTNAME = TB[t]
	c = some_col(t)
	r = rnd(5)
	if (r == 0) {
		u = some_table()
		return "UPDATE " TB[t] " AS a\n   SET updated_at = now(), " c " = b." some_col(u) "\n  FROM " TB[u] " AS b\n WHERE a.id = b.id AND b.deleted_at IS NULL;\n"
	}
	if (r == 1) return "DELETE FROM " TB[t] " WHERE created_at < now() - interval '" (30 + rnd(700)) " days' AND deleted_at IS NOT NULL;\n"
	s = "UPDATE " TB[t] " SET " c " = " literal_for(TCK[t, 1 + rnd(TNC[t])]) ", updated_at = now()"
	s = s "\n WHERE " (chance(50) ? "id IN (SELECT id FROM " TB[t] " WHERE " c " IS NULL LIMIT " (1000 * (1 + rnd(10))) ")" : "tenant_id = " rnd(5000) " AND deleted_at IS NULL")
	return s ";\n"
}

function stmt_misc(   r, t, name, s, i, n) {
	r = rnd(20)
	t = some_table()
	KIND = "MISC"; LASTNAME = TB[t]
	if (r < 2) {
		name = "app.status_" (++ntype)
		KIND = "TYPE"; LASTNAME = name
		n = 3 + rnd(5); s = ""
		for (i = 0; i < n; i++) s = s (i ? ", " : "") "'" STAT[1 + (i + ntype) % NSTAT] "'"
		return "CREATE TYPE " name " AS ENUM (" s ");\n"
	}
	if (r < 3 && ntype > 0) return "ALTER TYPE app.status_" (1 + rnd(ntype)) " ADD VALUE IF NOT EXISTS '" word() "' AFTER 'pending';\n"
	if (r < 5) { KIND = "SEQUENCE"; name = "app." word() "_seq_" (++nseq); LASTNAME = name
		return "CREATE SEQUENCE " name "\n    START WITH " (1 + rnd(1000)) "\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n" }
	if (r < 8) { KIND = "ACL"; return "GRANT SELECT" (chance(50) ? ",INSERT,DELETE,UPDATE" : "") " ON TABLE " TB[t] " TO " pick(ROLE, NROLE) ";\n" }
	if (r < 9) { KIND = "ACL"; return "REVOKE ALL ON TABLE " TB[t] " FROM PUBLIC;\n" }
	if (r < 10) { KIND = "POLICY"; return "CREATE POLICY tenant_isolation_" ntab "_" rnd(1000) " ON " TB[t] " USING ((tenant_id = (current_setting('app.tenant_id'::text))::bigint));\n" }
	if (r < 12) return "SET " (chance(50) ? "lock_timeout = '" (1 + rnd(9)) "s'" : "statement_timeout = '" (10 + rnd(50)) "s'") ";\n"
	if (r < 13) return "DROP INDEX CONCURRENTLY IF EXISTS " substr(TB[t], 1, index(TB[t], ".")) "old_idx_" rnd(1000) ";\n"
	if (r < 14) return "DROP TABLE IF EXISTS app.tmp_" word() "_" rnd(1000) " CASCADE;\n"
	if (r < 15) return "DROP TRIGGER IF EXISTS trg_" word() " ON " TB[t] ";\n"
	if (r < 16) return "ANALYZE " TB[t] ";\n"
	if (r < 17 && nview > 0) return "REFRESH MATERIALIZED VIEW app.mv_" pick(NOUN, NNOUN) "_" (1 + rnd(nview)) ";\n"
	if (r < 18 && nseq > 0) return "SELECT pg_catalog.setval('app." word() "_seq_" (1 + rnd(nseq)) "', " rnd(100000) ", true);\n"
	if (r < 19) return "/* " word() ": backfill runs in batches, see runbook */\nCREATE INDEX " (chance(50) ? "CONCURRENTLY " : "") \
		substr(TB[t], index(TB[t], ".") + 1) "_tenant_created_" (++nidx) " ON " TB[t] " (tenant_id, created_at DESC);\n"
	return "ALTER TABLE " TB[t] " ALTER COLUMN " some_col(t) " SET STATISTICS " (100 * (1 + rnd(10))) ";\n"
}
