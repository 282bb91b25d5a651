package backfill

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Every statement of the up parts is safe to run twice (a tool that is
// re-run, the golden tests that apply every migration twice): IF NOT EXISTS,
// DROP … IF EXISTS before ADD, CREATE OR REPLACE, and a fill that only
// touches rows still without a tenant.

// render writes the three migrations.
func (p *plan) render() []Migration {
	versions := p.opts.Migrations.Versions()
	var out []Migration
	add := func(name, up, down string, noTx bool) {
		v := versions.Next()
		m := Migration{Version: v, Name: name}
		base := v + "_" + name
		if noTx {
			m.Files = migration.FilesNoTransaction(p.opts.Migrations, base, up, down)
		} else {
			m.Files = migration.Files(p.opts.Migrations, base, up, down)
		}
		for _, f := range m.Files {
			if !source.IsDownFile(f.Path) {
				m.Up = source.Parse(f.Path, f.Content)
			}
		}
		out = append(out, m)
	}
	add("tenantc_backfill_columns", p.columnsUp(), p.columnsDown(), false)
	add("tenantc_backfill_fill", p.fillUp(), p.fillDown(), true)
	add("tenantc_backfill_keys", p.keysUp(), p.keysDown(), false)
	return out
}

func (p *plan) tableList() string {
	names := make([]string, len(p.tables))
	for i, t := range p.tables {
		names[i] = t.Name.String()
	}
	return strings.Join(names, ", ")
}

func (p *plan) columnsUp() string {
	var b strings.Builder
	cn := catalog.QuoteIdent(p.col)
	root := p.m.Tenant.Root.String()
	fmt.Fprintf(&b, "-- Backfill, step 1 of 3: the tenant column %s, nullable, on %s;\n", p.col, p.tableList())
	fmt.Fprintf(&b, "-- and the procedure that step 2 calls to fill it.\n--\n")
	b.WriteString("-- Locks: ADD COLUMN takes an ACCESS EXCLUSIVE lock on each table for an instant: the\n")
	b.WriteString("-- column is nullable and has no default, so no row is rewritten. The foreign key to\n")
	fmt.Fprintf(&b, "-- %s is added NOT VALID: a brief SHARE ROW EXCLUSIVE lock on both tables and no\n", root)
	b.WriteString("-- scan (step 3 validates it once the column is filled).\n")
	for _, t := range p.tables {
		fk := catalog.QuoteIdent(fkName(t.Table.Table, p.col))
		fmt.Fprintf(&b, "\nALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;\n", t.Name, cn, p.m.Tenant.Type)
		fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s,\n    ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID;\n",
			t.Name, fk, fk, cn, root, catalog.QuoteIdent(p.m.Tenant.Key))
	}
	if f := p.forced(); len(f) > 0 {
		b.WriteString("\n-- The fill reads these tables, whose policies would hide every row from it (FORCE makes\n")
		b.WriteString("-- the owner obey them): the owner, who runs the migrations, reads past them until step 3\n")
		b.WriteString("-- forces them again. The application role, which owns nothing, obeys them throughout.\n")
		for _, n := range f {
			fmt.Fprintf(&b, "ALTER TABLE %s NO FORCE ROW LEVEL SECURITY;\n", n)
		}
	}
	begin, end := migration.StatementMarkers(p.opts.Migrations.Format)
	fmt.Fprintf(&b, "\n-- Step 2 calls it; step 3 drops it.\n%s%s%s\n", begin, p.procedure(), end)
	return b.String()
}

// forced lists the tables the fill reads that have row level security
// forced: the scoped parents, and the tenant root when the fill checks the
// default tenant.
func (p *plan) forced() []catalog.Name {
	var out []catalog.Name
	add := func(t *catalog.Table) {
		if t != nil && t.RLSForced && !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	if p.dflt != "" {
		add(p.m.Catalog.Table(p.m.Tenant.Root))
	}
	for _, t := range p.tables {
		if t.parent != nil && !t.toRoot {
			if _, pending := p.pending[t.parent.Name]; !pending {
				add(t.parent)
			}
		}
	}
	return out
}

func (p *plan) columnsDown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "DROP PROCEDURE IF EXISTS %s();\n", p.proc)
	for _, n := range p.forced() {
		fmt.Fprintf(&b, "ALTER TABLE %s FORCE ROW LEVEL SECURITY;\n", n)
	}
	for i := len(p.tables) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "ALTER TABLE %s DROP COLUMN IF EXISTS %s;\n", p.tables[i].Name, catalog.QuoteIdent(p.col))
	}
	return b.String()
}

