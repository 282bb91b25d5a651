package tenancy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// Citus layout (distribute: citus). tenantc distributes every scoped table
// by its tenant column, colocated with the others, so that one tenant's rows
// of every table live on one shard and the generated queries, which all
// name the tenant, run on one node. The tenant table and every global table
// become reference tables (a copy on every node), for three reasons:
//   - a distributed table may only keep unique constraints that include its
//     distribution column; the root's key is its distribution column, but its
//     other keys (slug, domain) would have to go;
//   - a resolver looks a tenant up by slug or domain before it knows the
//     tenant: on a distributed root that lookup fans out to every shard, on a
//     reference table it reads the local copy;
//   - every scoped table has a foreign key to the root, and Citus allows a
//     foreign key from a distributed table to a reference table (to a
//     distributed root only when colocated, which a root distributed by its
//     key would be, but then the first two points still hold).
//
// The cost is that creating (or changing) a tenant writes to every node,
// which is rare next to the writes of the tenants' own rows.

// CitusReference reports whether t becomes a reference table in Citus mode:
// the tenant root and every global table. Partitions follow their parent.
func CitusReference(t *Table) bool {
	return t.PartitionOf == nil && (t.Kind == Root || t.Kind == Global)
}

// CitusDistributed reports whether t is distributed by its tenant column in
// Citus mode: every scoped table but partitions, which follow their parent.
func CitusDistributed(t *Table) bool {
	return t.PartitionOf == nil && t.Kind == Scoped
}

// CitusCycle is a foreign key that closes a cycle among the tables of one
// group of CitusOrder.
type CitusCycle struct {
	Table *Table
	FK    *catalog.ForeignKey
}

// CitusOrder returns the tables of Citus mode in the order their
// distribution calls must run: the reference tables first, then the
// distributed ones, each group in foreign-key order (a table after every
// table of its group it references; ties in schema order). Citus refuses a
// foreign key from the table it distributes to one that is still local, so
// every referenced table must be distributed first; a distributed table's
// keys to reference tables are met by the reference tables coming first.
// A cycle within a group has no such order: its tables are appended in
// schema order, and each cycle is returned.
func CitusOrder(m *Model) (ordered []*Table, cycles []CitusCycle) {
	var ref, dist []*Table
	for _, t := range m.Tables {
		switch {
		case CitusReference(t):
			ref = append(ref, t)
		case CitusDistributed(t):
			dist = append(dist, t)
		}
	}
	for _, group := range [][]*Table{ref, dist} {
		o, c := fkOrder(group)
		ordered = append(ordered, o...)
		cycles = append(cycles, c...)
	}
	return ordered, cycles
}

// fkOrder sorts group topologically by its foreign keys among themselves.
func fkOrder(group []*Table) (ordered []*Table, cycles []CitusCycle) {
	placed := map[catalog.Name]bool{}
	in := map[catalog.Name]bool{}
	for _, t := range group {
		in[t.Name] = true
	}
	for _, t := range group {
		// A table the schema distributes already needs no migration: the
		// tables that reference it need not wait for it (a cycle through
		// it was closed after its distribution, which Citus accepted).
		placed[t.Name] = t.Distribution != nil
	}
	waits := func(t *Table, fk *catalog.ForeignKey) bool {
		return t.Distribution == nil && fk.RefTable != t.Name && in[fk.RefTable] && !placed[fk.RefTable]
	}
	ready := func(t *Table) bool {
		return !slices.ContainsFunc(t.ForeignKeys, func(fk *catalog.ForeignKey) bool { return waits(t, fk) })
	}
	rest := slices.Clone(group)
	for len(rest) > 0 {
		i := slices.IndexFunc(rest, ready)
		if i < 0 {
			// Every table left waits for another one left: report the
			// first table's key into the cycle, place it and go on.
			t := rest[0]
			for _, fk := range t.ForeignKeys {
				if waits(t, fk) {
					cycles = append(cycles, CitusCycle{Table: t, FK: fk})
					break
				}
			}
			i = 0
		}
		placed[rest[i].Name] = true
		ordered = append(ordered, rest[i])
		rest = slices.Delete(rest, i, i+1)
	}
	return ordered, cycles
}

