package parse

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// drop applies DROP statements. Dropping something that does not exist is not
// reported: tenantc only needs the catalog the statements leave behind.
func (b *builder) drop(s *pg_query.DropStmt) {
	cascade := s.GetBehavior() == pg_query.DropBehavior_DROP_CASCADE
	objects := s.GetObjects()
	switch s.GetRemoveType() {
	case pg_query.ObjectType_OBJECT_TABLE:
		var names []catalog.Name
		for _, o := range objects {
			if n := b.listName(o.GetList().GetItems()); b.cat.Table(n) != nil {
				names = append(names, n)
			}
		}
		b.dropRelations(names, cascade)
	case pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
		materialized := s.GetRemoveType() == pg_query.ObjectType_OBJECT_MATVIEW
		var names []catalog.Name
		for _, o := range objects {
			n := b.listName(o.GetList().GetItems())
			if v := b.view(n); v != nil && v.Materialized == materialized {
				names = append(names, n)
			}
		}
		b.dropRelations(names, cascade)
	case pg_query.ObjectType_OBJECT_INDEX:
		for _, o := range objects {
			if t, ix := b.findIndexIn(b.listName(o.GetList().GetItems())); ix != nil {
				b.removeIndex(t, ix)
			}
		}
	case pg_query.ObjectType_OBJECT_FUNCTION, pg_query.ObjectType_OBJECT_PROCEDURE, pg_query.ObjectType_OBJECT_ROUTINE:
		for _, o := range objects {
			for _, f := range b.functions(o.GetObjectWithArgs()) {
				b.cat.Functions = slices.DeleteFunc(b.cat.Functions, func(x *catalog.Function) bool { return x == f })
				delete(b.signatures, f)
			}
		}
	case pg_query.ObjectType_OBJECT_TYPE:
		for _, o := range objects {
			n := b.listName(o.GetTypeName().GetNames())
			b.cat.Enums = slices.DeleteFunc(b.cat.Enums, func(e *catalog.Enum) bool { return e.Name == n })
		}
	case pg_query.ObjectType_OBJECT_TRIGGER:
		for _, o := range objects {
			if t, name := b.tableMember(o); t != nil {
				if tr := t.Trigger(name); tr != nil {
					b.dropTrigger(t, tr)
				}
			}
		}
	case pg_query.ObjectType_OBJECT_POLICY:
		for _, o := range objects {
			if t, name := b.tableMember(o); t != nil {
				t.Policies = slices.DeleteFunc(t.Policies, func(p *catalog.Policy) bool { return p.Name == name })
			}
		}
	case pg_query.ObjectType_OBJECT_SCHEMA:
		for _, o := range objects {
			if s := o.GetString_(); s != nil {
				b.dropSchema(s.GetSval(), cascade)
			}
		}
	}
}

// tableMember splits the name of a trigger or policy, given as
// [schema.]table.name, into its table and its own name.
func (b *builder) tableMember(o *pg_query.Node) (*catalog.Table, string) {
	items := o.GetList().GetItems()
	if len(items) < 2 {
		return nil, ""
	}
	name := sqlexpr.Strings(items[len(items)-1:])
	if len(name) != 1 {
		return nil, ""
	}
	return b.cat.Table(b.listName(items[:len(items)-1])), name[0]
}

// dropRelations drops tables and views. A partitioned table takes its
// partitions with it; CASCADE also drops views reading a dropped relation and
// other tables' foreign keys to a dropped table.
func (b *builder) dropRelations(names []catalog.Name, cascade bool) {
	gone := map[catalog.Name]bool{}
	for _, n := range names {
		gone[n] = true
	}
	for changed := true; changed; {
		changed = false
		mark := func(n catalog.Name) {
			if !gone[n] {
				gone[n] = true
				changed = true
			}
		}
		for _, t := range b.cat.Tables {
			if t.PartitionOf != nil && gone[*t.PartitionOf] {
				mark(t.Name)
			}
		}
		if cascade {
			for _, v := range b.cat.Views {
				if slices.ContainsFunc(v.Reads, func(r catalog.Name) bool { return gone[r] }) {
					mark(v.Name)
				}
			}
		}
	}
	b.cat.Tables = slices.DeleteFunc(b.cat.Tables, func(t *catalog.Table) bool { return gone[t.Name] })
	b.cat.Views = slices.DeleteFunc(b.cat.Views, func(v *catalog.View) bool { return gone[v.Name] })
	if cascade {
		for n := range gone {
			b.dropForeignKeysTo(n, func(*catalog.ForeignKey) bool { return true })
		}
	}
}

// dropSchema applies DROP SCHEMA; with CASCADE everything in it goes too.
func (b *builder) dropSchema(name string, cascade bool) {
	b.cat.Schemas = slices.DeleteFunc(b.cat.Schemas, func(s string) bool { return s == name })
	if !cascade {
		return // PostgreSQL only drops an empty schema without CASCADE
	}
	var rels []catalog.Name
	for _, t := range b.cat.Tables {
		if t.Name.Schema == name {
			rels = append(rels, t.Name)
		}
	}
	for _, v := range b.cat.Views {
		if v.Name.Schema == name {
			rels = append(rels, v.Name)
		}
	}
	b.dropRelations(rels, true)
	b.cat.Functions = slices.DeleteFunc(b.cat.Functions, func(f *catalog.Function) bool { return f.Name.Schema == name })
	b.cat.Enums = slices.DeleteFunc(b.cat.Enums, func(e *catalog.Enum) bool { return e.Name.Schema == name })
}