// procedure fills the column table by table, parents first, in batches that
// it commits one by one: a CALL outside a transaction block may COMMIT.
func (p *plan) procedure() string {
	var b strings.Builder
	cn := catalog.QuoteIdent(p.col)
	root := p.m.Tenant.Root.String()
	fmt.Fprintf(&b, "CREATE OR REPLACE PROCEDURE %s()\n    LANGUAGE plpgsql AS $tenantc$\n", p.proc)
	b.WriteString("DECLARE\n    missing bigint;\n    filled bigint;\n")
	for i, t := range p.tables {
		if k := keysetColumn(t); k != "" {
			typ := fmt.Sprintf("%s.%s%%TYPE", t.Name, catalog.QuoteIdent(k))
			fmt.Fprintf(&b, "    lo_%d %s;\n    hi_%d %s;\n", i, typ, i, typ)
		}
	}
	b.WriteString("BEGIN\n")
	var needDefault []string // rows that would get the default tenant
	for _, t := range p.tables {
		switch {
		case p.dflt == "":
		case t.via == nil:
			needDefault = append(needDefault, fmt.Sprintf("EXISTS (SELECT FROM %s WHERE %s IS NULL)", t.Name, cn))
		case !t.Column(t.via.Columns[0]).NotNull:
			needDefault = append(needDefault, fmt.Sprintf("EXISTS (SELECT FROM %s WHERE %s IS NULL AND %s IS NULL)", t.Name, cn, catalog.QuoteIdent(t.via.Columns[0])))
		}
	}
	if len(needDefault) > 0 {
		// Only when a row needs it: once the tables have their policies, a
		// second CALL (a tool run again) sees neither those rows nor the
		// tenant, and has nothing to do.
		fmt.Fprintf(&b, "    -- Rows with no scoped parent get backfill.default_tenant, which must be a tenant.\n")
		fmt.Fprintf(&b, "    IF (%s)\n        AND NOT EXISTS (SELECT FROM %s WHERE %s = %s) THEN\n", strings.Join(needDefault, "\n        OR "), root, catalog.QuoteIdent(p.m.Tenant.Key), p.dflt)
		fmt.Fprintf(&b, "        RAISE EXCEPTION 'tenantc backfill: backfill.default_tenant %s is not a row of %s: insert that tenant first, in a migration before this one, or set backfill.default_tenant in tenantc.yaml to an existing tenant and generate again';\n", raiseText(p.opts.Backfill.DefaultTenant), raiseText(root))
		b.WriteString("    END IF;\n")
	}
	first := true
	for _, t := range p.tables {
		if t.via == nil || p.dflt != "" || t.Column(t.via.Columns[0]).NotNull {
			continue
		}
		if first {
			b.WriteString("    -- Rows that can get no tenant stop the backfill before it writes anything.\n")
			first = false
		}
		vc := catalog.QuoteIdent(t.via.Columns[0])
		fmt.Fprintf(&b, "    SELECT count(*) INTO missing FROM %s WHERE %s IS NULL;\n", t.Name, vc)
		b.WriteString("    IF missing > 0 THEN\n")
		fmt.Fprintf(&b, "        RAISE EXCEPTION 'tenantc backfill: %% rows of %s have no %s, so no tenant: give them a %s or delete them, or set backfill.default_tenant in tenantc.yaml for them and generate again', missing;\n", raiseText(t.Name.String()), raiseText(t.via.Columns[0]), raiseText(t.via.Columns[0]))
		b.WriteString("    END IF;\n")
	}
	// The fix is in each message, not a HINT: migration tools print the
	// error's message alone.
	for i, t := range p.tables {
		tn := t.Name.String()
		batch := p.batcher(t, i)
		switch {
		case t.via == nil:
			fmt.Fprintf(&b, "    -- %s: every row to the default tenant.\n", tn)
			batch(&b, p.dflt, "", "", "")
		case t.toRoot:
			vc := catalog.QuoteIdent(t.via.Columns[0])
			fmt.Fprintf(&b, "    -- %s: the tenant its %s names.\n", tn, t.via.Columns[0])
			batch(&b, "r."+vc, "", "", " AND r."+vc+" IS NOT NULL")
		default:
			vc := catalog.QuoteIdent(t.via.Columns[0])
			pc := catalog.QuoteIdent(t.parentCol)
			fmt.Fprintf(&b, "    -- %s: the tenant of its %s row (%s).\n", tn, t.parent.Name, t.via.Columns[0])
			batch(&b, "p."+pc, t.parent.Name.String(), fmt.Sprintf("p.%s = r.%s AND p.%s IS NOT NULL AND ", catalog.QuoteIdent(t.via.RefColumns[0]), vc, pc), " AND r."+vc+" IS NOT NULL")
		}
		if t.via != nil && p.dflt != "" && !t.Column(t.via.Columns[0]).NotNull {
			fmt.Fprintf(&b, "    -- %s: rows with no %s to the default tenant.\n", tn, t.via.Columns[0])
			batch(&b, p.dflt, "", "", " AND r."+catalog.QuoteIdent(t.via.Columns[0])+" IS NULL")
		}
		fmt.Fprintf(&b, "    SELECT count(*) INTO missing FROM %s WHERE %s IS NULL;\n", tn, cn)
		b.WriteString("    IF missing > 0 THEN\n")
		fmt.Fprintf(&b, "        RAISE EXCEPTION 'tenantc backfill: %% rows of %s are still without a tenant: rows were inserted while it ran, or their parent has none; run this migration again once the application writes the tenant', missing;\n", raiseText(tn))
		b.WriteString("    END IF;\n")
	}
	b.WriteString("END\n$tenantc$;")
	return b.String()
}

