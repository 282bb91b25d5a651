package parse

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// alterTable applies ALTER TABLE, and ALTER VIEW … SET/RESET (…), which
// PostgreSQL parses as the same statement.
func (b *builder) alterTable(s *pg_query.AlterTableStmt) {
	switch s.GetObjtype() {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
	default:
		return // ALTER INDEX, SEQUENCE, FOREIGN TABLE …: nothing modelled
	}
	rv := s.GetRelation()
	n := b.relName(rv)
	t := b.cat.Table(n)
	if t == nil {
		if v := b.view(n); v != nil {
			b.alterView(v, s.GetCmds())
		} else if !s.GetMissingOk() {
			b.missingRelation(rv, n)
		}
		return
	}
	for _, c := range s.GetCmds() {
		if cmd := c.GetAlterTableCmd(); cmd != nil {
			b.alterTableCmd(t, cmd, rv.GetInh())
		}
	}
}

// alterTableCmd applies one ALTER TABLE action. recurse is false under ONLY;
// otherwise column changes reach every partition, as in PostgreSQL.
func (b *builder) alterTableCmd(t *catalog.Table, cmd *pg_query.AlterTableCmd, recurse bool) {
	cascade := cmd.GetBehavior() == pg_query.DropBehavior_DROP_CASCADE
	// column runs fn on the named column of t and, with recurse, of its partitions.
	column := func(fn func(*catalog.Column)) {
		b.withPartitions(t, recurse, func(p *catalog.Table) {
			if c := p.Column(cmd.GetName()); c != nil {
				fn(c)
			}
		})
	}
	switch cmd.GetSubtype() {
	case pg_query.AlterTableType_AT_AddColumn:
		b.addColumn(t, cmd.GetDef().GetColumnDef(), recurse)
	case pg_query.AlterTableType_AT_DropColumn:
		b.withPartitions(t, recurse, func(p *catalog.Table) { b.dropColumn(p, cmd.GetName(), cascade) })
	case pg_query.AlterTableType_AT_AddConstraint:
		if c := cmd.GetDef().GetConstraint(); c != nil {
			b.addConstraint(t, c, recurse)
		}
	case pg_query.AlterTableType_AT_DropConstraint:
		b.dropConstraint(t, cmd.GetName(), cascade)
	case pg_query.AlterTableType_AT_EnableRowSecurity:
		t.RLSEnabled = true
	case pg_query.AlterTableType_AT_DisableRowSecurity:
		t.RLSEnabled = false
	case pg_query.AlterTableType_AT_ForceRowSecurity:
		t.RLSForced = true
	case pg_query.AlterTableType_AT_NoForceRowSecurity:
		t.RLSForced = false
	case pg_query.AlterTableType_AT_ChangeOwner:
		t.Owner = roleName(cmd.GetNewowner())
	case pg_query.AlterTableType_AT_SetNotNull:
		column(func(c *catalog.Column) { c.NotNull = true })
	case pg_query.AlterTableType_AT_DropNotNull:
		column(func(c *catalog.Column) { c.NotNull = false })
	case pg_query.AlterTableType_AT_ColumnDefault:
		def := b.expr(cmd.GetDef()) // no expression: DROP DEFAULT
		column(func(c *catalog.Column) { c.Default = def })
	case pg_query.AlterTableType_AT_AlterColumnType:
		if cd := cmd.GetDef().GetColumnDef(); cd.GetTypeName() != nil {
			typ := b.typeOf(cd.GetTypeName())
			column(func(c *catalog.Column) { c.Type = typ })
		}
	case pg_query.AlterTableType_AT_AddIdentity:
		kind := identityKind(cmd.GetDef().GetConstraint().GetGeneratedWhen())
		column(func(c *catalog.Column) { c.Identity, c.NotNull = kind, true })
	case pg_query.AlterTableType_AT_SetIdentity:
		for _, o := range cmd.GetDef().GetList().GetItems() {
			if d := o.GetDefElem(); d.GetDefname() == "generated" {
				kind := identityKind(string(rune(d.GetArg().GetInteger().GetIval())))
				column(func(c *catalog.Column) {
					if c.Identity != "" {
						c.Identity = kind
					}
				})
			}
		}
	case pg_query.AlterTableType_AT_DropIdentity:
		column(func(c *catalog.Column) { c.Identity = "" })
	case pg_query.AlterTableType_AT_SetExpression:
		gen := b.expr(cmd.GetDef())
		column(func(c *catalog.Column) { c.Generated = gen })
	case pg_query.AlterTableType_AT_DropExpression:
		column(func(c *catalog.Column) { c.Generated = "" })
	case pg_query.AlterTableType_AT_AttachPartition:
		b.attachPartition(t, cmd.GetDef().GetPartitionCmd())
	case pg_query.AlterTableType_AT_DetachPartition, pg_query.AlterTableType_AT_DetachPartitionFinalize:
		b.detachPartition(t, cmd.GetDef().GetPartitionCmd())
	}
}

