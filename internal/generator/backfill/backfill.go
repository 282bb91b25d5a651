// Package backfill plans the migrations that give the tables tenantc.yaml
// declares scoped (scoped:), and that lack the tenant column, that column on a
// database that already has rows — the step between a running single-tenant
// application and its row level security:
//
//  1. columns: the column is added nullable (no rewrite, an instant's lock)
//     with its foreign key to the tenant root NOT VALID, and the procedure
//     of step 2 is created;
//  2. fill: one CALL of that procedure, outside a transaction block, which
//     fills the column batch by batch (backfill.batch_size rows), committing
//     each batch, parents before children: a row takes the tenant of the
//     parent row its via foreign key names, or backfill.default_tenant when
//     it has no scoped parent. Rows that can get no tenant stop it with a
//     message naming the table and the count, before it writes anything;
//  3. keys: the column validated and NOT NULL, primary and unique keys led by
//     it, foreign keys between scoped tables made composite (tenant_id, x_id)
//     → (tenant_id, id) with their referential actions, the tenant-leading
//     indexes; the procedure is dropped.
//
// Like the store's migration, the plan comes before the tenancy analysis: the
// generator parses the schema again with these migrations' up parts, so the
// analysis (and the RLS migrations after it) see the tables scoped, as the
// next run reads them from the migrations directory. A table that has the
// column gets nothing, so a second run writes nothing.
package backfill

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Options is what the backfill needs from the configuration.
type Options struct {
	Scoped   []config.ScopedTable
	Backfill config.Backfill
	// Citus is distribute: citus, which the backfill does not support yet.
	Citus bool
	// Migrations says where the migrations go; versions follow
	// Migrations.Existing.
	Migrations migration.Options
}

// Migration is one planned backfill migration.
type Migration struct {
	Version string
	// Name follows the version: tenantc_backfill_columns, tenantc_backfill_fill
	// or tenantc_backfill_keys.
	Name  string
	Files []output.File
	// Up is the up part as the parser reads it.
	Up *source.File
}

// table is one scoped: table that gets the column.
type table struct {
	*tenancy.Table
	entry config.ScopedTable
	// via is the foreign key whose parent row gives a row its tenant; nil
	// when every row gets the default tenant.
	via *catalog.ForeignKey
	// parent is via's table; parentCol its tenant column (the key, for the
	// root).
	parent    *catalog.Table
	parentCol string
	toRoot    bool
}

// plan is everything the three migrations are rendered from.
type plan struct {
	m    *tenancy.Model // the schema before the backfill
	opts Options
	col  string // tenant.column
	// tables get the column, parents first; pending indexes them by name.
	tables  []*table
	pending map[catalog.Name]*table
	fks     []*fkSwap
	keys    []*keySwap
	uniques []*newIndex // unique indexes the composite foreign keys need
	indexes []*newIndex // tenant-leading indexes
	proc    catalog.Name
	dflt    string // the default tenant as an SQL literal; "" when none
}

// fkSwap is a foreign key between two scoped tables, one of them getting the
// column, replaced by one that pairs their tenant columns.
type fkSwap struct {
	from          *catalog.Table
	fk            *catalog.ForeignKey
	cols, refCols []string
	onDelete      string
}

// keySwap is a primary or unique key led by the tenant column instead.
type keySwap struct {
	t        *catalog.Table
	key      *catalog.Key
	primary  bool
	newCols  []string
	oldCols  []string
	asIndex  bool
	indexOld string // for an index: the name qualified with the schema
}

