package livecat

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// Read reads the objects of the given schemas (every schema but the system
// ones when none are given) from the database conn is connected to. It runs in
// one read-only, repeatable-read transaction, so it sees one snapshot, and
// needs no privilege beyond connecting: the catalogs it reads are readable by
// every role.
//
// The catalog holds what the parser would build from SQL creating the same
// objects, in creation (oid) order: tables (partitions with PartitionOf,
// partitioned tables with PartitionBy), their columns, keys, foreign keys,
// indexes, policies, RLS flags, owner and non-internal triggers; views and
// materialized views; functions; enum types. Objects that belong to an
// extension are left out, as are foreign tables, which the parser does not
// model either: they are in Live.Relations. Catalog.Schemas lists the schemas
// read other than public, which no schema file creates.
func Read(ctx context.Context, conn *pgx.Conn, schemas []string) (*catalog.Catalog, *Live, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, fmt.Errorf("livecat: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only: nothing to keep
	// pg_get_expr qualifies the names the search path does not reach; public
	// alone makes it print what unqualified SQL in public would say.
	if _, err := tx.Exec(ctx, "SELECT pg_catalog.set_config('search_path', 'public', true)"); err != nil {
		return nil, nil, fmt.Errorf("livecat: %w", err)
	}
	r := &reader{ctx: ctx, tx: tx, cat: &catalog.Catalog{}, live: &Live{},
		tables: map[uint32]*catalog.Table{}, rels: map[uint32]*Relation{}, views: map[uint32]*catalog.View{},
		funcs: map[uint32]*Function{}, schemaOf: map[uint32]*Schema{}, attnames: map[uint32]map[int16]string{}}
	for _, step := range []func() error{
		r.session, func() error { return r.schemas(schemas) }, r.roles, r.relations, r.columns, r.partitionKeys,
		r.indexes, r.foreignKeys, r.policies, r.triggers, r.viewReads, r.functions, r.functionBodies, r.enums, r.grants,
		r.rewriteRules, r.roleSettings, r.columnGrants, r.inactiveTriggers, r.sequences, r.defaultPrivileges,
	} {
		if err := step(); err != nil {
			return nil, nil, fmt.Errorf("livecat: %w", err)
		}
	}
	return r.cat, r.live, nil
}

type reader struct {
	ctx  context.Context
	tx   pgx.Tx
	cat  *catalog.Catalog
	live *Live

	nsOIDs []uint32
	tables map[uint32]*catalog.Table // tables and partitioned tables by oid
	rels   map[uint32]*Relation      // every relation read, by oid
	views  map[uint32]*catalog.View
	funcs  map[uint32]*Function

	schemaOf    map[uint32]*Schema
	attnames    map[uint32]map[int16]string // relation oid → attnum → column name
	partitioned []partitionKey
}

// partitionKey is a partitioned table's key as pg_partitioned_table holds it.
type partitionKey struct {
	oid      uint32
	t        *catalog.Table
	strategy string
	attrs    []int16
	exprs    string // pg_get_expr of the expression elements, comma-separated
}

// notExtension is a condition on an object's oid (column oid of catalog cls)
// that leaves out objects an extension created.
func notExtension(cls, oid string) string {
	return fmt.Sprintf(`NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
		WHERE e.classid = '%s'::regclass AND e.objid = %s AND e.deptype = 'e')`, cls, oid)
}

func (r *reader) session() error {
	var version string
	if err := r.tx.QueryRow(r.ctx, `SELECT current_user::text, current_setting('server_version_num'),
	pg_catalog.pg_get_userbyid(d.datdba)::text FROM pg_catalog.pg_database d WHERE d.datname = current_database()`).
		Scan(&r.live.CurrentUser, &version, &r.live.DatabaseOwner); err != nil {
		return err
	}
	r.live.ServerVersion, _ = strconv.Atoi(version)
	return nil
}

func (r *reader) schemas(names []string) error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT n.oid, n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text
FROM pg_catalog.pg_namespace n
WHERE CASE WHEN coalesce(cardinality($1::text[]), 0) = 0
	THEN n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
	ELSE n.nspname = ANY ($1) END
	AND `+notExtension("pg_namespace", "n.oid")+`
ORDER BY n.oid`, names)
	found := map[string]bool{}
	var (
		oid         uint32
		name, owner string
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &name, &owner}, func() error {
		r.nsOIDs = append(r.nsOIDs, oid)
		s := &Schema{Name: name, Owner: owner}
		r.live.Schemas = append(r.live.Schemas, s)
		r.schemaOf[oid] = s
		if name != "public" {
			r.cat.Schemas = append(r.cat.Schemas, name)
		}
		found[name] = true
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range names {
		if !found[n] {
			return fmt.Errorf("schema %q does not exist", n)
		}
	}
	return nil
}

func (r *reader) roles() error {
	// Before PostgreSQL 16 every membership inherits when the member has
	// rolinherit; since, each grant says.
	inherit := "m_r.rolinherit"
	if r.live.ServerVersion >= 160000 {
		inherit = "m.inherit_option"
	}
	rows, _ := r.tx.Query(r.ctx, `
SELECT r.rolname::text, r.rolsuper, r.rolbypassrls, r.rolcanlogin, r.rolinherit, r.rolcreaterole, r.rolreplication,
	ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members m
		JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
		JOIN pg_catalog.pg_roles m_r ON m_r.oid = m.member
		WHERE m.member = r.oid ORDER BY g.rolname),
	ARRAY(SELECT `+inherit+` FROM pg_catalog.pg_auth_members m
		JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
		JOIN pg_catalog.pg_roles m_r ON m_r.oid = m.member
		WHERE m.member = r.oid ORDER BY g.rolname)