// addColumn applies ADD COLUMN; the column's keys are added like table
// constraints so they reach partitions the same way.
func (b *builder) addColumn(t *catalog.Table, cd *pg_query.ColumnDef, recurse bool) {
	if cd == nil || t.Column(cd.GetColname()) != nil {
		return // IF NOT EXISTS, or an error in PostgreSQL
	}
	col := b.newColumn(t, cd)
	keys := b.columnConstraints(col, cd)
	b.withPartitions(t, recurse, func(p *catalog.Table) {
		if p.Column(col.Name) == nil {
			c := *col
			p.Columns = append(p.Columns, &c)
		}
	})
	// Keys after the column exists everywhere, foreign keys last, as in CREATE TABLE.
	for _, k := range keys {
		if k.GetContype() != pg_query.ConstrType_CONSTR_FOREIGN {
			b.addConstraint(t, k, recurse)
		}
	}
	for _, k := range keys {
		if k.GetContype() == pg_query.ConstrType_CONSTR_FOREIGN {
			b.addConstraint(t, k, recurse)
		}
	}
}

// dropColumn applies DROP COLUMN to one table. PostgreSQL drops the indexes and
// constraints of the table that use the column; with CASCADE also other tables'
// foreign keys to it and policies whose expressions use it.
func (b *builder) dropColumn(t *catalog.Table, name string, cascade bool) {
	if t.Column(name) == nil {
		return
	}
	t.Columns = slices.DeleteFunc(t.Columns, func(c *catalog.Column) bool { return c.Name == name })
	for _, ix := range slices.Clone(t.Indexes) {
		if indexUses(ix, t.Name.Name, name) {
			b.removeIndex(t, ix)
		}
	}
	if t.PrimaryKey != nil && slices.Contains(t.PrimaryKey.Columns, name) {
		t.PrimaryKey = nil
	}
	t.Uniques = slices.DeleteFunc(t.Uniques, func(k *catalog.Key) bool { return slices.Contains(k.Columns, name) })
	t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *catalog.ForeignKey) bool { return slices.Contains(fk.Columns, name) })
	if cascade {
		b.dropForeignKeysTo(t.Name, func(fk *catalog.ForeignKey) bool { return slices.Contains(fk.RefColumns, name) })
		t.Policies = slices.DeleteFunc(t.Policies, func(p *catalog.Policy) bool {
			return mentionsColumn(p.Using, t.Name.Name, name) || mentionsColumn(p.Check, t.Name.Name, name)
		})
	}
}

// indexUses reports whether an index of table uses column col, as a key column,
// in an expression or in its predicate.
func indexUses(ix *catalog.Index, table, col string) bool {
	for _, c := range ix.Columns {
		if c == col || strings.HasPrefix(c, "(") && mentionsColumn(c, table, col) {
			return true
		}
	}
	return ix.Where != "" && mentionsColumn(ix.Where, table, col)
}

// attachPartition applies ATTACH PARTITION: the partition gets the parent's
// indexes, foreign keys and row triggers, adopting equivalent indexes it has.
func (b *builder) attachPartition(t *catalog.Table, pc *pg_query.PartitionCmd) {
	rv := pc.GetName()
	if rv == nil {
		return
	}
	n := b.relName(rv)
	p := b.cat.Table(n)
	if p == nil {
		b.missingRelation(rv, n)
		return
	}
	if b.isAncestor(p, t) {
		return // PostgreSQL refuses to make a table its own partition
	}
	p.PartitionOf = &catalog.Name{Schema: t.Name.Schema, Name: t.Name.Name}
	b.inherit(p, t)
}