// keysetColumn is the column a table's batches walk: its single-column
// primary key, or "" when it has none (the batches then pick rows by ctid).
func keysetColumn(t *table) string {
	if pk := t.PrimaryKey; pk != nil && len(pk.Columns) == 1 {
		return pk.Columns[0]
	}
	return ""
}

// batcher returns what writes one fill of table t (the i-th): an UPDATE
// that sets the column to set (an expression of r, the row, and p, the row
// of from when from is not ""; join is p's conditions, ending in "AND "),
// for the rows still without a tenant that cond (" AND …") admits, batch by
// batch, each committed. With a single-column primary key the batches are
// windows of batch_size keys, found through its index, so each costs the
// same however far the fill has come; without one, a batch is the next
// batch_size rows a scan finds without a tenant, which rescans the rows
// filled before it (about N²/batch_size row visits in all).
func (p *plan) batcher(t *table, i int) func(b *strings.Builder, set, from, join, cond string) {
	tn, cn := t.Name.String(), catalog.QuoteIdent(p.col)
	n := strconv.Itoa(p.opts.Backfill.BatchSize)
	return func(b *strings.Builder, set, from, join, cond string) {
		update := fmt.Sprintf("UPDATE %s AS r SET %s = %s", tn, cn, set)
		if from != "" {
			update += fmt.Sprintf("\n        FROM %s AS p", from)
		}
		k := keysetColumn(t)
		if k == "" {
			fmt.Fprintf(b, "    LOOP\n        %s\n        WHERE %sr.ctid = ANY (ARRAY(SELECT ctid FROM %s AS r WHERE r.%s IS NULL%s LIMIT %s))\n          AND r.%s IS NULL%s;\n", update, join, tn, cn, cond, n, cn, cond)
			b.WriteString("        GET DIAGNOSTICS filled = ROW_COUNT;\n        COMMIT;\n        EXIT WHEN filled = 0;\n    END LOOP;\n")
			return
		}
		kq := catalog.QuoteIdent(k)
		lo, hi := fmt.Sprintf("lo_%d", i), fmt.Sprintf("hi_%d", i)
		fmt.Fprintf(b, "    SELECT %s INTO %s FROM %s ORDER BY %s LIMIT 1;\n", kq, lo, tn, kq)
		fmt.Fprintf(b, "    WHILE %s IS NOT NULL LOOP\n", lo)
		fmt.Fprintf(b, "        SELECT s.%s INTO %s FROM (SELECT %s FROM %s WHERE %s >= %s ORDER BY %s LIMIT %s) s ORDER BY s.%s DESC LIMIT 1;\n", kq, hi, kq, tn, kq, lo, kq, n, kq)
		fmt.Fprintf(b, "        %s\n        WHERE %sr.%s BETWEEN %s AND %s AND r.%s IS NULL%s;\n", update, join, kq, lo, hi, cn, cond)
		b.WriteString("        COMMIT;\n")
		fmt.Fprintf(b, "        SELECT %s INTO %s FROM %s WHERE %s > %s ORDER BY %s LIMIT 1;\n", kq, lo, tn, kq, hi, kq)
		b.WriteString("    END LOOP;\n")
	}
}