FROM pg_catalog.pg_roles r ORDER BY r.rolname`)
	var (
		role     Role
		of       []string
		inherits []bool
	)
	_, err := pgx.ForEachRow(rows, []any{&role.Name, &role.Superuser, &role.BypassRLS, &role.Login, &role.Inherit,
		&role.CreateRole, &role.Replication, &of, &inherits}, func() error {
		rl := role
		for i, g := range of {
			rl.Memberships = append(rl.Memberships, Membership{Role: g, Inherit: inherits[i]})
		}
		r.live.Roles = append(r.live.Roles, &rl)
		return nil
	})
	return err
}

var relKinds = map[string]RelKind{"r": KindTable, "p": KindPartitionedTable, "v": KindView, "m": KindMaterializedView, "f": KindForeignTable}

func (r *reader) relations() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, pg_catalog.pg_get_userbyid(c.relowner)::text,
	c.relrowsecurity, c.relforcerowsecurity, coalesce(c.reloptions, '{}'),
	pn.nspname::text, pc.relname::text,
	pt.partstrat::text, pt.partattrs::int2[], pg_catalog.pg_get_expr(pt.partexprs, pt.partrelid),
	(SELECT s.srvname::text FROM pg_catalog.pg_foreign_table ft
		JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid = c.oid)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid
WHERE c.relnamespace = ANY ($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	AND `+notExtension("pg_class", "c.oid")+`
ORDER BY c.oid`, r.nsOIDs)
	var (
		oid                       uint32
		schema, name, kind, owner string
		rls, force                bool
		options                   []string
		parentSchema, parentName  *string
		strategy, partExprs       *string
		partAttrs                 []int16
		server                    *string
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &schema, &name, &kind, &owner, &rls, &force, &options,
		&parentSchema, &parentName, &strategy, &partAttrs, &partExprs, &server}, func() error {
		n := catalog.Name{Schema: schema, Name: name}
		rel := &Relation{Name: n, Kind: relKinds[kind], Owner: owner}
		if server != nil {
			rel.Server = *server
		}
		r.live.Relations = append(r.live.Relations, rel)
		r.rels[oid] = rel
		switch rel.Kind {
		case KindTable, KindPartitionedTable:
			t := &catalog.Table{Name: n, Pos: Pos(TableObject(n)), RLSEnabled: rls, RLSForced: force, Owner: owner}
			if parentName != nil {
				t.PartitionOf = &catalog.Name{Schema: *parentSchema, Name: *parentName}
			}
			if strategy != nil {
				p := partitionKey{oid: oid, t: t, strategy: *strategy, attrs: slices.Clone(partAttrs)}
				if partExprs != nil {
					p.exprs = *partExprs
				}
				r.partitioned = append(r.partitioned, p)
			}
			r.cat.Tables = append(r.cat.Tables, t)
			r.tables[oid] = t
		case KindView, KindMaterializedView:
			v := &catalog.View{Name: n, Materialized: rel.Kind == KindMaterializedView, Pos: Pos(RelationObject(rel.Kind, n))}
			for _, o := range options {
				k, val, _ := strings.Cut(o, "=")
				if k == "security_invoker" {
					v.SecurityInvoker = parseBool(val)
				}
			}
			r.cat.Views = append(r.cat.Views, v)
			r.views[oid] = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	return nil
}

func (r *reader) columns() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT a.attrelid, a.attnum, a.attname::text, a.attnotnull, a.attidentity::text, a.attgenerated::text,
	pg_catalog.pg_get_expr(d.adbin, d.adrelid),
	bn.nspname::text, b.typname::text, t.typcategory = 'A',
	pg_catalog.format_type(b.oid, NULL),
	CASE WHEN a.atttypmod >= 0 THEN pg_catalog.format_type(b.oid, a.atttypmod) END
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace bn ON bn.oid = b.typnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = ANY ($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`, r.nsOIDs)
	var (
		rel                          uint32
		num                          int16
		name                         string
		notNull, array               bool
		identity, generated          string
		expr, withMods               *string
		typeSchema, typeName, format string
	)
	_, err := pgx.ForEachRow(rows, []any{&rel, &num, &name, &notNull, &identity, &generated, &expr,
		&typeSchema, &typeName, &array, &format, &withMods}, func() error {
		rl := r.rels[rel]
		if rl == nil {
			return nil // an extension's relation
		}
		rl.Columns = append(rl.Columns, name)
		if r.attnames[rel] == nil {
			r.attnames[rel] = map[int16]string{}
		}
		r.attnames[rel][num] = name
		t := r.tables[rel]
		if t == nil {
			return nil
		}
		col := &catalog.Column{Name: name, NotNull: notNull, Pos: Pos(ColumnObject(t.Name, name))}
		col.Type = columnType(typeSchema, typeName, format, withMods, array)
		switch identity {
		case "a":
			col.Identity = "ALWAYS"
		case "d":
			col.Identity = "BY DEFAULT"
		}
		if expr != nil {
			e, err := sqlexpr.NormalizeStored(*expr)
			if err != nil {
				return fmt.Errorf("column %s.%s: %w", t.Name, name, err)
			}
			if generated != "" {
				col.Generated = e
			} else {
				col.Default = e
			}
		}
		t.Columns = append(t.Columns, col)
		return nil
	})
	return err
}

// columnType builds a catalog type the way the parser spells it: built-in
// types unqualified under format_type's name with their modifiers apart
// ("character varying", "(255)"); user types by name, with their schema unless
// it is public.
func columnType(schema, name, format string, withMods *string, array bool) catalog.Type {
	t := catalog.Type{Array: array}
	if schema != "pg_catalog" {
		t.Name = name
		if schema != "public" {
			t.Schema = schema
		}
		return t
	}
	t.Name = format
	if len(format) > 1 && format[0] == '"' { // "char", "bit": format_type quotes names that are keywords
		t.Name = strings.ReplaceAll(format[1:len(format)-1], `""`, `"`)
	}
	if withMods != nil && *withMods != format {
		// The modifiers are what the full spelling adds to the bare one; for
		// timestamp(3) with time zone they sit after the first word.
		full := *withMods
		i := 0
		for i < len(full) && i < len(format) && full[i] == format[i] {
			i++
		}
		t.Mods = full[i : len(full)-(len(format)-i)]
	}
	return t
}

