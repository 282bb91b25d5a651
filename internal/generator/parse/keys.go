package parse

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// addConstraint adds a PRIMARY KEY, UNIQUE or FOREIGN KEY table constraint.
// CHECK and EXCLUDE constraints are not modelled. With recurse the constraint is
// also cloned onto t's partitions.
func (b *builder) addConstraint(t *catalog.Table, c *pg_query.Constraint, recurse bool) {
	switch c.GetContype() {
	case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
		b.addKey(t, c, recurse)
	case pg_query.ConstrType_CONSTR_FOREIGN:
		b.addForeignKey(t, c, recurse)
	}
}

// addKey adds a primary key or unique constraint and the unique index that
// enforces it; both carry the constraint's name.
func (b *builder) addKey(t *catalog.Table, c *pg_query.Constraint, recurse bool) {
	primary := c.GetContype() == pg_query.ConstrType_CONSTR_PRIMARY
	if primary && t.PrimaryKey != nil {
		return // PostgreSQL refuses a second primary key
	}
	pos := b.pos(c.GetLocation())
	name := c.GetConname()
	var ix *catalog.Index
	var cols []string
	if using := c.GetIndexname(); using != "" {
		// ADD CONSTRAINT … USING INDEX adopts an existing unique index, which
		// PostgreSQL renames to the constraint's name.
		ix = findIndex(t, using)
		if ix == nil {
			return
		}
		if name == "" {
			name = using
		}
		t.Uniques = slices.DeleteFunc(t.Uniques, func(k *catalog.Key) bool { return k.Name == using })
		ix.Name = name
		ix.Unique = true
		cols = slices.Clone(ix.Columns)
	} else {
		cols = sqlexpr.Strings(c.GetKeys())
		if len(cols) == 0 {
			return
		}
		if name == "" {
			if primary {
				name = b.chooseName(t.Name.Schema, t.Name.Name, "", "pkey")
			} else {
				name = b.chooseName(t.Name.Schema, t.Name.Name, nameAddition(cols), "key")
			}
		}
		ix = &catalog.Index{Name: name, Unique: true, Columns: slices.Clone(cols), Pos: pos}
		t.Indexes = append(t.Indexes, ix)
	}
	b.constraintIndexes[ix] = true
	key := &catalog.Key{Name: name, Columns: cols, Pos: pos}
	if primary {
		t.PrimaryKey = key
		markNotNull(t, cols)
	} else {
		t.Uniques = append(t.Uniques, key)
	}
	if recurse {
		for _, p := range b.partitions(t) {
			b.cloneIndex(p, t, ix)
		}
	}
}

// addForeignKey adds a FOREIGN KEY constraint. Omitted referenced columns mean
// the referenced table's primary key; when that table does not exist yet they
// are filled in once every file is read.
func (b *builder) addForeignKey(t *catalog.Table, c *pg_query.Constraint, recurse bool) {
	cols := sqlexpr.Strings(c.GetFkAttrs())
	if len(cols) == 0 || c.GetPktable() == nil {
		return
	}
	ref := b.relName(c.GetPktable())
	refCols := sqlexpr.Strings(c.GetPkAttrs())
	if len(refCols) == 0 {
		refCols = b.primaryKeyColumns(ref)
	}
	name := c.GetConname()
	if name == "" {
		name = b.chooseName(t.Name.Schema, t.Name.Name, nameAddition(cols), "fkey")
	}
	fk := &catalog.ForeignKey{Name: name, Columns: cols, RefTable: ref, RefColumns: refCols, Pos: b.pos(c.GetLocation()),
		OnDelete: catalog.FKAction(c.GetFkDelAction()), OnUpdate: catalog.FKAction(c.GetFkUpdAction())}
	if set := sqlexpr.Strings(c.GetFkDelSetCols()); len(set) > 0 && fk.OnDelete != "" {
		// ON DELETE SET NULL (col, …), PostgreSQL 15+: only those columns
		// are cleared (Citus accepts it when they spare the tenant column).
		q := make([]string, len(set))
		for i, col := range set {
			q[i] = catalog.QuoteIdent(col)
		}
		fk.OnDelete += " (" + strings.Join(q, ", ") + ")"
	}
	t.ForeignKeys = append(t.ForeignKeys, fk)
	if recurse {
		for _, p := range b.partitions(t) {
			b.cloneForeignKey(p, fk)
		}
	}
}

func (b *builder) primaryKeyColumns(n catalog.Name) []string {
	if rt := b.cat.Table(n); rt != nil && rt.PrimaryKey != nil {
		return slices.Clone(rt.PrimaryKey.Columns)
	}
	return nil
}

// resolvePendingForeignKeys fills in the referenced columns of foreign keys
// whose table was created after them.
func (b *builder) resolvePendingForeignKeys() {
	for _, t := range b.cat.Tables {
		for _, fk := range t.ForeignKeys {
			if len(fk.RefColumns) == 0 {
				fk.RefColumns = b.primaryKeyColumns(fk.RefTable)
			}
		}
	}
}

