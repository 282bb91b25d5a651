package citustest

// Stubs stands in for Citus on plain PostgreSQL (CI has no Citus): its
// distribution functions, with the checks of Citus 13 that tenantc's
// migrations must pass, over a pg_dist_partition table of its own (in
// public: on a Citus coordinator pg_catalog's comes first on the search
// path, so the generated down parts read the real one there). A check the
// stubs make is Citus' own, with its message:
//   - a table is distributed once (create_*), undistributed only when it is
//     (undistribute_table);
//   - a foreign key of the table being distributed references a table that
//     is distributed already (the dependency order), never a distributed
//     one from a reference table, and between distributed tables pairs the
//     distribution columns at the same position of colocated tables;
//   - a distributed table's unique keys include the distribution column;
//   - colocate_with names a hash-distributed table;
//   - undistribute_table without cascade_via_foreign_keys refuses a table
//     with foreign keys, and with it undistributes every table they connect.
//
// Partitions are distributed with their parent.
const Stubs = `
CREATE TABLE pg_dist_partition (
    logicalrelid regclass PRIMARY KEY,
    partmethod "char" NOT NULL, -- Citus' codes: h hash, n none (reference)
    partkey text,               -- the distribution column's name (Citus keeps a Var)
    colocationid int NOT NULL
);

CREATE FUNCTION citus_stub_check_fks(rel regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    me pg_dist_partition;
    fk record;
    other pg_dist_partition;
BEGIN
    SELECT * INTO me FROM pg_dist_partition WHERE logicalrelid = rel;
    FOR fk IN SELECT conname, confrelid::regclass AS ref, conkey, confkey FROM pg_constraint
              WHERE contype = 'f' AND conrelid = rel AND confrelid <> rel LOOP
        SELECT * INTO other FROM pg_dist_partition WHERE logicalrelid = fk.ref;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'referenced table "%" must be a distributed table or a reference table', fk.ref;
        END IF;
        IF me.partmethod = 'n' AND other.partmethod = 'h' THEN
            RAISE EXCEPTION 'cannot create foreign key constraint since foreign keys from reference tables and local tables to distributed tables are not supported';
        END IF;
        IF me.partmethod = 'h' AND other.partmethod = 'h' AND (me.colocationid <> other.colocationid
            OR array_position(fk.conkey, (SELECT attnum FROM pg_attribute WHERE attrelid = rel AND attname = me.partkey))
               IS DISTINCT FROM array_position(fk.confkey, (SELECT attnum FROM pg_attribute WHERE attrelid = fk.ref AND attname = other.partkey))) THEN
            RAISE EXCEPTION 'cannot create foreign key constraint %: Foreign keys are supported in two cases, either in between two colocated tables including partition column in the same ordinal in the both tables or from distributed to reference tables', fk.conname;
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION citus_stub_distribute(rel regclass, method "char", col text, colocation int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    part regclass;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = rel) THEN
        RAISE EXCEPTION 'table "%" is already distributed', rel;
    END IF;
    INSERT INTO pg_dist_partition VALUES (rel, method, col, colocation);
    PERFORM citus_stub_check_fks(rel);
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = rel LOOP
        PERFORM citus_stub_distribute(part, method, col, colocation);
    END LOOP;
END $$;

CREATE FUNCTION create_reference_table(table_name regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM citus_stub_distribute(table_name, 'n', NULL, 0);
END $$;

CREATE FUNCTION create_distributed_table(table_name regclass, distribution_column text,
    distribution_type text DEFAULT 'hash', colocate_with text DEFAULT 'default', shard_count int DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    col_num int2;
    col_type oid;
    colocation int;
BEGIN
    SELECT attnum, atttypid INTO col_num, col_type FROM pg_attribute
        WHERE attrelid = table_name AND attname = distribution_column AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation "%" does not exist', distribution_column, table_name;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_index WHERE indrelid = table_name AND indisunique AND NOT (col_num = ANY (indkey))) THEN
        RAISE EXCEPTION 'Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column (with an equality operator if EXCLUDE).';
    END IF;
    CASE lower(colocate_with)
    WHEN 'default' THEN colocation := col_type; -- one group per type (one shard count here)
    WHEN 'none' THEN colocation := -1 - (SELECT count(*) FROM pg_dist_partition);
    ELSE
        SELECT colocationid INTO colocation FROM pg_dist_partition
            WHERE logicalrelid = colocate_with::regclass AND partmethod = 'h';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'cannot colocate tables % and %', colocate_with, table_name;
        END IF;
    END CASE;
    PERFORM citus_stub_distribute(table_name, 'h', distribution_column, colocation);
END $$;

CREATE FUNCTION undistribute_table(table_name regclass, cascade_via_foreign_keys boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = table_name) THEN
        RAISE EXCEPTION 'cannot undistribute table because the table is not distributed';
    END IF;
    IF NOT cascade_via_foreign_keys AND EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f'
            AND conrelid <> confrelid AND table_name IN (conrelid, confrelid)) THEN
        RAISE EXCEPTION 'cannot complete operation because table % has a foreign key', table_name;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS citus_stub_connected (rel oid PRIMARY KEY) ON COMMIT DROP;
    DELETE FROM citus_stub_connected;
    INSERT INTO citus_stub_connected VALUES (table_name);
    LOOP
        INSERT INTO citus_stub_connected
            SELECT DISTINCT n.rel FROM citus_stub_connected x
            JOIN LATERAL (
                SELECT CASE WHEN c.conrelid = x.rel THEN c.confrelid ELSE c.conrelid END FROM pg_constraint c
                    WHERE cascade_via_foreign_keys AND c.contype = 'f' AND x.rel IN (c.conrelid, c.confrelid)
                UNION SELECT inhrelid FROM pg_inherits WHERE inhparent = x.rel
            ) n(rel) ON true
            ON CONFLICT DO NOTHING;
        EXIT WHEN NOT FOUND;
    END LOOP;
    DELETE FROM pg_dist_partition WHERE logicalrelid::oid IN (SELECT rel FROM citus_stub_connected);
END $$;
`