func (r *reader) partitionKeys() error {
	for _, p := range r.partitioned {
		var exprs []string
		if p.exprs != "" {
			var err error
			if exprs, err = sqlexpr.NormalizeStoredList(p.exprs); err != nil {
				return fmt.Errorf("partition key of %s: %w", p.t.Name, err)
			}
		}
		var keys []string
		for _, a := range p.attrs {
			if a != 0 {
				keys = append(keys, catalog.QuoteIdent(r.attnames[p.oid][a]))
				continue
			}
			if len(exprs) == 0 {
				return fmt.Errorf("partition key of %s: fewer expressions than keys", p.t.Name)
			}
			keys = append(keys, "("+exprs[0]+")")
			exprs = exprs[1:]
		}
		p.t.PartitionBy = map[string]string{"r": "RANGE", "l": "LIST", "h": "HASH"}[p.strategy] + " (" + strings.Join(keys, ", ") + ")"
	}
	return nil
}

func (r *reader) indexes() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT i.indrelid, ic.relname::text, i.indisunique, i.indisprimary, i.indkey::int2[],
	ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
	pg_catalog.pg_get_expr(i.indpred, i.indrelid),
	EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
		WHERE con.conrelid = i.indrelid AND con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = ANY ($1) AND c.relkind IN ('r', 'p')