func markNotNull(t *catalog.Table, cols []string) {
	for _, name := range cols {
		if c := t.Column(name); c != nil {
			c.NotNull = true
		}
	}
}

func findIndex(t *catalog.Table, name string) *catalog.Index {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	return nil
}

// findIndexIn finds an index by its schema-qualified name.
func (b *builder) findIndexIn(n catalog.Name) (*catalog.Table, *catalog.Index) {
	for _, t := range b.cat.Tables {
		if t.Name.Schema != n.Schema {
			continue
		}
		if ix := findIndex(t, n.Name); ix != nil {
			return t, ix
		}
	}
	return nil, nil
}

// addIndex adds a CREATE INDEX index to t; a unique one is also a key. With
// recurse it is cloned onto t's partitions, as PostgreSQL does unless ON ONLY.
func (b *builder) addIndex(t *catalog.Table, ix *catalog.Index, recurse bool) {
	t.Indexes = append(t.Indexes, ix)
	if ix.Unique {
		t.Uniques = append(t.Uniques, &catalog.Key{Name: ix.Name, Columns: slices.Clone(ix.Columns), Index: true, Pos: ix.Pos})
	}
	if recurse {
		for _, p := range b.partitions(t) {
			b.cloneIndex(p, t, ix)
		}
	}
}

// copyIndex makes a copy of src's index ix on dst, named as PostgreSQL names an
// index it creates for a partition or for LIKE … INCLUDING INDEXES: after dst,
// not after ix. It returns nil when dst cannot take it (a second primary key).
func (b *builder) copyIndex(dst, src *catalog.Table, ix *catalog.Index) *catalog.Index {
	isConstraint := b.constraintIndexes[ix]
	primary := isConstraint && src.PrimaryKey != nil && src.PrimaryKey.Name == ix.Name
	if primary && dst.PrimaryKey != nil {
		return nil
	}
	addition := nameAddition(indexColumnNames(namingColumns(ix.Columns)))
	var name string
	switch {
	case primary:
		name = b.chooseName(dst.Name.Schema, dst.Name.Name, "", "pkey")
	case isConstraint:
		name = b.chooseName(dst.Name.Schema, dst.Name.Name, addition, "key")
	default:
		name = b.chooseName(dst.Name.Schema, dst.Name.Name, addition, "idx")
	}
	n := &catalog.Index{Name: name, Unique: ix.Unique, Columns: slices.Clone(ix.Columns), Where: ix.Where, Pos: ix.Pos}
	dst.Indexes = append(dst.Indexes, n)
	if isConstraint {
		b.constraintIndexes[n] = true
	}
	switch {
	case primary:
		dst.PrimaryKey = &catalog.Key{Name: name, Columns: slices.Clone(ix.Columns), Pos: src.PrimaryKey.Pos}
		markNotNull(dst, ix.Columns)
	case ix.Unique:
		pos := ix.Pos
		for _, k := range src.Uniques {
			if k.Name == ix.Name {
				pos = k.Pos
			}
		}
		dst.Uniques = append(dst.Uniques, &catalog.Key{Name: name, Columns: slices.Clone(ix.Columns), Index: !isConstraint, Pos: pos})
	}
	return n
}

// namingColumns turns index columns back into the names PostgreSQL derives
// index names from: an expression column "(lower(email))" names itself "lower".
func namingColumns(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		if strings.HasPrefix(c, "(") {
			out[i] = indexElemName(sqlexpr.Parse(c))
		}
	}
	return out
}

// cloneIndex gives partition p its copy of parent's index ix, and p's own
// partitions theirs. An equivalent index p already has is adopted instead, as
// ATTACH PARTITION does.
func (b *builder) cloneIndex(p, parent *catalog.Table, ix *catalog.Index) {
	for _, own := range p.Indexes {
		if b.indexParent[own] == nil && own.Unique == ix.Unique && own.Where == ix.Where && slices.Equal(own.Columns, ix.Columns) {
			b.indexParent[own] = ix
			return
		}
	}
	n := b.copyIndex(p, parent, ix)
	if n == nil {
		return
	}
	b.indexParent[n] = ix
	for _, q := range b.partitions(p) {
		b.cloneIndex(q, p, n)
	}
}

// cloneForeignKey gives partition p (and its partitions) a copy of a foreign key
// of its parent, under the parent's name unless p already uses it.
func (b *builder) cloneForeignKey(p *catalog.Table, fk *catalog.ForeignKey) {
	for _, own := range p.ForeignKeys {
		if own.RefTable == fk.RefTable && slices.Equal(own.Columns, fk.Columns) && slices.Equal(own.RefColumns, fk.RefColumns) {
			return
		}
	}
	n := &catalog.ForeignKey{Name: fk.Name, Columns: slices.Clone(fk.Columns), RefTable: fk.RefTable, RefColumns: slices.Clone(fk.RefColumns), Pos: fk.Pos,
		OnDelete: fk.OnDelete, OnUpdate: fk.OnUpdate}
	if constraintNamed(p, n.Name) {
		n.Name = b.chooseName(p.Name.Schema, p.Name.Name, nameAddition(n.Columns), "fkey")
	}
	p.ForeignKeys = append(p.ForeignKeys, n)
	for _, q := range b.partitions(p) {
		b.cloneForeignKey(q, n)
	}
}

