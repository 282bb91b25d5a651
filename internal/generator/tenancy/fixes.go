package tenancy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// The fix texts of the adoption rules are SQL meant to run on a database that
// already has rows: a column is added nullable, filled, and only then made
// NOT NULL (ADD COLUMN … NOT NULL fails on a table with rows), and a foreign
// key that is replaced keeps its referential actions. Lines that are not SQL
// are prose and start with a lower-case word.

// BackfillPlaceholder stands in a fix for the value only the application
// knows: which tenant each existing row belongs to.
const BackfillPlaceholder = "<each row's tenant>"

// addTenantColumn is the SQL that gives table t a tenant column on a
// populated database, filled with fill (an expression, or the placeholder)
// and then made NOT NULL. from is a FROM/WHERE clause for fill, in which t is
// the alias r, or "".
func (a *analysis) addTenantColumn(t catalog.Name, fill, from string) string {
	cn := catalog.QuoteIdent(a.cfg.Column)
	alias := ""
	if from != "" {
		alias = " AS r"
	}
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s REFERENCES %s (%s);\nUPDATE %s%s SET %s = %s%s;\nALTER TABLE %s ALTER COLUMN %s SET NOT NULL;",
		t, cn, a.keyType(), a.model.Tenant.Root, catalog.QuoteIdent(a.model.Tenant.Key),
		t, alias, cn, fill, from,
		t, cn)
}

// ownedFix adds the tenant column to a table owned through foreign keys,
// filled from the next table of its path, and ties the foreign key to that
// table's tenant column. For a longer path the next table gets its own
// column first (its own finding).
func (a *analysis) ownedFix(t *Table) string {
	next := a.model.Table(t.Path[1])
	fk := t.foreignKeyTo(next.Name)
	if fk == nil || next.TenantColumn == nil && next.Kind != Owned {
		return a.addTenantColumn(t.Name, BackfillPlaceholder, "")
	}
	nextCol := a.cfg.Column // an owned table gets the column its own fix adds
	if next.TenantColumn != nil {
		nextCol = next.TenantColumn.Name
	}
	var on []string
	for i, c := range fk.Columns {
		on = append(on, fmt.Sprintf("p.%s = r.%s", catalog.QuoteIdent(fk.RefColumns[i]), catalog.QuoteIdent(c)))
	}
	fix := a.addTenantColumn(t.Name, "p."+catalog.QuoteIdent(nextCol), fmt.Sprintf(" FROM %s p WHERE %s", next.Name, strings.Join(on, " AND ")))
	if next.Kind == Owned {
		fix = fmt.Sprintf("after %s has its %s (its own fix):\n%s", next.Name, a.cfg.Column, fix)
	}
	if next.Kind == Scoped || next.Kind == Owned {
		fix += "\n" + compositeFK(t.Name, a.cfg.Column, fk, next.Table, nextCol)
	}
	return fix
}

// compositeFK replaces fk of table t (whose tenant column is col) with one
// that includes the tenant columns of both sides, keeping its name and its
// referential actions; the referenced table gets the key it needs first.
func compositeFK(t catalog.Name, col string, fk *catalog.ForeignKey, ref *catalog.Table, refCol string) string {
	cols, refCols := TenantFKColumns(fk, col, refCol)
	var b strings.Builder
	if !HasKeyOn(ref, refCols) {
		// An index, not a constraint, so that the fixes of two foreign keys to
		// one table can both run: IF NOT EXISTS makes the second a no-op.
		fmt.Fprintf(&b, "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s);\n", catalog.QuoteIdent(UniqueKeyName(ref, refCols)), ref.Name, QuoteList(refCols))
	}
	fmt.Fprintf(&b, "ALTER TABLE %s DROP CONSTRAINT %s, ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s;",
		t, catalog.QuoteIdent(fk.Name), catalog.QuoteIdent(fk.Name), QuoteList(cols), ref.Name, QuoteList(refCols), FKActions(fk))
	return b.String()
}

// TenantFKColumns pairs the tenant columns in a foreign key: where the key
// already references the tenant column of the other side, through another
// column, that column becomes the tenant column; otherwise both lead.
func TenantFKColumns(fk *catalog.ForeignKey, col, refCol string) (cols, refCols []string) {
	if i := slices.Index(fk.RefColumns, refCol); i >= 0 {
		cols = slices.Clone(fk.Columns)
		if j := slices.Index(cols, col); j >= 0 && j != i {
			// The tenant column is in the key, paired with another column:
			// swap, so that neither is lost nor named twice.
			cols[j] = cols[i]
		}
		cols[i] = col
		return cols, slices.Clone(fk.RefColumns)
	}
	return append([]string{col}, fk.Columns...), append([]string{refCol}, fk.RefColumns...)
}

// FKActions renders the referential actions of fk as SQL, e.g. " ON DELETE CASCADE".
func FKActions(fk *catalog.ForeignKey) string {
	var s string
	if fk.OnDelete != "" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	return s
}

// tenantIndexFix creates the index a tenant query needs; leading the primary
// key with the tenant column, from the key's real columns, is the
// alternative when nothing references it.
func tenantIndexFix(t *Table, col string) string {
	cn := catalog.QuoteIdent(col)
	fix := fmt.Sprintf("CREATE INDEX ON %s (%s);", t.Name, cn)
	if pk := t.PrimaryKey; pk != nil {
		cols := append([]string{col}, slices.DeleteFunc(slices.Clone(pk.Columns), func(c string) bool { return c == col })...)
		fix += fmt.Sprintf("\nor lead the primary key with it: PRIMARY KEY (%s)", QuoteList(cols))
	}
	return fix
}

// foreignKeyTo returns t's first foreign key to ref.
func (t *Table) foreignKeyTo(ref catalog.Name) *catalog.ForeignKey {
	for _, fk := range t.ForeignKeys {
		if fk.RefTable == ref {
			return fk
		}
	}
	return nil
}

// UniqueKeyName is PostgreSQL's default name for a unique key on cols.
func UniqueKeyName(t *catalog.Table, cols []string) string {
	name := t.Name.Name + "_" + strings.Join(cols, "_") + "_key"
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}