ORDER BY i.indexrelid`, r.nsOIDs)
	var (
		rel             uint32
		name            string
		unique, primary bool
		constraint      bool
		keys            []int16
		defs            []string
		pred            *string
	)
	_, err := pgx.ForEachRow(rows, []any{&rel, &name, &unique, &primary, &keys, &defs, &pred, &constraint}, func() error {
		t := r.tables[rel]
		if t == nil {
			return nil
		}
		ix := &catalog.Index{Name: name, Unique: unique, Pos: Pos(IndexObject(t.Name, name))}
		for k, def := range defs {
			if k < len(keys) && keys[k] != 0 {
				ix.Columns = append(ix.Columns, r.attnames[rel][keys[k]])
				continue
			}
			e, err := sqlexpr.NormalizeStored(def)
			if err != nil {
				return fmt.Errorf("index %s: %w", name, err)
			}
			ix.Columns = append(ix.Columns, "("+e+")")
		}
		if pred != nil {
			e, err := sqlexpr.NormalizeStored(*pred)
			if err != nil {
				return fmt.Errorf("index %s: %w", name, err)
			}
			ix.Where = e
		}
		t.Indexes = append(t.Indexes, ix)
		// A primary key or unique constraint shares its index's name, so the
		// keys come from the indexes: constraints and unique indexes alike,
		// as the parser keeps them.
		switch {
		case primary:
			t.PrimaryKey = &catalog.Key{Name: name, Columns: slices.Clone(ix.Columns), Pos: Pos(ConstraintObject(t.Name, name))}
		case unique:
			pos := Pos(IndexObject(t.Name, name))
			if constraint {
				pos = Pos(ConstraintObject(t.Name, name))
			}
			t.Uniques = append(t.Uniques, &catalog.Key{Name: name, Columns: slices.Clone(ix.Columns), Index: !constraint, Pos: pos})
		}
		return nil
	})
	return err
}

func (r *reader) foreignKeys() error {
	// A foreign key to a partitioned table has a copy per partition of the
	// referenced table, on the referencing side (conparentid set, same
	// conrelid): internal, left out as the parser never sees them.
	rows, _ := r.tx.Query(r.ctx, `
SELECT con.conrelid, con.conname::text, con.conkey::int2[], rn.nspname::text, rc.relname::text,
	ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
		JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord),
	con.confdeltype::text, con.confupdtype::text
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_catalog.pg_constraint parent ON parent.oid = con.conparentid
WHERE c.relnamespace = ANY ($1) AND con.contype = 'f'
	AND (parent.oid IS NULL OR parent.conrelid <> con.conrelid)
