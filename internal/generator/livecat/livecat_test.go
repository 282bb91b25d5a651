package livecat_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/generator/store"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

const repoRoot = "../../.."

// TestReadMatchesParse is the promise of the package: the example app read
// back from a database it was migrated into is the catalog the parser built
// from its SQL, and tenancy judges both alike.
func TestReadMatchesParse(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	conn := pgtest.Connect(t, fx.DB.AppURL)
	live, info, err := livecat.Read(context.Background(), conn, nil)
	require.NoError(t, err)
	parsed := fx.Result.Catalog

	require.Equal(t, names(parsed), names(live), "the same tables, in the same order")
	for _, pt := range parsed.Tables {
		lt := live.Table(pt.Name)
		want, got := strip(pt), strip(lt)
		want.Owner, got.Owner = "", "" // the parser knows only ALTER … OWNER TO
		assert.Equal(t, want, got, "table %s", pt.Name)
		assert.Equal(t, fx.DB.Owner, lt.Owner)
	}
	require.Len(t, live.Views, len(parsed.Views))
	for i, pv := range parsed.Views {
		want, got := *pv, *live.Views[i]
		want.Pos, got.Pos = source.Pos{}, source.Pos{}
		// The parser lists what the query names in source order; the server
		// keeps dependencies, in creation order.
		slices.SortFunc(want.Reads, cmpName)
		slices.SortFunc(got.Reads, cmpName)
		assert.Equal(t, want, got, "view %s", pv.Name)
	}
	require.Len(t, live.Functions, len(parsed.Functions))
	for i, pf := range parsed.Functions {
		want, got := *pf, *live.Functions[i]
		want.Pos, got.Pos = source.Pos{}, source.Pos{}
		assert.Equal(t, want, got)
	}
	require.Len(t, live.Enums, len(parsed.Enums))
	for i, pe := range parsed.Enums {
		assert.Equal(t, pe.Name, live.Enums[i].Name)
		assert.Equal(t, pe.Values, live.Enums[i].Values)
	}
	assert.Equal(t, parsed.Schemas, live.Schemas)

	// Tenancy: the same classification and the same findings.
	cfg := fx.Result.Config
	tc := tenancy.Config{Root: cfg.Tenant.Table, Column: cfg.Tenant.Column, Setting: cfg.Tenant.Setting,
		Global: cfg.Global, Store: store.Owned(cfg)}
	pm, pd := tenancy.Analyze(parsed, tc)
	lm, ld := tenancy.Analyze(live, tc)
	require.Len(t, lm.Tables, len(pm.Tables))
	for i, pt := range pm.Tables {
		assert.Equal(t, pt.Kind, lm.Tables[i].Kind, "kind of %s", pt.Name)
	}
	assert.Equal(t, rules(pd), rules(ld))
	for _, pt := range pm.Protected() {
		pp, lp := pt.Policy(tenancy.PolicyName), lm.Table(pt.Name).Policy(tenancy.PolicyName)
		require.NotNil(t, lp, "policy of %s", pt.Name)
		assert.Equal(t, pp.Using, lp.Using, "USING of %s", pt.Name)
		assert.Equal(t, pp.Check, lp.Check, "WITH CHECK of %s", pt.Name)
	}

	// What only the database knows.
	assert.Equal(t, fx.DB.App, info.CurrentUser)
	assert.GreaterOrEqual(t, info.ServerVersion, 150000)
	projects := info.Relation(catalog.Name{Schema: "public", Name: "projects"})
	require.NotNil(t, projects)
	assert.Equal(t, livecat.KindTable, projects.Kind)
	assert.Equal(t, fx.DB.Owner, projects.Owner)
	assert.ElementsMatch(t, []string{"SELECT", "INSERT", "UPDATE", "DELETE"}, privileges(info.Holds(fx.DB.App, projects.Grants)))
	app := info.Role(fx.DB.App)
	require.NotNil(t, app)
	assert.False(t, app.Superuser || app.BypassRLS)
	assert.Equal(t, livecat.KindPartitionedTable, info.Relation(catalog.Name{Schema: "public", Name: "activity_events"}).Kind)
	assert.Equal(t, livecat.KindView, info.Relation(catalog.Name{Schema: "public", Name: "project_task_counts"}).Kind)
	require.NotNil(t, info.Schema("public"))
	fn := info.Functions[0]
	assert.Equal(t, "public.tenantc_forbid_tenant_change()", fn.Signature())
	assert.True(t, fn.Trigger)
	assert.Contains(t, privileges(info.Holds(fx.DB.App, fn.Grants)), "EXECUTE")
}