func (p *plan) fillUp() string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- Backfill, step 2 of 3: fills %s of %s, parents first,\n", p.col, p.tableList())
	fmt.Fprintf(&b, "-- in batches of %d rows (backfill.batch_size), each committed on its own.\n--\n", p.opts.Backfill.BatchSize)
	b.WriteString("-- Locks: each batch's UPDATE holds row locks on its rows until its COMMIT; no table lock\n")
	b.WriteString("-- beyond ROW EXCLUSIVE, so reads and writes of the other rows go on. Rows that can get no\n")
	b.WriteString("-- tenant stop it with their table and count; what it filled stays, and a second CALL\n")
	b.WriteString("-- goes on from there.\n")
	switch p.opts.Migrations.Format {
	case source.GolangMigrate:
		b.WriteString("-- golang-migrate sends this file as one statement, outside any transaction block, so the\n-- procedure may COMMIT; keep it the file's only statement.\n")
	case source.Plain:
		b.WriteString("-- Run it outside a transaction block (psql commits each statement by itself).\n")
	default:
		b.WriteString("-- Marked to run outside a transaction, so the procedure may COMMIT.\n")
	}
	fmt.Fprintf(&b, "CALL %s();\n", p.proc)
	return b.String()
}

func (p *plan) fillDown() string {
	return "-- Nothing to undo here: step 1's down part drops the column this filled.\n"
}

func (p *plan) keysUp() string {
	var b strings.Builder
	cn := catalog.QuoteIdent(p.col)
	fmt.Fprintf(&b, "-- Backfill, step 3 of 3: %s NOT NULL and checked against %s on %s;\n", p.col, p.m.Tenant.Root, p.tableList())
	b.WriteString("-- keys led by it, and foreign keys between scoped tables that include it.\n--\n")
	b.WriteString("-- Locks:\n")
	b.WriteString("--   VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE while it scans; reads and writes go on.\n")
	b.WriteString("--   SET NOT NULL: ACCESS EXCLUSIVE for an instant: the validated CHECK spares its scan.\n")
	if len(p.keys) > 0 {
		b.WriteString("--   Primary and unique keys led by the column: ACCESS EXCLUSIVE on the table for as long\n")
		b.WriteString("--   as the new index builds; reads and writes wait. On a large table, run it when quiet.\n")
	}
	if len(p.fks) > 0 {
		b.WriteString("--   Foreign keys: added NOT VALID (brief SHARE ROW EXCLUSIVE on both tables), then\n")
		b.WriteString("--   validated (SHARE UPDATE EXCLUSIVE, ROW SHARE on the referenced table).\n")
	}
	if len(p.uniques)+len(p.indexes) > 0 {
		b.WriteString("--   CREATE INDEX: SHARE while it builds; reads go on, writes wait.\n")
	}
	for _, t := range p.tables {
		chk := catalog.QuoteIdent(checkName(t.Table.Table, p.col))
		fmt.Fprintf(&b, "\nALTER TABLE %s VALIDATE CONSTRAINT %s;\n", t.Name, catalog.QuoteIdent(fkName(t.Table.Table, p.col)))
		fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s,\n    ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n", t.Name, chk, chk, cn)
		fmt.Fprintf(&b, "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", t.Name, chk)
		fmt.Fprintf(&b, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n", t.Name, cn)
		fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT %s;\n", t.Name, chk)
	}
	if len(p.fks) > 0 {
		b.WriteString("\n-- The foreign keys that become composite go first: the keys they rely on change.\n")
		for _, sw := range p.fks {
			fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n", sw.from.Name, catalog.QuoteIdent(sw.fk.Name))
		}
	}
	if len(p.keys) > 0 {
		b.WriteString("\n-- Keys per tenant: a duplicate in another tenant is no error, and tells nothing.\n")
		for _, k := range p.keys {
			b.WriteString(k.create(k.newCols))
		}
	}
	if len(p.uniques) > 0 {
		b.WriteString("\n-- The keys the composite foreign keys reference.\n")
		for _, ix := range p.uniques {
			fmt.Fprintf(&b, "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s);\n", catalog.QuoteIdent(ix.name), ix.t.Name, tenancy.QuoteList(ix.cols))
		}
	}
	if len(p.fks) > 0 {
		b.WriteString("\n-- A row references only rows of its own tenant: foreign-key checks ignore RLS.\n")
		for _, sw := range p.fks {
			fk := catalog.QuoteIdent(sw.fk.Name)
			fmt.Fprintf(&b, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s NOT VALID;\n",
				sw.from.Name, fk, tenancy.QuoteList(sw.cols), sw.fk.RefTable, tenancy.QuoteList(sw.refCols), actions(sw.onDelete, sw.fk.OnUpdate))
			fmt.Fprintf(&b, "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", sw.from.Name, fk)
		}
	}
	if len(p.indexes) > 0 {
		b.WriteString("\n-- Every tenant query filters on the column.\n")
		for _, ix := range p.indexes {
			fmt.Fprintf(&b, "CREATE INDEX IF NOT EXISTS %s ON %s (%s);\n", catalog.QuoteIdent(ix.name), ix.t.Name, tenancy.QuoteList(ix.cols))
		}
	}
	if f := p.forced(); len(f) > 0 {
		b.WriteString("\n-- The tables step 1 let the owner read past: their policies bind it again.\n")
		for _, n := range f {
			fmt.Fprintf(&b, "ALTER TABLE %s FORCE ROW LEVEL SECURITY;\n", n)
		}
	}
	fmt.Fprintf(&b, "\nDROP PROCEDURE IF EXISTS %s();\n", p.proc)
	return b.String()
}

func (p *plan) keysDown() string {
	var b strings.Builder
	for _, n := range p.forced() {
		fmt.Fprintf(&b, "ALTER TABLE %s NO FORCE ROW LEVEL SECURITY;\n", n)
	}
	for _, ix := range p.indexes {
		fmt.Fprintf(&b, "DROP INDEX IF EXISTS %s;\n", catalog.Name{Schema: ix.t.Name.Schema, Name: ix.name})
	}
	for _, sw := range p.fks {
		fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;\n", sw.from.Name, catalog.QuoteIdent(sw.fk.Name))
	}
	for _, ix := range p.uniques {
		fmt.Fprintf(&b, "DROP INDEX IF EXISTS %s;\n", catalog.Name{Schema: ix.t.Name.Schema, Name: ix.name})
	}
	for _, k := range p.keys {
		b.WriteString(k.create(k.oldCols))
	}
	for _, sw := range p.fks {
		fk := sw.fk
		fmt.Fprintf(&b, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s;\n",
			sw.from.Name, catalog.QuoteIdent(fk.Name), tenancy.QuoteList(fk.Columns), fk.RefTable, tenancy.QuoteList(fk.RefColumns), tenancy.FKActions(fk))
	}
	for i := len(p.tables) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n", p.tables[i].Name, catalog.QuoteIdent(p.col))
	}
	// The procedure step 1 made and this migration's up part dropped, so
	// that step 2 can run again after this down.
	begin, end := migration.StatementMarkers(p.opts.Migrations.Format)
	fmt.Fprintf(&b, "%s%s%s\n", begin, p.procedure(), end)
	return b.String()
}