ORDER BY con.oid`, r.nsOIDs)
	var (
		rel                     uint32
		name, refSchema, refRel string
		keys                    []int16
		refCols                 []string
		onDelete, onUpdate      string
	)
	_, err := pgx.ForEachRow(rows, []any{&rel, &name, &keys, &refSchema, &refRel, &refCols, &onDelete, &onUpdate}, func() error {
		t := r.tables[rel]
		if t == nil {
			return nil
		}
		fk := &catalog.ForeignKey{Name: name, RefTable: catalog.Name{Schema: refSchema, Name: refRel},
			RefColumns: slices.Clone(refCols), Pos: Pos(ConstraintObject(t.Name, name)),
			OnDelete: catalog.FKAction(onDelete), OnUpdate: catalog.FKAction(onUpdate)}
		for _, k := range keys {
			fk.Columns = append(fk.Columns, r.attnames[rel][k])
		}
		t.ForeignKeys = append(t.ForeignKeys, fk)
		return nil
	})
	return err
}

var policyCommands = map[string]string{"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}

func (r *reader) policies() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT p.polrelid, p.polname::text, p.polcmd::text, p.polpermissive,
	ARRAY(SELECT CASE WHEN u.role = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(u.role)::text END
		FROM unnest(p.polroles) WITH ORDINALITY u(role, ord) ORDER BY u.ord),
	pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = ANY ($1)
ORDER BY p.oid`, r.nsOIDs)
	var (
		rel          uint32
		name, cmd    string
		permissive   bool
		roles        []string
		using, check *string
	)
	_, err := pgx.ForEachRow(rows, []any{&rel, &name, &cmd, &permissive, &roles, &using, &check}, func() error {
		t := r.tables[rel]
		if t == nil {
			return nil
		}
		p := &catalog.Policy{Name: name, Command: policyCommands[cmd], Permissive: permissive, Pos: Pos(PolicyObject(t.Name, name))}
		if !slices.Contains(roles, "") { // PUBLIC stands for every role
			p.Roles = slices.Clone(roles)
		}
		for _, e := range []struct {
			sql *string
			dst *string
		}{{using, &p.Using}, {check, &p.Check}} {
			if e.sql == nil {
				continue
			}
			n, err := sqlexpr.NormalizeStored(*e.sql)
			if err != nil {
				return fmt.Errorf("policy %s on %s: %w", name, t.Name, err)
			}
			*e.dst = n
		}
		t.Policies = append(t.Policies, p)
		return nil
	})
	return err
}

func (r *reader) triggers() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT t.tgrelid, t.tgname::text, fn.nspname::text, f.proname::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
WHERE c.relnamespace = ANY ($1) AND NOT t.tgisinternal
ORDER BY t.oid`, r.nsOIDs)
	var (
		rel                    uint32
		name, fnSchema, fnName string
	)
	_, err := pgx.ForEachRow(rows, []any{&rel, &name, &fnSchema, &fnName}, func() error {
		if t := r.tables[rel]; t != nil {
			t.Triggers = append(t.Triggers, &catalog.Trigger{Name: name, Function: catalog.Name{Schema: fnSchema, Name: fnName},
				Pos: Pos(TriggerObject(t.Name, name))})
		}
		return nil
	})
	return err
}

// viewReads fills each view's Reads with the relations its rewrite rule
// depends on: what its query names, views included, in creation order.
func (r *reader) viewReads() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT DISTINCT rw.ev_class, d.refobjid, dn.nspname::text, dc.relname::text
FROM pg_catalog.pg_rewrite rw
JOIN pg_catalog.pg_class c ON c.oid = rw.ev_class
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
	AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> rw.ev_class
JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid
JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
WHERE c.relnamespace = ANY ($1) AND c.relkind IN ('v', 'm') AND dc.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY rw.ev_class, d.refobjid`, r.nsOIDs)
	var (
		view, ref    uint32
		schema, name string
	)
	_, err := pgx.ForEachRow(rows, []any{&view, &ref, &schema, &name}, func() error {
		if v := r.views[view]; v != nil {
			v.Reads = append(v.Reads, catalog.Name{Schema: schema, Name: name})
		}
		return nil
	})
	return err
}

func (r *reader) functions() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT p.oid, n.nspname::text, p.proname::text, p.prokind = 'p', p.prosecdef, coalesce(p.proconfig, '{}'),
	l.lanname::text, pg_catalog.pg_get_userbyid(p.proowner)::text, pg_catalog.pg_get_function_identity_arguments(p.oid),
	p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = ANY ($1) AND p.prokind IN ('f', 'p', 'w')
	AND `+notExtension("pg_proc", "p.oid")+`