// TestReadObjects reads what the example app lacks: every kind of column
// type, expression index, partial index, partition by expression, a foreign
// key to a partitioned table, policies with roles, materialized views, foreign
// tables, SECURITY DEFINER functions, roles and memberships, grants.
func TestReadObjects(t *testing.T) {
	db := pgtest.NewDatabase(t)
	const schema = `
CREATE SCHEMA billing;
CREATE TYPE billing.currency AS ENUM ('eur', 'usd');
CREATE TABLE t (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	serial_col serial,
	v varchar(255) NOT NULL DEFAULT 'x',
	c char(3),
	n numeric(10,2) DEFAULT 1.5,
	ts timestamp(3) with time zone DEFAULT now(),
	iv interval day to second(3),
	tags text[] DEFAULT '{}',
	big bigint DEFAULT 10000000000,
	neg integer DEFAULT -1,
	cur billing.currency DEFAULT 'eur',
	doubled bigint GENERATED ALWAYS AS (big * 2) STORED,
	"Quoted Col" text,
	UNIQUE (v, c)
);
CREATE UNIQUE INDEX t_lower_v ON t (lower("Quoted Col")) WHERE c IN ('a', 'b');
CREATE INDEX t_expr ON t ((big + 1), v);
CREATE TABLE ev (a int NOT NULL, b text NOT NULL, UNIQUE (a, b)) PARTITION BY RANGE (a, b); CREATE TABLE ev_x (a int, b text) PARTITION BY RANGE ((a + 1), lower(b), a);
CREATE TABLE ev1 PARTITION OF ev FOR VALUES FROM (0, 'a') TO (10, 'z');
CREATE TABLE refs (a int, b text, FOREIGN KEY (a, b) REFERENCES ev (a, b));
CREATE POLICY p ON t AS RESTRICTIVE FOR UPDATE TO CURRENT_USER USING ("Quoted Col" LIKE 'a%' AND c IS NOT NULL) WITH CHECK (n > 0);
CREATE POLICY q ON t FOR SELECT USING (true);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t;
CREATE VIEW vv WITH (security_invoker = on) AS SELECT * FROM mv JOIN refs ON true;
CREATE FUNCTION billing.f(x integer, y text) RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS 'SELECT 1';
CREATE PROCEDURE pr() LANGUAGE plpgsql AS $$ BEGIN END $$;
REVOKE EXECUTE ON FUNCTION billing.f(integer, text) FROM PUBLIC;
`
	db.Exec(t, db.OwnerURL, schema)
	db.Exec(t, db.AdminURL, `
CREATE FOREIGN DATA WRAPPER tc_dummy;
CREATE SERVER tc_srv FOREIGN DATA WRAPPER tc_dummy;
CREATE FOREIGN TABLE ft (tenant_id uuid, body text) SERVER tc_srv;
GRANT SELECT ON ft TO `+db.App+`;
GRANT TRUNCATE ON t TO PUBLIC;
GRANT `+db.Owner+` TO `+db.App+`;
GRANT CREATE ON SCHEMA billing TO `+db.App+`;
`)
	conn := pgtest.Connect(t, db.AdminURL)
	cat, live, err := livecat.Read(context.Background(), conn, nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		db.Exec(t, db.AdminURL, "DROP FOREIGN TABLE ft; DROP SERVER tc_srv; DROP FOREIGN DATA WRAPPER tc_dummy;")
	})

	assert.Equal(t, []string{"billing"}, cat.Schemas)
	tbl := cat.Table(catalog.Name{Schema: "public", Name: "t"})
	require.NotNil(t, tbl)
	types := map[string]string{}
	for _, c := range tbl.Columns {
		types[c.Name] = c.Type.String()
	}
	assert.Equal(t, map[string]string{
		"id": "bigint", "serial_col": "integer", "v": "character varying(255)", "c": "character(3)",
		"n": "numeric(10,2)", "ts": "timestamp(3) with time zone", "iv": "interval day to second(3)",
		"tags": "text[]", "big": "bigint", "neg": "integer", "cur": "billing.currency", "doubled": "bigint",
		"Quoted Col": "text",
	}, types)
	assert.Equal(t, "ALWAYS", tbl.Column("id").Identity)
	assert.Equal(t, "nextval('t_serial_col_seq'::regclass)", tbl.Column("serial_col").Default)
	assert.Equal(t, "'x'", tbl.Column("v").Default)
	assert.Equal(t, "1.5", tbl.Column("n").Default)
	assert.Equal(t, "'{}'", tbl.Column("tags").Default)
	assert.Equal(t, "10000000000", tbl.Column("big").Default)
	assert.Equal(t, "-1", tbl.Column("neg").Default)
	assert.Equal(t, "'eur'", tbl.Column("cur").Default)
	assert.Equal(t, "big * 2", tbl.Column("doubled").Generated)
	assert.Empty(t, tbl.Column("doubled").Default)
	assert.True(t, tbl.Column("v").NotNull)
	assert.Equal(t, &catalog.Key{Name: "t_pkey", Columns: []string{"id"}, Pos: livecat.Pos("constraint t_pkey on public.t")}, tbl.PrimaryKey)
	require.Len(t, tbl.Uniques, 2)
	assert.Equal(t, []string{"v", "c"}, tbl.Uniques[0].Columns)
	assert.Equal(t, []string{`(lower("Quoted Col"))`}, tbl.Uniques[1].Columns)
	ix := indexNamed(tbl, "t_lower_v")
	require.NotNil(t, ix)
	assert.True(t, ix.Unique)
	assert.Equal(t, "c IN ('a', 'b')", ix.Where)
	assert.Equal(t, []string{"(big + 1)", "v"}, indexNamed(tbl, "t_expr").Columns)
	require.Len(t, tbl.Policies, 2)
	p := tbl.Policies[0]
	assert.Equal(t, catalog.Policy{Name: "p", Command: "update", Permissive: false, Roles: []string{db.Owner},
		Using: `"Quoted Col" LIKE 'a%' AND c IS NOT NULL`, Check: "n > 0", Pos: livecat.Pos("policy p on public.t")}, *p)
	assert.Nil(t, tbl.Policies[1].Roles, "PUBLIC")
	assert.Equal(t, "true", tbl.Policies[1].Using)
	assert.True(t, tbl.RLSEnabled)
	assert.False(t, tbl.RLSForced)

	ev := cat.Table(catalog.Name{Schema: "public", Name: "ev_x"})
	assert.Equal(t, "RANGE ((a + 1), (lower(b)), a)", ev.PartitionBy)
	ev1 := cat.Table(catalog.Name{Schema: "public", Name: "ev1"})
	assert.Equal(t, &catalog.Name{Schema: "public", Name: "ev"}, ev1.PartitionOf)
	refs := cat.Table(catalog.Name{Schema: "public", Name: "refs"})
	require.Len(t, refs.ForeignKeys, 1, "one foreign key, not one per partition")
	assert.Equal(t, []string{"a", "b"}, refs.ForeignKeys[0].Columns)
	assert.Equal(t, catalog.Name{Schema: "public", Name: "ev"}, refs.ForeignKeys[0].RefTable)

	require.Len(t, cat.Views, 2)
	assert.True(t, cat.Views[0].Materialized)
	assert.Equal(t, []catalog.Name{{Schema: "public", Name: "t"}}, cat.Views[0].Reads)
	assert.True(t, cat.Views[1].SecurityInvoker)
	assert.ElementsMatch(t, []catalog.Name{{Schema: "public", Name: "mv"}, {Schema: "public", Name: "refs"}}, cat.Views[1].Reads)
	assert.Nil(t, cat.Table(catalog.Name{Schema: "public", Name: "ft"}), "foreign tables are not catalog tables")

	require.Len(t, cat.Functions, 2)
	assert.Equal(t, catalog.Function{Name: catalog.Name{Schema: "billing", Name: "f"}, SecurityDefiner: true,
		SearchPath: "pg_catalog, public", Language: "sql", Pos: livecat.Pos("function billing.f(x integer, y text)")}, *cat.Functions[0])
	assert.Equal(t, "billing.f(x integer, y text)", live.Functions[0].Signature())
	assert.Equal(t, []livecat.Grant{{Grantee: db.Owner, Privilege: "EXECUTE"}}, live.Functions[0].Grants, "EXECUTE revoked from PUBLIC")
	assert.True(t, live.Functions[1].Procedure)
	assert.Contains(t, privileges(live.Holds(db.App, live.Functions[1].Grants)), "EXECUTE", "PUBLIC may execute by default")
	require.Len(t, cat.Enums, 1)
	assert.Equal(t, []string{"eur", "usd"}, cat.Enums[0].Values)

	ft := live.Relation(catalog.Name{Schema: "public", Name: "ft"})
	require.NotNil(t, ft)
	assert.Equal(t, livecat.KindForeignTable, ft.Kind)
	assert.Equal(t, "tc_srv", ft.Server)
	assert.Equal(t, []string{"tenant_id", "body"}, ft.Columns)
	assert.Equal(t, []string{"SELECT"}, privileges(live.Holds(db.App, ft.Grants)))

	assert.Equal(t, []string{"pg_database_owner", db.Owner}, live.MemberOf(db.App))
	assert.Equal(t, []string{"pg_database_owner", db.Owner}, live.PrivilegesOf(db.App))
	assert.True(t, live.CanBecome(db.App, db.Owner))
	assert.False(t, live.CanBecome(db.Owner, db.App))
	// The app inherits the owner's grants: all of them, as the owner's
	// default ACL lists them, and TRUNCATE through PUBLIC.
	assert.Contains(t, privileges(live.Holds(db.App, live.Relation(catalog.Name{Schema: "public", Name: "t"}).Grants)), "TRUNCATE")
	assert.Contains(t, privileges(live.Holds(db.App, live.Schema("billing").Grants)), "CREATE")
	// The owner owns the database: it and its members are members of
	// pg_database_owner, which owns schema public. The server agrees.
	assert.Equal(t, db.Owner, live.DatabaseOwner)
	var serverSays bool
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT has_schema_privilege($1, 'public', 'CREATE')", db.App).Scan(&serverSays))
	assert.True(t, serverSays)
	assert.Contains(t, privileges(live.Holds(db.App, live.Schema("public").Grants)), "CREATE")
	assert.Contains(t, live.MemberOf(db.App), "pg_database_owner")

	// Only some schemas.
	cat, _, err = livecat.Read(context.Background(), conn, []string{"billing"})
	require.NoError(t, err)
	assert.Empty(t, cat.Tables)
	assert.Len(t, cat.Functions, 1)
	_, _, err = livecat.Read(context.Background(), conn, []string{"nope"})
	require.ErrorContains(t, err, `schema "nope" does not exist`)
}