// isAncestor reports whether a is t or one of the tables t is a partition of.
func (b *builder) isAncestor(a, t *catalog.Table) bool {
	for range len(b.cat.Tables) + 1 {
		if t == nil {
			return false
		}
		if t == a {
			return true
		}
		if t.PartitionOf == nil {
			return false
		}
		t = b.cat.Table(*t.PartitionOf)
	}
	return false
}

// detachPartition applies DETACH PARTITION. PostgreSQL drops the triggers it
// cloned; cloned indexes and foreign keys stay as the table's own.
func (b *builder) detachPartition(t *catalog.Table, pc *pg_query.PartitionCmd) {
	rv := pc.GetName()
	if rv == nil {
		return
	}
	n := b.relName(rv)
	p := b.cat.Table(n)
	if p == nil {
		b.missingRelation(rv, n)
		return
	}
	if p.PartitionOf == nil || *p.PartitionOf != t.Name {
		return
	}
	p.PartitionOf = nil
	for _, tr := range slices.Clone(p.Triggers) {
		if b.triggerParent[tr] != nil {
			b.dropTrigger(p, tr)
		}
	}
	for _, ix := range p.Indexes {
		delete(b.indexParent, ix)
	}
}

// alterView applies ALTER VIEW … SET / RESET (security_invoker …).
func (b *builder) alterView(v *catalog.View, cmds []*pg_query.Node) {
	for _, c := range cmds {
		cmd := c.GetAlterTableCmd()
		for _, o := range cmd.GetDef().GetList().GetItems() {
			d := o.GetDefElem()
			if d.GetDefname() != "security_invoker" {
				continue
			}
			switch cmd.GetSubtype() {
			case pg_query.AlterTableType_AT_SetRelOptions:
				v.SecurityInvoker = defBool(d.GetArg())
			case pg_query.AlterTableType_AT_ResetRelOptions:
				v.SecurityInvoker = false
			}
		}
	}
}

// targetTable finds the table an ALTER statement names. A view is not an error
// (the statement just does nothing tenantc models); a missing relation is,
// unless IF EXISTS was given.
func (b *builder) targetTable(rv *pg_query.RangeVar, missingOk bool) *catalog.Table {
	n := b.relName(rv)
	if t := b.cat.Table(n); t != nil {
		return t
	}
	if b.view(n) == nil && !missingOk {
		b.missingRelation(rv, n)
	}
	return nil
}

// rename applies ALTER … RENAME.
func (b *builder) rename(s *pg_query.RenameStmt) {
	switch s.GetRenameType() {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
		rv := s.GetRelation()
		old := b.relName(rv)
		if !b.relationExists(old) {
			if !s.GetMissingOk() {
				b.missingRelation(rv, old)
			}
			return
		}
		b.renameRelation(old, catalog.Name{Schema: old.Schema, Name: s.GetNewname()})
	case pg_query.ObjectType_OBJECT_COLUMN:
		if t := b.targetTable(s.GetRelation(), s.GetMissingOk()); t != nil {
			b.withPartitions(t, s.GetRelation().GetInh(), func(p *catalog.Table) {
				b.renameColumn(p, s.GetSubname(), s.GetNewname())
			})
		}
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		if t := b.targetTable(s.GetRelation(), s.GetMissingOk()); t != nil {
			b.renameConstraint(t, s.GetSubname(), s.GetNewname())
		}
	case pg_query.ObjectType_OBJECT_INDEX:
		if t, ix := b.findIndexIn(b.relName(s.GetRelation())); ix != nil {
			renameIndex(t, ix, s.GetNewname())
		}
	case pg_query.ObjectType_OBJECT_TRIGGER:
		if t := b.targetTable(s.GetRelation(), false); t != nil {
			if tr := t.Trigger(s.GetSubname()); tr != nil {
				b.renameTrigger(tr, s.GetNewname())
			}
		}
	case pg_query.ObjectType_OBJECT_POLICY:
		if t := b.targetTable(s.GetRelation(), false); t != nil {
			if p := t.Policy(s.GetSubname()); p != nil {
				p.Name = s.GetNewname()
			}
		}
	case pg_query.ObjectType_OBJECT_TYPE:
		old := b.listName(s.GetObject().GetList().GetItems())
		b.renameEnum(old, catalog.Name{Schema: old.Schema, Name: s.GetNewname()})
	case pg_query.ObjectType_OBJECT_FUNCTION, pg_query.ObjectType_OBJECT_PROCEDURE, pg_query.ObjectType_OBJECT_ROUTINE:
		for _, f := range b.functions(s.GetObject().GetObjectWithArgs()) {
			b.renameFunction(f, catalog.Name{Schema: f.Name.Schema, Name: s.GetNewname()})
		}
	case pg_query.ObjectType_OBJECT_SCHEMA:
		b.renameSchema(s.GetSubname(), s.GetNewname())
	}
}