ORDER BY p.oid`, r.nsOIDs)
	var (
		oid                             uint32
		schema, name, lang, owner, args string
		proc, definer, trigger          bool
		config                          []string
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &schema, &name, &proc, &definer, &config, &lang, &owner, &args, &trigger}, func() error {
		n := catalog.Name{Schema: schema, Name: name}
		f := &Function{Name: n, Args: args, Procedure: proc, Trigger: trigger, Owner: owner, SecurityDefiner: definer}
		for _, c := range config {
			if k, v, ok := strings.Cut(c, "="); ok && k == "search_path" {
				f.SearchPath = v
			}
		}
		r.live.Functions = append(r.live.Functions, f)
		r.funcs[oid] = f
		r.cat.Functions = append(r.cat.Functions, &catalog.Function{Name: n, SecurityDefiner: definer,
			SearchPath: f.SearchPath, Language: lang, Pos: Pos(FunctionObject(f))})
		return nil
	})
	return err
}

// functionBodies reads what each SQL and PL/pgSQL function does to settings
// and which functions it calls, from its definition as pg_get_functiondef
// prints it, through the parser the schema's SQL goes through
// (sqlexpr.FunctionBody). A body that no longer parses (created with
// check_function_bodies off) is kept as Unread, for the rules to warn about.
func (r *reader) functionBodies() error {
	catalogFunction := map[*Function]*catalog.Function{}
	for i, f := range r.live.Functions {
		catalogFunction[f] = r.cat.Functions[i]
	}
	rows, _ := r.tx.Query(r.ctx, `
SELECT p.oid, pg_catalog.pg_get_functiondef(p.oid)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = ANY ($1) AND p.prokind IN ('f', 'p') AND l.lanname IN ('sql', 'plpgsql')
ORDER BY p.oid`, r.nsOIDs)
	var (
		oid uint32
		def string
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &def}, func() error {
		f := catalogFunction[r.funcs[oid]]
		if f == nil {
			return nil // an extension's function
		}
		body, err := sqlexpr.FunctionBody(def)
		if err != nil {
			body = catalog.FunctionBody{Unread: err.Error()}
		}
		f.Body = body
		return nil
	})
	return err
}

func (r *reader) enums() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT n.nspname::text, t.typname::text,
	ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typnamespace = ANY ($1) AND t.typtype = 'e'
	AND `+notExtension("pg_type", "t.oid")+`
ORDER BY t.oid`, r.nsOIDs)
	var (
		schema, name string
		values       []string
	)
	_, err := pgx.ForEachRow(rows, []any{&schema, &name, &values}, func() error {
		n := catalog.Name{Schema: schema, Name: name}
		r.cat.Enums = append(r.cat.Enums, &catalog.Enum{Name: n, Values: slices.Clone(values), Pos: Pos("type " + n.String())})
		return nil
	})
	return err
}

// grants reads the privileges of schemas, relations and functions. An object
// without an ACL has its kind's default privileges (acldefault): all to the
// owner, and EXECUTE to PUBLIC for a function.
func (r *reader) grants() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT 'n', n.oid, coalesce(g.rolname::text, ''), a.privilege_type, a.is_grantable
FROM pg_catalog.pg_namespace n
CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
WHERE n.oid = ANY ($1)
UNION ALL
SELECT 'r', c.oid, coalesce(g.rolname::text, ''), a.privilege_type, a.is_grantable
FROM pg_catalog.pg_class c
CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
WHERE c.relnamespace = ANY ($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
UNION ALL
SELECT 'f', p.oid, coalesce(g.rolname::text, ''), a.privilege_type, a.is_grantable
FROM pg_catalog.pg_proc p
CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
WHERE p.pronamespace = ANY ($1)
ORDER BY 1, 2, 3, 4`, r.nsOIDs)
	var (
		kind string
		oid  uint32
		g    Grant
	)
	_, err := pgx.ForEachRow(rows, []any{&kind, &oid, &g.Grantee, &g.Privilege, &g.Grantable}, func() error {
		switch kind {
		case "n":
			if s := r.schemaOf[oid]; s != nil {
				s.Grants = append(s.Grants, g)
			}
		case "r":
			if rel := r.rels[oid]; rel != nil {
				rel.Grants = append(rel.Grants, g)
			}
		case "f":
			if f := r.funcs[oid]; f != nil {
				f.Grants = append(f.Grants, g)
			}
		}
		return nil
	})
	return err
}

func parseBool(s string) bool {
	switch strings.ToLower(s) {
	case "true", "t", "on", "yes", "y", "1":
		return true
	}
	return false
}