func TestLocate(t *testing.T) {
	l := diag.List{
		{Pos: livecat.Pos("public.t"), Rule: "a"},
		{Pos: livecat.Pos("public.t"), Object: "kept", Rule: "b"},
		{Pos: source.Pos{File: "tenantc.yaml", Line: 3, Col: 1}, Rule: "c"},
	}
	livecat.Locate(l)
	assert.Equal(t, diag.Diagnostic{Object: "public.t", Rule: "a"}, l[0])
	assert.Equal(t, diag.Diagnostic{Object: "kept", Rule: "b"}, l[1])
	assert.Equal(t, "tenantc.yaml", l[2].Pos.File)
}

func names(c *catalog.Catalog) []string {
	var out []string
	for _, t := range c.Tables {
		out = append(out, t.Name.String())
	}
	return out
}

func cmpName(a, b catalog.Name) int {
	return strings.Compare(a.String(), b.String())
}

func rules(l diag.List) []string {
	var out []string
	for _, d := range l {
		out = append(out, d.Rule)
	}
	slices.Sort(out)
	return out
}

func privileges(gs []livecat.Grant) []string {
	var out []string
	for _, g := range gs {
		if !slices.Contains(out, g.Privilege) {
			out = append(out, g.Privilege)
		}
	}
	return out
}