func constraintNamed(t *catalog.Table, name string) bool {
	if t.PrimaryKey != nil && t.PrimaryKey.Name == name {
		return true
	}
	for _, k := range t.Uniques {
		if k.Name == name {
			return true
		}
	}
	for _, fk := range t.ForeignKeys {
		if fk.Name == name {
			return true
		}
	}
	return false
}

// cloneTrigger gives partition p (and its partitions) a copy of a row trigger of
// its parent.
func (b *builder) cloneTrigger(p *catalog.Table, tr *catalog.Trigger) {
	if p.Trigger(tr.Name) != nil {
		return
	}
	n := &catalog.Trigger{Name: tr.Name, Function: tr.Function, Pos: tr.Pos}
	p.Triggers = append(p.Triggers, n)
	b.triggerParent[n] = tr
	for _, q := range b.partitions(p) {
		b.cloneTrigger(q, n)
	}
}

// inherit clones what PostgreSQL clones onto a new or attached partition:
// indexes (with the keys they back), foreign keys and row triggers. Policies,
// RLS flags and the owner stay with the parent.
func (b *builder) inherit(p, parent *catalog.Table) {
	for _, ix := range slices.Clone(parent.Indexes) {
		b.cloneIndex(p, parent, ix)
	}
	for _, fk := range slices.Clone(parent.ForeignKeys) {
		b.cloneForeignKey(p, fk)
	}
	for _, tr := range slices.Clone(parent.Triggers) {
		if !b.statementTriggers[tr] {
			b.cloneTrigger(p, tr)
		}
	}
}

// removeIndex drops an index of t with the key it backs, and the clones
// PostgreSQL made of it on partitions.
func (b *builder) removeIndex(t *catalog.Table, ix *catalog.Index) {
	t.Indexes = slices.DeleteFunc(t.Indexes, func(x *catalog.Index) bool { return x == ix })
	t.Uniques = slices.DeleteFunc(t.Uniques, func(k *catalog.Key) bool { return k.Name == ix.Name })
	if t.PrimaryKey != nil && t.PrimaryKey.Name == ix.Name {
		t.PrimaryKey = nil
	}
	delete(b.constraintIndexes, ix)
	delete(b.indexParent, ix)
	for _, other := range b.cat.Tables {
		for _, child := range slices.Clone(other.Indexes) {
			if b.indexParent[child] == ix {
				b.removeIndex(other, child)
			}
		}
	}
}

// dropConstraint drops a constraint of t by name (with its index) and reports
// whether t had one. A foreign key's copies on partitions go with it; CASCADE
// also drops other tables' foreign keys that relied on a dropped key.
func (b *builder) dropConstraint(t *catalog.Table, name string, cascade bool) bool {
	var key *catalog.Key
	if t.PrimaryKey != nil && t.PrimaryKey.Name == name {
		key = t.PrimaryKey
	}
	for _, k := range t.Uniques {
		if k.Name == name {
			key = k
		}
	}
	if key != nil {
		if ix := findIndex(t, name); ix != nil {
			b.removeIndex(t, ix)
		} else {
			t.Uniques = slices.DeleteFunc(t.Uniques, func(k *catalog.Key) bool { return k == key })
			if t.PrimaryKey == key {
				t.PrimaryKey = nil
			}
		}
		if cascade {
			b.dropForeignKeysTo(t.Name, func(fk *catalog.ForeignKey) bool { return slices.Equal(fk.RefColumns, key.Columns) })
		}
		return true
	}
	var fk *catalog.ForeignKey
	for _, f := range t.ForeignKeys {
		if f.Name == name {
			fk = f
		}
	}
	if fk == nil {
		return false
	}
	b.withPartitions(t, true, func(p *catalog.Table) {
		p.ForeignKeys = slices.DeleteFunc(p.ForeignKeys, func(f *catalog.ForeignKey) bool {
			return f == fk || p != t && f.Name == fk.Name && f.RefTable == fk.RefTable && slices.Equal(f.Columns, fk.Columns)
		})
	})
	return true
}

// dropForeignKeysTo drops the foreign keys of every table that reference
// relation ref and satisfy match.
func (b *builder) dropForeignKeysTo(ref catalog.Name, match func(*catalog.ForeignKey) bool) {
	for _, t := range b.cat.Tables {
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *catalog.ForeignKey) bool {
			return fk.RefTable == ref && match(fk)
		})
	}
}