// setSchema applies ALTER … SET SCHEMA, a rename that keeps the name.
func (b *builder) setSchema(s *pg_query.AlterObjectSchemaStmt) {
	to := s.GetNewschema()
	switch s.GetObjectType() {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
		rv := s.GetRelation()
		old := b.relName(rv)
		if !b.relationExists(old) {
			if !s.GetMissingOk() {
				b.missingRelation(rv, old)
			}
			return
		}
		b.renameRelation(old, catalog.Name{Schema: to, Name: old.Name})
	case pg_query.ObjectType_OBJECT_TYPE:
		old := b.listName(s.GetObject().GetList().GetItems())
		b.renameEnum(old, catalog.Name{Schema: to, Name: old.Name})
	case pg_query.ObjectType_OBJECT_FUNCTION, pg_query.ObjectType_OBJECT_PROCEDURE, pg_query.ObjectType_OBJECT_ROUTINE:
		for _, f := range b.functions(s.GetObject().GetObjectWithArgs()) {
			b.renameFunction(f, catalog.Name{Schema: to, Name: f.Name.Name})
		}
	}
}

// renameRelation renames a table or view and every reference to it: foreign
// keys, partitions' parent and views' reads. PostgreSQL refers to relations by
// OID, so all of them follow.
func (b *builder) renameRelation(old, to catalog.Name) {
	if b.relationExists(to) {
		return // PostgreSQL refuses; two relations of one name would confuse every lookup
	}
	if t := b.cat.Table(old); t != nil {
		t.Name = to
	} else if v := b.view(old); v != nil {
		v.Name = to
	}
	for _, t := range b.cat.Tables {
		for _, fk := range t.ForeignKeys {
			if fk.RefTable == old {
				fk.RefTable = to
			}
		}
		if t.PartitionOf != nil && *t.PartitionOf == old {
			t.PartitionOf = &catalog.Name{Schema: to.Schema, Name: to.Name}
		}
		if d := t.Distribution; d != nil && d.ColocateTable != nil && *d.ColocateTable == old {
			d.ColocateTable = &catalog.Name{Schema: to.Schema, Name: to.Name}
			d.ColocateWith = to.String()
		}
	}
	for _, v := range b.cat.Views {
		for i, r := range v.Reads {
			if r == old {
				v.Reads[i] = to
			}
		}
	}
}

// renameColumn renames a column of t in everything that names it: keys,
// indexes, foreign keys (this table's and those referencing it), generated
// columns and policy expressions.
func (b *builder) renameColumn(t *catalog.Table, from, to string) {
	c := t.Column(from)
	if c == nil {
		return
	}
	c.Name = to
	table := t.Name.Name
	if d := t.Distribution; d != nil && d.Column == from {
		d.Column = to // Citus keeps the column, not its name
	}
	if t.PrimaryKey != nil {
		replace(t.PrimaryKey.Columns, from, to)
	}
	for _, k := range t.Uniques {
		replace(k.Columns, from, to)
	}
	for _, ix := range t.Indexes {
		for i, col := range ix.Columns {
			if col == from {
				ix.Columns[i] = to
			} else if strings.HasPrefix(col, "(") && strings.HasSuffix(col, ")") {
				ix.Columns[i] = "(" + renameColumnIn(col[1:len(col)-1], table, from, to) + ")"
			}
		}
		if ix.Where != "" {
			ix.Where = renameColumnIn(ix.Where, table, from, to)
		}
	}
	for _, fk := range t.ForeignKeys {
		replace(fk.Columns, from, to)
	}
	for _, other := range b.cat.Tables {
		for _, fk := range other.ForeignKeys {
			if fk.RefTable == t.Name {
				replace(fk.RefColumns, from, to)
			}
		}
	}
	for _, col := range t.Columns {
		if col.Generated != "" {
			col.Generated = renameColumnIn(col.Generated, table, from, to)
		}
	}
	for _, p := range t.Policies {
		if p.Using != "" {
			p.Using = renameColumnIn(p.Using, table, from, to)
		}
		if p.Check != "" {
			p.Check = renameColumnIn(p.Check, table, from, to)
		}
	}
}