func indexNamed(t *catalog.Table, name string) *catalog.Index {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	return nil
}

// strip returns a copy of t without positions, for comparing a parsed table
// with a live one.
func strip(t *catalog.Table) catalog.Table {
	c := *t
	c.Pos = source.Pos{}
	c.Columns = nil
	for _, col := range t.Columns {
		cc := *col
		cc.Pos = source.Pos{}
		c.Columns = append(c.Columns, &cc)
	}
	key := func(k *catalog.Key) *catalog.Key {
		if k == nil {
			return nil
		}
		kk := *k
		kk.Pos = source.Pos{}
		return &kk
	}
	c.PrimaryKey = key(t.PrimaryKey)
	c.Uniques = nil
	for _, k := range t.Uniques {
		c.Uniques = append(c.Uniques, key(k))
	}
	c.ForeignKeys = nil
	for _, fk := range t.ForeignKeys {
		f := *fk
		f.Pos = source.Pos{}
		c.ForeignKeys = append(c.ForeignKeys, &f)
	}
	c.Indexes = nil
	for _, ix := range t.Indexes {
		i := *ix
		i.Pos = source.Pos{}
		c.Indexes = append(c.Indexes, &i)
	}
	c.Policies = nil
	for _, p := range t.Policies {
		pp := *p
		pp.Pos = source.Pos{}
		c.Policies = append(c.Policies, &pp)
	}
	c.Triggers = nil
	for _, tr := range t.Triggers {
		tt := *tr
		tt.Pos = source.Pos{}
		c.Triggers = append(c.Triggers, &tt)
	}
	return c
}