// CitusAnchor is the scoped table every other one is colocated with. When
// the schema distributes scoped tables by their tenant column already, it
// is the table their colocation leads to: the first one's colocate_with
// table, its colocate_with table, and so on, to the one that names none —
// the anchor of the run that distributed them, whatever order a new table
// gives the scoped tables now, so a later run colocates new tables as the
// earlier ones did. Otherwise it is the first scoped table in CitusOrder,
// which its migration distributes with Citus' default colocation. Nil
// without scoped tables.
func CitusAnchor(m *Model, ordered []*Table) *Table {
	byTenant := func(t *Table) bool {
		if !CitusDistributed(t) || t.Distribution == nil {
			return false
		}
		d := t.Distribution
		return d.Method == catalog.Distributed && d.Column == t.TenantColumn.Name
	}
	var first *Table
	for _, t := range ordered {
		if !CitusDistributed(t) {
			continue
		}
		if byTenant(t) {
			for seen := map[*Table]bool{t: true}; t.Distribution.ColocateTable != nil; {
				next := m.Table(*t.Distribution.ColocateTable)
				if next == nil || seen[next] || !byTenant(next) {
					break
				}
				seen[next] = true
				t = next
			}
			return t
		}
		if first == nil {
			first = t
		}
	}
	return first
}

// checkCitus reports what Citus would refuse, or what the schema distributes
// otherwise than tenantc's layout. It runs in Citus mode only.
func (a *analysis) checkCitus() {
	ordered, cycles := CitusOrder(a.model)
	for _, c := range cycles {
		a.reportOn(c.Table, rule.CitusFKCycle, c.FK.Pos, fmt.Sprintf("foreign key %s from %s to %s closes a cycle of foreign keys: Citus distributes one table after the other and refuses a foreign key from the table it distributes to one that is still local", c.FK.Name, c.Table.Name, c.FK.RefTable),
			fmt.Sprintf("drop it before the distribution migrations and add it back after them:\nALTER TABLE %s DROP CONSTRAINT %s;\n-- … the distribution migrations …\nALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s;",
				c.Table.Name, catalog.QuoteIdent(c.FK.Name), c.Table.Name, catalog.QuoteIdent(c.FK.Name), QuoteList(c.FK.Columns), c.FK.RefTable, QuoteList(c.FK.RefColumns), FKActions(c.FK)))
	}
	for _, t := range a.model.Tables {
		switch {
		case CitusDistributed(t):
			a.checkCitusKeys(t)
			a.checkCitusFKs(t)
		case CitusReference(t):
			for _, fk := range t.ForeignKeys {
				if ref := a.model.Table(fk.RefTable); ref != nil && ref.Kind == Scoped {
					fix := fmt.Sprintf("drop it and check the reference in the application: ALTER TABLE %s DROP CONSTRAINT %s;", t.Name, catalog.QuoteIdent(fk.Name))
					switch {
					case t.Kind == Root:
					case t.Column(a.cfg.Column) != nil:
						fix += fmt.Sprintf("\nor, if each row of %s belongs to its tenant, remove it from global: in %s so that it is scoped and distributed too", t.Name, a.configFile())
					default:
						fix += fmt.Sprintf("\nor, if each row of %s belongs to one tenant, give it the %s column so that it is scoped and distributed too", t.Name, a.cfg.Column)
					}
					a.reportOn(t, rule.CitusReferenceFK, fk.Pos, fmt.Sprintf("foreign key %s from %s to %s: in Citus mode %s is a reference table (%s) and %s is distributed by %s; Citus refuses a foreign key from a reference table to a distributed one", fk.Name, t.Name, ref.Name, t.Name, t.Kind, ref.Name, ref.TenantColumn.Name), fix)
				}
			}
		}
	}
	a.checkCitusDistributions(CitusAnchor(a.model, ordered))
}

// checkCitusKeys: Citus refuses a unique key of a distributed table without
// its distribution column. In Citus mode this replaces key-without-tenant,
// whose advice to keep a lookup key globally unique Citus cannot follow.
func (a *analysis) checkCitusKeys(t *Table) {
	col := t.TenantColumn.Name
	cn := catalog.QuoteIdent(col)
	keys := t.Uniques
	if t.PrimaryKey != nil {
		keys = append([]*catalog.Key{t.PrimaryKey}, keys...)
	}
	for _, k := range keys {
		if slices.Contains(k.Columns, col) {
			continue
		}
		what, fix := "unique key", fmt.Sprintf("make it (%s, %s)", cn, QuoteList(k.Columns))
		if k == t.PrimaryKey {
			what = "primary key"
			fix = fmt.Sprintf("make it PRIMARY KEY (%s, %s), and every foreign key to it (%s, …)", cn, QuoteList(k.Columns), cn)
		}
		if lookupKey(k) {
			fix += fmt.Sprintf(";\nif %s is looked up before the tenant is known (an API key, a token, a login email), keep that lookup in a global table, which Citus makes a reference table and can keep unique:\n  CREATE TABLE %s_lookup (%s %s PRIMARY KEY, %s %s NOT NULL REFERENCES %s);\nand declare it in global: in %s",
				k.Columns[0], t.Name.Name, catalog.QuoteIdent(k.Columns[0]), columnType(t, k.Columns[0]), cn, a.keyType(), a.model.Tenant.Root, a.configFile())
		}
		a.reportOn(t, rule.CitusKeyWithoutTenant, k.Pos, fmt.Sprintf("%s %s of %s (%s) does not include %s: Citus refuses a primary key, unique constraint or unique index of a distributed table that does not include its distribution column", what, k.Name, t.Name, strings.Join(k.Columns, ", "), col), fix)
	}
}

