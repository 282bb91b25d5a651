-- Statements the two builds of libpg_query (cgo: pg_query_go, wasm:
-- go-pgquery) must parse, deparse, scan and report errors for identically.
-- TestBuildsAgree parses the file whole and each statement (separated by a
-- line holding only "-- next") alone, so an error in one hides no other.
SELECT $1::int, @name, sqlc.arg(foo), sqlc.narg('bar'), sqlc.slice(ids), sqlc.embed(t) FROM t
-- next
SELECT 'a' || E'\n\t\\' || U&'\0041\+01F600' || U&"d\0061t\+000061" || $$dollar 'quoted'$$ || $tag$ nested $$ inside $tag$ || B'101' || X'1F' || N'national'
-- next
SELECT /* nested /* block */ comment */ 1 -- trailing
-- next
SELECT "ünïcödé", 'naïve — ☃ 😀' AS "Ëmoji 😀" FROM "Tëst"."Tåble" AS "ä"
-- next
SELECT x FROM t WHERE y = ANY($1::uuid[]) AND z IS DISTINCT FROM NULL AND w IS NOT TRUE AND v NOT BETWEEN SYMMETRIC 1 AND 2 AND u ILIKE ANY (ARRAY['a%', 'b_']) AND s SIMILAR TO '(a|b)%' ESCAPE '#' AND r LIKE 'x\%' ESCAPE '\'
-- next
SELECT jsonb_path_query(doc, '$.a[*] ? (@ > 1)'), doc->>'a', doc #> '{a,b}', doc @? '$.a', doc - 'k', doc || '{}'::jsonb, doc ? 'k', doc ?| ARRAY['a'], doc ?& ARRAY['b'] FROM t
-- next
SELECT JSON_OBJECT('a': 1, 'b' VALUE 2 ABSENT ON NULL RETURNING jsonb), JSON_ARRAY(1, 2 NULL ON NULL), JSON_QUERY(doc, '$.a' WITH WRAPPER), JSON_VALUE(doc, '$.b' RETURNING int DEFAULT 0 ON EMPTY), JSON_EXISTS(doc, 'strict $.c'), JSON(doc::text), doc IS JSON OBJECT WITH UNIQUE KEYS FROM t
-- next
SELECT jt.* FROM t, JSON_TABLE(t.doc, '$.items[*]' COLUMNS (ord FOR ORDINALITY, id int PATH '$.id', name text PATH '$.name' DEFAULT 'none' ON EMPTY, NESTED PATH '$.tags[*]' COLUMNS (tag text PATH '$'))) AS jt
-- next
MERGE INTO t USING s ON t.id = s.id AND t.tenant_id = s.tenant_id WHEN MATCHED AND s.deleted THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED BY SOURCE THEN DELETE WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v) RETURNING merge_action(), t.*
-- next
CREATE TABLE IF NOT EXISTS app."Events" (
    tenant_id  uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid REFERENCES tenants (id) ON DELETE CASCADE ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    id         bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5),
    a          numeric(12, 2) NOT NULL CHECK (a >= 0),
    b          integer[] DEFAULT '{}',
    total      numeric GENERATED ALWAYS AS (a * coalesce(array_length(b, 1), 0)) STORED,
    created_at timestamptz(3) NOT NULL DEFAULT now(),
    body       text COMPRESSION pglz COLLATE "C",
    span       tstzrange,
    PRIMARY KEY (tenant_id, id) INCLUDE (a),
    UNIQUE NULLS NOT DISTINCT (tenant_id, body),
    CONSTRAINT no_overlap EXCLUDE USING gist (tenant_id WITH =, span WITH &&) WHERE (body IS NOT NULL),
    FOREIGN KEY (tenant_id, a) REFERENCES other (tenant_id, a) MATCH FULL ON DELETE SET NULL (a)
) PARTITION BY RANGE (created_at)
-- next
CREATE TABLE events_2026 PARTITION OF app."Events" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') WITH (fillfactor = 70)
-- next
CREATE TABLE events_default PARTITION OF app."Events" DEFAULT; CREATE TABLE h PARTITION OF hp FOR VALUES WITH (MODULUS 4, REMAINDER 1)
-- next
CREATE UNLOGGED TABLE c (LIKE app."Events" INCLUDING ALL EXCLUDING INDEXES) INHERITS (base) WITHOUT OIDS
-- next
ALTER TABLE ONLY t ADD COLUMN IF NOT EXISTS c int, ALTER COLUMN d SET DEFAULT 1, ALTER COLUMN e DROP NOT NULL, ALTER COLUMN f TYPE bigint USING f::bigint, ADD CONSTRAINT k FOREIGN KEY (tenant_id, p) REFERENCES p (tenant_id, id) NOT VALID, VALIDATE CONSTRAINT k, DROP CONSTRAINT IF EXISTS old CASCADE, ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY, OWNER TO app_owner
-- next
ALTER TABLE t RENAME COLUMN a TO "B"; ALTER TABLE t RENAME TO u; ALTER TABLE u SET SCHEMA other; ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1, 2); ALTER TABLE p DETACH PARTITION c CONCURRENTLY
-- next
CREATE POLICY "tenant isolation" ON t AS RESTRICTIVE FOR ALL TO app, PUBLIC USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id')::uuid))
-- next
ALTER POLICY p ON t RENAME TO q; ALTER POLICY q ON t TO app USING (true); DROP POLICY IF EXISTS q ON t
-- next
CREATE OR REPLACE FUNCTION app.keep_tenant() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    r record;
    n int := 0;