func replace(list []string, from, to string) {
	for i, s := range list {
		if s == from {
			list[i] = to
		}
	}
}

// renameConstraint applies RENAME CONSTRAINT; a key's index is renamed with it.
func (b *builder) renameConstraint(t *catalog.Table, from, to string) {
	if ix := findIndex(t, from); ix != nil && b.constraintIndexes[ix] {
		renameIndex(t, ix, to)
		return
	}
	for _, fk := range t.ForeignKeys {
		if fk.Name == from {
			fk.Name = to
		}
	}
}

// renameIndex renames an index and the key it backs, as ALTER INDEX … RENAME
// renames a constraint's index and the constraint together.
func renameIndex(t *catalog.Table, ix *catalog.Index, to string) {
	from := ix.Name
	ix.Name = to
	if t.PrimaryKey != nil && t.PrimaryKey.Name == from {
		t.PrimaryKey.Name = to
	}
	for _, k := range t.Uniques {
		if k.Name == from {
			k.Name = to
		}
	}
}

// renameTrigger renames a trigger and the clones PostgreSQL made of it on
// partitions.
func (b *builder) renameTrigger(tr *catalog.Trigger, to string) {
	tr.Name = to
	for _, t := range b.cat.Tables {
		for _, child := range t.Triggers {
			if b.triggerParent[child] == tr {
				b.renameTrigger(child, to)
			}
		}
	}
}

// renameEnum renames or moves an enum type; columns of that type follow.
func (b *builder) renameEnum(old, to catalog.Name) {
	e := b.cat.Enum(old)
	if e == nil {
		return
	}
	e.Name = to
	for _, t := range b.cat.Tables {
		for _, c := range t.Columns {
			if c.Type.Name == old.Name && (c.Type.Schema == old.Schema || c.Type.Schema == "" && old.Schema == "public") {
				c.Type.Name = to.Name
				if c.Type.Schema != "" || to.Schema != "public" {
					c.Type.Schema = to.Schema
				}
			}
		}
	}
}

// renameFunction renames or moves a function; triggers calling it follow.
func (b *builder) renameFunction(f *catalog.Function, to catalog.Name) {
	old := f.Name
	f.Name = to
	for _, t := range b.cat.Tables {
		for _, tr := range t.Triggers {
			if tr.Function == old {
				tr.Function = to
			}
		}
	}
}

// renameSchema applies ALTER SCHEMA … RENAME TO: every name in the schema moves.
func (b *builder) renameSchema(from, to string) {
	if b.schemaUsed(to) {
		return // PostgreSQL refuses to rename onto an existing schema
	}
	if i := slices.Index(b.cat.Schemas, from); i >= 0 {
		b.cat.Schemas[i] = to
	}
	move := func(n *catalog.Name) {
		if n.Schema == from {
			n.Schema = to
		}
	}
	for _, t := range b.cat.Tables {
		move(&t.Name)
		if t.PartitionOf != nil {
			move(t.PartitionOf)
		}
		for _, fk := range t.ForeignKeys {
			move(&fk.RefTable)
		}
		for _, tr := range t.Triggers {
			move(&tr.Function)
		}
		for _, c := range t.Columns {
			if c.Type.Schema == from {
				c.Type.Schema = to
			}
		}
	}
	for _, v := range b.cat.Views {
		move(&v.Name)
		for i := range v.Reads {
			move(&v.Reads[i])
		}
	}
	for _, f := range b.cat.Functions {
		move(&f.Name)
	}
	for _, e := range b.cat.Enums {
		move(&e.Name)
	}
}

// schemaUsed reports whether schema was created or holds any object.
func (b *builder) schemaUsed(schema string) bool {
	if slices.Contains(b.cat.Schemas, schema) {
		return true
	}
	for _, t := range b.cat.Tables {
		if t.Name.Schema == schema {
			return true
		}
	}
	for _, v := range b.cat.Views {
		if v.Name.Schema == schema {
			return true
		}
	}
	for _, f := range b.cat.Functions {
		if f.Name.Schema == schema {
			return true
		}
	}
	for _, e := range b.cat.Enums {
		if e.Name.Schema == schema {
			return true
		}
	}
	return false
}