func columnType(t *Table, col string) string {
	if c := t.Column(col); c != nil {
		return c.Type.String()
	}
	return "text"
}

// checkCitusFKs judges the foreign keys of a distributed table: to a table
// that stays local (Citus refuses them), and the referential actions Citus
// refuses on a key that includes the distribution column. Keys to other
// scoped tables are cross-tenant-fk's, which asks for the pairing of the
// tenant columns Citus asks for.
func (a *analysis) checkCitusFKs(t *Table) {
	col := t.TenantColumn.Name
	for _, fk := range t.ForeignKeys {
		ref := a.model.Table(fk.RefTable)
		if ref != nil && ref.Kind == Unclassified {
			// A local table without such keys works on Citus (it stays on the
			// coordinator; a join with it pulls rows there), so it keeps the
			// unclassified-table warning; this key cannot work at all.
			a.reportOn(t, rule.CitusLocalFK, fk.Pos, fmt.Sprintf("foreign key %s from %s to %s: %s is neither scoped nor global, so it stays a local table on the Citus coordinator, and Citus refuses a foreign key from a distributed table to a local one", fk.Name, t.Name, ref.Name, ref.Name),
				fmt.Sprintf("if every tenant may read %s, declare it in global: in %s (it becomes a reference table); otherwise give it the %s column and make the key (%s, …)", ref.Name, a.configFile(), a.cfg.Column, col))
		}
		if !slices.Contains(fk.Columns, col) {
			continue
		}
		var bad []string
		if fk.OnDelete == "SET NULL" || fk.OnDelete == "SET DEFAULT" || strings.HasPrefix(fk.OnDelete, "SET NULL (") || strings.HasPrefix(fk.OnDelete, "SET DEFAULT (") {
			if !setColumnsSpareTenant(fk.OnDelete, col) {
				bad = append(bad, "ON DELETE "+fk.OnDelete)
			}
		}
		switch fk.OnUpdate {
		case "SET NULL", "SET DEFAULT", "CASCADE":
			bad = append(bad, "ON UPDATE "+fk.OnUpdate)
		}
		if len(bad) == 0 {
			continue
		}
		a.reportOn(t, rule.CitusFKAction, fk.Pos, fmt.Sprintf("foreign key %s of %s includes %s and has %s: Citus refuses them on a foreign key that includes the distribution column, since they would change a row's %s", fk.Name, t.Name, col, strings.Join(bad, " and "), col),
			citusFKActionFix(t, fk, col))
	}
}

// citusFKActionFix rewrites fk with the actions Citus accepts: ON UPDATE
// left out (a row's tenant never changes: tenantc's trigger refuses it),
// ON DELETE SET NULL / SET DEFAULT limited to the other columns of the key
// (PostgreSQL 15+), or RESTRICT when there are none.
func citusFKActionFix(t *Table, fk *catalog.ForeignKey, col string) string {
	onDelete := fk.OnDelete
	if strings.HasPrefix(onDelete, "SET ") && !setColumnsSpareTenant(onDelete, col) {
		action, _, _ := strings.Cut(onDelete, " (")
		others := slices.DeleteFunc(slices.Clone(fk.Columns), func(c string) bool { return c == col })
		if len(others) == 0 {
			onDelete = "RESTRICT"
		} else {
			onDelete = action + " (" + QuoteList(others) + ")"
		}
	}
	onUpdate := fk.OnUpdate
	switch onUpdate {
	case "SET NULL", "SET DEFAULT", "CASCADE":
		onUpdate = ""
	}
	fixed := *fk
	fixed.OnDelete, fixed.OnUpdate = onDelete, onUpdate
	return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s, ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s;",
		t.Name, catalog.QuoteIdent(fk.Name), catalog.QuoteIdent(fk.Name), QuoteList(fk.Columns), fk.RefTable, QuoteList(fk.RefColumns), FKActions(&fixed))
}