BEGIN
    IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
        RAISE EXCEPTION 'tenant_id of % cannot change', TG_TABLE_NAME USING ERRCODE = '42501';
    END IF;
    FOR r IN SELECT * FROM t WHERE t.id = NEW.id LOOP
        n := n + 1;
    END LOOP;
    EXECUTE 'SET LOCAL app.tenant_id = ' || quote_literal(NEW.tenant_id::text);
    EXECUTE format('SELECT 1 FROM %I WHERE id = $1', TG_TABLE_NAME) USING NEW.id;
    PERFORM set_config('app.tenant_id', '', true);
    UPDATE other SET x = 1 WHERE id = NEW.id;
    RETURN NEW;
EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS n = ROW_COUNT;
    RETURN NULL;
END
$fn$
-- next
CREATE FUNCTION g(a int, OUT b int, VARIADIC c text[] DEFAULT '{}') RETURNS SETOF record LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF COST 10 ROWS 5 BEGIN ATOMIC SELECT a + 1; END
-- next
CREATE FUNCTION h() RETURNS TABLE (id uuid, n bigint) LANGUAGE sql STABLE RETURN (SELECT 1)
-- next
ALTER FUNCTION app.keep_tenant() SECURITY INVOKER RESET search_path SET work_mem = '64MB'; ALTER FUNCTION g(int) OWNER TO app_owner; DROP FUNCTION IF EXISTS g(int), h() CASCADE
-- next
CREATE TRIGGER keep_tenant BEFORE UPDATE OF tenant_id OR DELETE ON t REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION app.keep_tenant('arg', 1)
-- next
CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE PROCEDURE f()
-- next
CREATE OR REPLACE VIEW v WITH (security_barrier, security_invoker = true) AS SELECT t.id, count(*) FILTER (WHERE t.a > 0) AS n FROM t GROUP BY ROLLUP (t.id), CUBE (t.a), GROUPING SETS ((), (t.b)) HAVING count(*) > 1 WITH LOCAL CHECK OPTION
-- next
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a WITH NO DATA; REFRESH MATERIALIZED VIEW CONCURRENTLY mv
-- next
CREATE TYPE mood AS ENUM ('sad', 'ok', 'ünïcödé'); ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy' BEFORE 'ok'; ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'; CREATE TYPE pair AS (a int, b text); CREATE TYPE r AS RANGE (subtype = float8)
-- next
CREATE DOMAIN slug AS text COLLATE "C" DEFAULT '' NOT NULL CHECK (VALUE ~ '^[a-z0-9-]*$')
-- next
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY t USING btree (tenant_id, lower(body) text_pattern_ops DESC NULLS LAST) INCLUDE (a) NULLS NOT DISTINCT WITH (fillfactor = 90) WHERE deleted_at IS NULL; CREATE INDEX ON t USING gin (doc jsonb_path_ops)
-- next
CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION app_owner; CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public; CREATE SEQUENCE s AS int START 1 OWNED BY t.id
-- next
WITH RECURSIVE tree (id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM nodes WHERE parent_id IS NULL UNION ALL SELECT n.id, n.parent_id, tree.depth + 1 FROM nodes n JOIN tree ON n.parent_id = tree.id) SEARCH DEPTH FIRST BY id SET ord CYCLE id SET is_cycle USING path, ins AS MATERIALIZED (INSERT INTO log (id) SELECT id FROM tree RETURNING id) SELECT * FROM tree ORDER BY ord
-- next
SELECT sum(a) OVER w, rank() OVER (PARTITION BY b ORDER BY c DESC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES), array_agg(DISTINCT d ORDER BY d) FILTER (WHERE d IS NOT NULL), percentile_cont(0.5) WITHIN GROUP (ORDER BY e), string_agg(f, ',' ORDER BY f) FROM t WINDOW w AS (ORDER BY a RANGE BETWEEN '1 day' PRECEDING AND CURRENT ROW)
-- next
SELECT a COLLATE "C", b AT TIME ZONE 'UTC', c AT LOCAL, interval '1 day 2 hours' HOUR TO SECOND, CAST(x AS numeric(10,2)), x::timestamptz(3), (ARRAY[1,2,3])[1:2], ARRAY(SELECT 1), ROW(1, 'a'), (t.*)::text, (t).a, t.*, EXTRACT(epoch FROM now()), OVERLAY('abc' PLACING 'x' FROM 2 FOR 1), POSITION('b' IN 'abc'), SUBSTRING('abc' FROM 2 FOR 1), TRIM(BOTH 'x' FROM 'xax'), NORMALIZE('a', NFC), 'a' IS NFC NORMALIZED FROM t
-- next
SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE c WHEN 1 THEN 'x' END, COALESCE(a, b), GREATEST(1, 2), LEAST(1, 2), NULLIF(a, ''), EXISTS (SELECT 1), a IN (1, 2), a NOT IN (SELECT 1), a = ALL (SELECT 1), a OPERATOR(pg_catalog.+) 1, -a, @ -1, |/ 4, 2 ^ 3, 7 % 2, 1 << 2, ~1, 'a' < 'b' COLLATE "C"
-- next
SELECT DISTINCT ON (a) a, b FROM t1 TABLESAMPLE BERNOULLI (10) REPEATABLE (1) NATURAL LEFT JOIN t2 FULL OUTER JOIN t3 USING (id) AS j CROSS JOIN LATERAL (SELECT 1) l (x) JOIN ROWS FROM (generate_series(1, 3), unnest('{a}'::text[])) WITH ORDINALITY AS g (n, s, o) ON true WHERE a > 0 ORDER BY a USING < OFFSET 5 ROWS FETCH FIRST 10 ROWS WITH TIES
-- next
SELECT 1 FROM t FOR NO KEY UPDATE OF t SKIP LOCKED; SELECT 1 FROM t FOR SHARE NOWAIT; SELECT 1 UNION SELECT 2 INTERSECT ALL SELECT 3 EXCEPT SELECT 4 LIMIT ALL
-- next
INSERT INTO t AS x (tenant_id, id, a) OVERRIDING SYSTEM VALUE VALUES ($1, DEFAULT, $2), ($3, DEFAULT, $4) ON CONFLICT (tenant_id, id) WHERE a > 0 DO UPDATE SET a = EXCLUDED.a, (b, c) = ROW(EXCLUDED.b, EXCLUDED.c) WHERE x.a IS DISTINCT FROM EXCLUDED.a RETURNING *, x.id AS "the id"
-- next
INSERT INTO t DEFAULT VALUES ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING; INSERT INTO t SELECT * FROM s
-- next
UPDATE ONLY t AS x SET (a, b) = (SELECT a, b FROM s WHERE s.id = x.id), c = DEFAULT, d[1] = 2, e.f = 3 FROM s WHERE CURRENT OF cur; UPDATE t SET a = 1 WHERE id = $1 RETURNING a
-- next
DELETE FROM ONLY t AS x USING s, u WHERE x.id = s.id AND x.tenant_id = sqlc.arg(tenant_id)::uuid RETURNING x.*
-- next
COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true, NULL ''); COPY (SELECT 1) TO STDOUT
-- next
GRANT SELECT, INSERT, UPDATE (a, b) ON TABLE t, u TO app WITH GRANT OPTION; GRANT USAGE ON SCHEMA app TO app; REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC CASCADE; GRANT app_owner TO app WITH INHERIT FALSE, SET TRUE
-- next
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app GRANT SELECT ON TABLES TO app; ALTER ROLE app SET app.tenant_id = ''; ALTER DATABASE d SET search_path = app, public; CREATE ROLE r LOGIN NOBYPASSRLS NOSUPERUSER PASSWORD NULL
-- next
SET LOCAL app.tenant_id = 'x'; SET SESSION search_path TO a, "B"; SET TIME ZONE 'UTC'; RESET ALL; RESET app.tenant_id; SELECT set_config('app.tenant_id', $1, true)
-- next
DO LANGUAGE plpgsql $$ BEGIN PERFORM 1; EXECUTE 'SELECT 1'; END $$
-- next
COMMENT ON TABLE t IS 'tenantc: global'; COMMENT ON COLUMN t.a IS E'line\nbreak'; COMMENT ON POLICY p ON t IS NULL
-- next
SELECT system_user, current_user, session_user, user, current_role, current_catalog, current_schema, CURRENT_TIMESTAMP(3), LOCALTIME, current_date, 1e10, .5, 0x1F, 0o17, 0b101, 1_000_000, 'it''s'
-- next
SELECT 1;;; SELECT 2;
-- next
BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE; SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE s; COMMIT AND NO CHAIN; PREPARE TRANSACTION 'x'
-- next
EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT 1; VACUUM (ANALYZE) t; ANALYZE t (a); TRUNCATE t, u RESTART IDENTITY CASCADE; LOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT
-- next
DROP TABLE IF EXISTS t, app."Events" CASCADE; DROP INDEX CONCURRENTLY i; DROP VIEW v; DROP TYPE mood; DROP TRIGGER IF EXISTS keep_tenant ON t; DROP SCHEMA app RESTRICT; DROP EXTENSION pgcrypto
-- next
CREATE TABLE 'bad' (a int)
-- next
SELECT FROM WHERE
-- next
CREATE TABLE t (a int,)
-- next
SELECT 'ünïcödé 😀', ünï FROM WHERE x
-- next
SELECT $$unterminated
-- next
SELECT 'unterminated
-- next
SELECT "unterminated
-- next
SELECT 1 /* unterminated comment
-- next
\restrict abc
-- next
SELECT 1; SELEC 2
-- next
SELECT U&'\D800'
-- next
SELECT E'\xZZ', 1 +
-- next
CREATE FUNCTION bad() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF THEN END; $$
-- next
CREATE FUNCTION bad2() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1 $$
-- next

-- next
   -- only a comment