// create drops the key and creates it on cols, as the kind it was.
func (k *keySwap) create(cols []string) string {
	name := catalog.QuoteIdent(k.key.Name)
	switch {
	case k.asIndex:
		return fmt.Sprintf("DROP INDEX IF EXISTS %s;\nCREATE UNIQUE INDEX %s ON %s (%s);\n", k.indexOld, name, k.t.Name, tenancy.QuoteList(cols))
	case k.primary:
		return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s,\n    ADD CONSTRAINT %s PRIMARY KEY (%s);\n", k.t.Name, name, name, tenancy.QuoteList(cols))
	default:
		return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s,\n    ADD CONSTRAINT %s UNIQUE (%s);\n", k.t.Name, name, name, tenancy.QuoteList(cols))
	}
}

func actions(onDelete, onUpdate string) string {
	return tenancy.FKActions(&catalog.ForeignKey{OnDelete: onDelete, OnUpdate: onUpdate})
}

// fkName and checkName are the names of the tenant column's foreign key to
// the root and of the CHECK that lets SET NOT NULL skip its scan:
// PostgreSQL's default names for them.
func fkName(t *catalog.Table, col string) string { return limit(t.Name.Name + "_" + col + "_fkey") }

func checkName(t *catalog.Table, col string) string {
	return limit(t.Name.Name + "_" + col + "_not_null")
}

func limit(s string) string {
	if len(s) > 63 {
		return s[:63]
	}
	return s
}

// raiseText escapes s for the format string of RAISE: a string literal in
// which % is a placeholder.
func raiseText(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "'", "''"), "%", "%%")
}