// setColumnsSpareTenant reports whether an action "SET NULL (a, b)" lists
// columns and the tenant column is not one of them.
func setColumnsSpareTenant(action, col string) bool {
	_, list, ok := strings.Cut(action, "(")
	if !ok {
		return false
	}
	for _, c := range strings.Split(strings.TrimSuffix(list, ")"), ",") {
		if n, err := catalog.ParseName(strings.TrimSpace(c)); err == nil && n.Name == col {
			return false
		}
	}
	return true
}

// checkCitusDistributions compares the schema's own distribution calls with
// tenantc's layout; anchor is CitusAnchor's.
func (a *analysis) checkCitusDistributions(anchor *Table) {
	group := func(t *Table) string { return "" }
	if anchor != nil {
		group = a.colocationGroups()
	}
	for _, t := range a.model.Tables {
		d := t.Distribution
		if d == nil || t.PartitionOf != nil {
			continue
		}
		lit := sqlLiteral(t.Name.String())
		switch {
		case CitusReference(t) && d.Method != catalog.Reference:
			a.reportOn(t, rule.CitusDistribution, d.Pos, fmt.Sprintf("%s is distributed by %s, but in Citus mode %s is a reference table: every distributed table references it, and it is read without a tenant", t.Name, orNone(d.Column), referenceWhat(t)),
				fmt.Sprintf("replace the call with SELECT create_reference_table(%s);\non a cluster that ran it: SELECT undistribute_table(%s, cascade_via_foreign_keys => true); SELECT create_reference_table(%s);", lit, lit, lit))
		case CitusDistributed(t) && d.Method != catalog.Distributed:
			a.reportOn(t, rule.CitusDistribution, d.Pos, fmt.Sprintf("scoped table %s is a reference table: every node holds every tenant's rows, and it cannot be colocated with the other scoped tables", t.Name),
				fmt.Sprintf("remove the call (tenantc distributes %s by %s); on a cluster that ran it: SELECT undistribute_table(%s, cascade_via_foreign_keys => true);", t.Name, t.TenantColumn.Name, lit))
		case CitusDistributed(t) && d.Column != t.TenantColumn.Name:
			a.reportOn(t, rule.CitusDistribution, d.Pos, fmt.Sprintf("scoped table %s is distributed by %s, not by its tenant column %s: a tenant's rows spread over every shard and its queries fan out", t.Name, orNone(d.Column), t.TenantColumn.Name),
				fmt.Sprintf("SELECT alter_distributed_table(%s, distribution_column => %s%s);", lit, sqlLiteral(t.TenantColumn.Name), colocateArg(t, anchor)))
		case CitusDistributed(t) && anchor != nil && t != anchor && group(t) != group(anchor):
			a.reportOn(t, rule.CitusDistribution, d.Pos, fmt.Sprintf("scoped table %s is not colocated with %s (colocate_with => %s): a tenant's rows of the two tables may live on different nodes, so joins on the tenant run across nodes and foreign keys between them are refused", t.Name, anchor.Name, sqlLiteral(d.ColocateWith)),
				fmt.Sprintf("SELECT alter_distributed_table(%s, colocate_with => %s);", lit, sqlLiteral(anchor.Name.String())))
		}
	}
}

// colocationGroups returns a function naming the colocation group of a
// table the schema distributes, as Citus would form the groups: 'none'
// starts a group of its own, 'default' joins the one default group (every
// scoped table has the tenant key's type and, here, one shard count), a
// table name joins that table's group.
func (a *analysis) colocationGroups() func(*Table) string {
	var of func(t *catalog.Table, depth int) string
	of = func(t *catalog.Table, depth int) string {
		d := t.Distribution
		switch {
		case d == nil || d.Method != catalog.Distributed:
			return "local:" + t.Name.String()
		case d.ColocateTable != nil && depth < len(a.cat.Tables):
			if with := a.cat.Table(*d.ColocateTable); with != nil && with != t {
				return of(with, depth+1)
			}
		case d.ColocateWith == catalog.ColocateDefault:
			return catalog.ColocateDefault
		}
		return "own:" + t.Name.String()
	}
	return func(t *Table) string { return of(t.Table, 0) }
}

// referenceWhat names the kind of a table Citus mode makes a reference table.
func referenceWhat(t *Table) string {
	if t.Kind == Root {
		return "the tenant table"
	}
	return "a global table"
}

func colocateArg(t, anchor *Table) string {
	if anchor == nil || anchor == t {
		return ""
	}
	return ", colocate_with => " + sqlLiteral(anchor.Name.String())
}

func orNone(col string) string {
	if col == "" {
		return "no column (a single-shard table)"
	}
	return col
}

// sqlLiteral quotes s as an SQL string literal.
func sqlLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