// newIndex is an index step 3 creates on t: unique when a composite foreign
// key needs it (plan.uniques), plain when it only leads with the column
// (plan.indexes).
type newIndex struct {
	t    *catalog.Table
	name string
	cols []string
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

// Plan returns the backfill migrations m's schema needs for the scoped:
// tables of opts, in the order they apply, or none when every such table has
// the tenant column. m is the tenancy of the schema before them (its
// diagnostics are not this stage's). Problems of the configuration are
// returned as diagnostics, and then no migration.
func Plan(m *tenancy.Model, opts Options) ([]Migration, diag.List, error) {
	if len(opts.Scoped) == 0 || m.Tenant.Key == "" {
		return nil, nil, nil // without a tenant key the analysis reports the root
	}
	p := &plan{m: m, opts: opts, col: m.Tenant.Column, pending: map[catalog.Name]*table{}}
	var diags diag.List
	diags = append(diags, p.checkDefault()...)
	for _, e := range opts.Scoped {
		n, err := catalog.ParseName(e.Table)
		t := m.Table(n)
		if err != nil || t == nil {
			diags.Add(diag.Diagnostic{Pos: e.Pos, Severity: diag.Error, Rule: rule.BackfillUnknownTable.Name,
				Message: fmt.Sprintf("scoped: table %s is not in the schema", e.Table), Fix: "fix the name, or remove the entry from scoped:"})
			continue
		}
		if t.Column(p.col) != nil || t.Kind == tenancy.Root {
			continue // scoped already: nothing to backfill
		}
		if why := unsupported(t); why != "" {
			diags.Add(diag.Diagnostic{Pos: e.Pos, Severity: diag.Error, Rule: rule.BackfillUnsupported.Name, Table: t.Name.String(),
				Message: fmt.Sprintf("scoped: %s %s: its backfill is not supported", t.Name, why),
				Fix:     fmt.Sprintf("remove it from scoped: and add %s to it by hand", p.col)})
			continue
		}
		bt := &table{Table: t, entry: e}
		p.pending[t.Name] = bt
		p.tables = append(p.tables, bt)
	}
	if len(p.tables) == 0 || diags.HasErrors() {
		return nil, diags, nil
	}
	if opts.Citus {
		diags.Add(diag.Diagnostic{Pos: p.tables[0].entry.Pos, Severity: diag.Error, Rule: rule.BackfillUnsupported.Name,
			Message: fmt.Sprintf("scoped: %s lacks the tenant column %s, and backfill migrations are not supported with distribute: citus yet", p.tables[0].Name, p.col),
			Fix:     "generate the backfill on plain PostgreSQL (without distribute:) first, then distribute"})
		return nil, diags, nil
	}
	for _, t := range p.tables {
		diags = append(diags, p.resolveVia(t)...)
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	diags = append(diags, p.order()...)
	if diags.HasErrors() {
		return nil, diags, nil
	}
	p.planKeys()
	return p.render(), diags, nil
}

// unsupported says why a table cannot be backfilled, or returns "".
func unsupported(t *tenancy.Table) string {
	switch {
	case t.Store:
		return "is a table of the organization store, which keeps its own tables global"
	case t.PartitionBy != "" || t.PartitionOf != nil:
		return "is partitioned (or a partition)"
	}
	return ""
}

// checkDefault checks backfill.default_tenant against the root key's type.
func (p *plan) checkDefault() diag.List {
	d := p.opts.Backfill.DefaultTenant
	if d == "" {
		return nil
	}
	var ok bool
	switch p.m.Tenant.Type {
	case "uuid":
		ok = uuidPattern.MatchString(d)
	case "bigint":
		_, err := strconv.ParseInt(d, 10, 64)
		ok = err == nil
	case "integer":
		_, err := strconv.ParseInt(d, 10, 32)
		ok = err == nil
	default:
		ok = true
	}
	if !ok {
		var diags diag.List
		diags.Add(diag.Diagnostic{Pos: p.opts.Backfill.DefaultTenantPos, Severity: diag.Error, Rule: rule.BackfillDefaultTenant.Name,
			Message: fmt.Sprintf("backfill.default_tenant %q is not a valid %s, the type of the tenant key %s.%s", d, p.m.Tenant.Type, p.m.Tenant.Root, p.m.Tenant.Key),
			Fix:     fmt.Sprintf("set it to the %s of the row of %s the existing rows belong to", p.m.Tenant.Key, p.m.Tenant.Root)})
		return diags
	}
	if p.m.Tenant.Type == "bigint" || p.m.Tenant.Type == "integer" {
		p.dflt = d
	} else {
		p.dflt = "'" + strings.ReplaceAll(d, "'", "''") + "'"
	}
	return nil
}

// scopedAfter reports whether table n carries the tenant column once the
// backfill ran, and returns that column.
func (p *plan) scopedAfter(n catalog.Name) (string, bool) {
	if _, ok := p.pending[n]; ok {
		return p.col, true
	}
	if t := p.m.Table(n); t != nil && t.Kind == tenancy.Scoped {
		return t.TenantColumn.Name, true
	}
	return "", false
}

// resolveVia finds the foreign key t takes its tenant through: scoped[].via,
// or else its first single-column foreign key to a table that is scoped
// (already, or by this backfill) or to the root, as adopt.go documents
// scoped: — the first hop of a path to a tenant, like the one tenancy
// reports for indirectly-owned tables, chosen in declaration order rather
// than by the shortest path so that the choice is plain to see in the
// schema; none means the default tenant, which must then be set.
func (p *plan) resolveVia(t *table) diag.List {
	var diags diag.List
	e := t.entry
	usable := func(fk *catalog.ForeignKey) (string, bool, bool) {
		if fk.RefTable == p.m.Tenant.Root {
			return p.m.Tenant.Key, true, true
		}
		if fk.RefTable == t.Name {
			return "", false, false
		}
		c, ok := p.scopedAfter(fk.RefTable)
		return c, false, ok
	}
	switch e.Via {
	case config.ViaDefault:
	case "":
		for _, fk := range t.ForeignKeys {
			if len(fk.Columns) != 1 {
				continue
			}
			if c, root, ok := usable(fk); ok {
				t.via, t.parentCol, t.toRoot = fk, c, root
				break
			}
		}
	default:
		i := slices.IndexFunc(t.ForeignKeys, func(fk *catalog.ForeignKey) bool { return slices.Equal(fk.Columns, []string{e.Via}) })
		if i < 0 {
			var cols []string
			for _, fk := range t.ForeignKeys {
				if len(fk.Columns) == 1 {
					cols = append(cols, fk.Columns[0])
				}
			}
			fix := fmt.Sprintf("name one of its single-column foreign keys (%s), or write via: %s", strings.Join(cols, ", "), config.ViaDefault)
			if len(cols) == 0 {
				fix = fmt.Sprintf("%s has no single-column foreign key: write via: %s", t.Name, config.ViaDefault)
			}
			diags.Add(diag.Diagnostic{Pos: e.ViaPos, Severity: diag.Error, Rule: rule.BackfillVia.Name, Table: t.Name.String(),
				Message: fmt.Sprintf("scoped: via %s is not a single-column foreign key of %s", e.Via, t.Name), Fix: fix})
			return diags
		}
		fk := t.ForeignKeys[i]
		if fk.RefTable == t.Name {
			diags.Add(diag.Diagnostic{Pos: e.ViaPos, Severity: diag.Error, Rule: rule.BackfillCycle.Name, Table: t.Name.String(),
				Message: fmt.Sprintf("scoped: via %s references %s itself: a row cannot take its tenant from a row of its own table, filled no earlier", e.Via, t.Name),
				Fix:     fmt.Sprintf("name a foreign key to another scoped table, or write via: %s", config.ViaDefault)})
			return diags
		}
		c, root, ok := usable(fk)
		if !ok {
			diags.Add(diag.Diagnostic{Pos: e.ViaPos, Severity: diag.Error, Rule: rule.BackfillVia.Name, Table: t.Name.String(),
				Message: fmt.Sprintf("scoped: via %s of %s points at %s, which is neither scoped nor the tenant root %s: its rows have no tenant to give", e.Via, t.Name, fk.RefTable, p.m.Tenant.Root),
				Fix:     fmt.Sprintf("list %s under scoped: too, or name another foreign key, or write via: %s", fk.RefTable, config.ViaDefault)})
			return diags
		}
		t.via, t.parentCol, t.toRoot = fk, c, root
	}
	if t.via != nil {
		t.parent = p.m.Catalog.Table(t.via.RefTable)
	}
	if t.via == nil && p.opts.Backfill.DefaultTenant == "" {
		what := "it has no foreign key to a scoped table or the tenant root"
		if e.Via == config.ViaDefault {
			what = "via: default"
		}
		diags.Add(diag.Diagnostic{Pos: e.Pos, Severity: diag.Error, Rule: rule.BackfillDefaultTenant.Name, Table: t.Name.String(),
			Message: fmt.Sprintf("scoped: %s takes no tenant from a parent (%s): rows with no parent would have no tenant: set backfill.default_tenant", t.Name, what),
			Fix:     fmt.Sprintf("backfill: {default_tenant: <the %s of the %s row the existing rows belong to>}\nor give %s a via: foreign key to a scoped table", p.m.Tenant.Key, p.m.Tenant.Root, t.Name)})
	}
	return diags
}

// order sorts the tables parents first (a depth-first topological order
// over the via edges, ties in scoped: order) and reports a cycle.
func (p *plan) order() diag.List {
	var diags diag.List
	var out []*table
	state := map[*table]int{} // 1 visiting, 2 done
	var visit func(t *table, path []*table) bool
	visit = func(t *table, path []*table) bool {
		switch state[t] {
		case 2:
			return true
		case 1:
			i := slices.Index(path, t)
			names := make([]string, 0, len(path)-i+1)
			for _, x := range path[i:] {
				names = append(names, fmt.Sprintf("%s (via %s)", x.Name, x.via.Columns[0]))
			}
			names = append(names, t.Name.String())
			diags.Add(diag.Diagnostic{Pos: t.entry.ViaPos, Severity: diag.Error, Rule: rule.BackfillCycle.Name, Table: t.Name.String(),
				Message: fmt.Sprintf("scoped: the via foreign keys form a cycle, %s: each table would wait for the other to be filled first", strings.Join(names, " → ")),
				Fix:     fmt.Sprintf("give one table of the cycle another via:, or via: %s", config.ViaDefault)})
			return false
		}
		state[t] = 1
		if t.via != nil {
			if parent, ok := p.pending[t.via.RefTable]; ok {
				if !visit(parent, append(path, t)) {
					return false
				}
			}
		}
		state[t] = 2
		out = append(out, t)
		return true
	}
	for _, t := range p.tables {
		if !visit(t, nil) {
			return diags
		}
	}
	p.tables = out
	return diags
}

// planKeys decides the foreign keys, keys and indexes step 3 replaces or adds.
func (p *plan) planKeys() {
	// Foreign keys between two tables scoped afterwards, one of them getting
	// the column now, in schema order.
	swapped := map[*catalog.ForeignKey]bool{}
	for _, s := range p.m.Tables {
		colS, ok := p.scopedAfter(s.Name)
		if !ok {
			continue
		}
		for _, fk := range s.ForeignKeys {
			colT, ok := p.scopedAfter(fk.RefTable)
			_, pendingS := p.pending[s.Name]
			_, pendingT := p.pending[fk.RefTable]
			if !ok || !pendingS && !pendingT || tenancy.SameTenantFK(fk, colS, colT) {
				continue
			}
			cols, refCols := tenancy.TenantFKColumns(fk, colS, colT)
			sw := &fkSwap{from: s.Table, fk: fk, cols: cols, refCols: refCols, onDelete: fk.OnDelete}
			if (fk.OnDelete == "SET NULL" || fk.OnDelete == "SET DEFAULT") && !slices.Contains(fk.Columns, colS) {
				// Only the referencing columns: SET NULL on the whole key would
				// clear the tenant column too, which is NOT NULL.
				sw.onDelete += " (" + tenancy.QuoteList(fk.Columns) + ")"
			}
			p.fks = append(p.fks, sw)
			swapped[fk] = true
		}
	}
	// A key may be replaced unless a foreign key that stays single-column
	// depends on it.
	referenced := func(t *catalog.Table, cols []string) bool {
		for _, o := range p.m.Catalog.Tables {
			for _, fk := range o.ForeignKeys {
				if fk.RefTable == t.Name && !swapped[fk] && sameSet(fk.RefColumns, cols) {
					return true
				}
			}
		}
		return false
	}
	after := map[catalog.Name][][]string{} // keys of each table after the swaps
	for _, t := range p.m.Catalog.Tables {
		if t.PrimaryKey != nil {
			after[t.Name] = append(after[t.Name], t.PrimaryKey.Columns)
		}
		for _, k := range t.Uniques {
			after[t.Name] = append(after[t.Name], k.Columns)
		}
	}
	for _, bt := range p.tables {
		t := bt.Table.Table
		keys := t.Uniques
		if t.PrimaryKey != nil {
			keys = append([]*catalog.Key{t.PrimaryKey}, keys...)
		}
		for _, k := range keys {
			if !plainKey(t, k) || referenced(t, k.Columns) {
				continue
			}
			sw := &keySwap{t: t, key: k, primary: k == t.PrimaryKey, oldCols: k.Columns, newCols: append([]string{p.col}, k.Columns...), asIndex: k.Index}
			if sw.asIndex {
				sw.indexOld = catalog.Name{Schema: t.Name.Schema, Name: k.Name}.String()
			}
			p.keys = append(p.keys, sw)
			after[t.Name] = append(after[t.Name], sw.newCols)
		}
	}
	for _, sw := range p.fks {
		ref := p.m.Catalog.Table(sw.fk.RefTable)
		if slices.ContainsFunc(after[ref.Name], func(k []string) bool { return sameSet(k, sw.refCols) }) {
			continue
		}
		p.uniques = append(p.uniques, &newIndex{t: ref, name: tenancy.UniqueKeyName(ref, sw.refCols), cols: sw.refCols})
		after[ref.Name] = append(after[ref.Name], sw.refCols)
	}
	for _, bt := range p.tables {
		t := bt.Table.Table
		if slices.ContainsFunc(after[t.Name], func(k []string) bool { return k[0] == p.col }) {
			continue // a key led by the column serves tenant queries
		}
		p.indexes = append(p.indexes, &newIndex{t: t, name: tenancy.TenantIndexName(t, p.col), cols: []string{p.col}})
	}
	p.proc = catalog.Name{Schema: p.m.Tenant.Root.Schema, Name: "tenantc_backfill"}
}

// plainKey reports whether k is a key of plain columns, without the tenant
// column, that a swap can rebuild as it was: not partial, no expression.
func plainKey(t *catalog.Table, k *catalog.Key) bool {
	if slices.ContainsFunc(k.Columns, func(c string) bool { return strings.HasPrefix(c, "(") }) {
		return false
	}
	for _, ix := range t.Indexes {
		if ix.Name == k.Name && ix.Where != "" {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(c string) bool { return !slices.Contains(b, c) })
}
