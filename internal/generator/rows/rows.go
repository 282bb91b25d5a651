// Package rows makes up rows for the tables of a tenancy model: which tables to
// fill first, which foreign keys need a value, and a value of any common column
// type. tenantc check's probe fills a live database with it, and the isolation
// tests their fresh one; where parent rows come from is theirs to say.
package rows

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Row is a column list with SQL value expressions, ready for INSERT.
type Row struct {
	Cols []string
	Vals []string
}

// Set gives col the SQL expression val, replacing an earlier one.
func (r *Row) Set(col, val string) {
	if i := slices.Index(r.Cols, col); i >= 0 {
		r.Vals[i] = val
		return
	}
	r.Cols = append(r.Cols, col)
	r.Vals = append(r.Vals, val)
}

// Without returns r without col.
func (r Row) Without(col string) Row {
	var out Row
	for i, c := range r.Cols {
		if c != col {
			out.Set(c, r.Vals[i])
		}
	}
	return out
}

// Insert is the INSERT of r into t; a GENERATED ALWAYS identity column that r
// sets needs OVERRIDING SYSTEM VALUE.
func (r Row) Insert(t *catalog.Table) string {
	if len(r.Cols) == 0 {
		return fmt.Sprintf("INSERT INTO %s DEFAULT VALUES", t.Name)
	}
	q := make([]string, len(r.Cols))
	override := ""
	for i, c := range r.Cols {
		q[i] = catalog.QuoteIdent(c)
		if col := t.Column(c); col != nil && col.Identity == "ALWAYS" {
			override = " OVERRIDING SYSTEM VALUE"
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s)%s VALUES (%s)", t.Name, strings.Join(q, ", "), override, strings.Join(r.Vals, ", "))
}

// Order returns the tables of m parents first, so foreign keys find their rows.
func Order(m *tenancy.Model) []*tenancy.Table {
	var out []*tenancy.Table
	done := map[catalog.Name]bool{}
	var visit func(t *tenancy.Table, depth int)
	visit = func(t *tenancy.Table, depth int) {
		if done[t.Name] || depth > len(m.Tables) { // depth: a cycle stops here
			return
		}
		for _, fk := range t.ForeignKeys {
			if parent := m.Table(fk.RefTable); parent != nil && parent != t {
				visit(parent, depth+1)
			}
		}
		if !done[t.Name] {
			done[t.Name] = true
			out = append(out, t)
		}
	}
	for _, t := range m.Tables {
		visit(t, 0)
	}
	return out
}

// Required reports whether a foreign key must be filled: one of its columns is
// NOT NULL or is the tenant column. A nullable reference stays NULL — it may be
// unique, as tenants.org_id is.
func Required(t *tenancy.Table, fk *catalog.ForeignKey) bool {
	for _, name := range fk.Columns {
		if c := t.Column(name); c != nil && (c.NotNull || c == t.TenantColumn) {
			return true
		}
	}
	return false
}

// NeedsValue reports whether c must be given a value: NOT NULL with no
// default, not generated, not an identity.
func NeedsValue(c *catalog.Column) bool {
	return c.NotNull && c.Default == "" && c.Generated == "" && c.Identity == ""
}

// Sampler makes up column values, distinct on every call so unique keys hold
// — globally unique ones too (an API key's hash), which every tenant's row
// shares. Booleans and enums have too few values to be distinct.
type Sampler struct {
	Catalog *catalog.Catalog // for enum types
	Prefix  string           // starts every made-up text (and bytea) value
	// Offset is added to every made-up number, so values can be kept apart
	// from the rows a table already has (the probe runs on a live database);
	// smallint columns take it modulo 16384.
	Offset int64
	n      int
}

// Value returns an SQL expression of c's type.
func (s *Sampler) Value(c *catalog.Column) (string, error) {
	s.n++
	if c.Type.Array {
		return "'{}'", nil
	}
	switch c.Type.Name {
	case "uuid":
		return "gen_random_uuid()", nil
	case "text", "character varying", "character", "citext", "name":
		v := fmt.Sprintf("%s-%d", s.Prefix, s.n)
		if n := modLength(c.Type.Mods); n > 0 && len(v) > n {
			v = v[len(v)-n:]
		}
		return Quote(v), nil
	case "smallint":
		return fmt.Sprint(s.Offset%16384 + int64(s.n)), nil
	case "integer", "bigint", "numeric", "real", "double precision":
		return fmt.Sprint(s.Offset + int64(s.n)), nil
	case "boolean":
		return "false", nil
	case "date":
		return fmt.Sprintf("current_date + %d", s.n), nil
	case "timestamp with time zone", "timestamp without time zone", "time with time zone", "time without time zone":
		// now() is the same for a whole transaction: seconds apart, rows of
		// a unique timestamp column do not collide.
		return fmt.Sprintf("now() + make_interval(secs => %d)", s.n), nil
	case "interval":
		return fmt.Sprintf("make_interval(days => %d)", s.n), nil
	case "jsonb", "json":
		return Quote(fmt.Sprintf(`{"tenantc": %d}`, s.n)), nil
	case "bytea":
		return Quote(`\x` + hex.EncodeToString(fmt.Appendf(nil, "%s-%d", s.Prefix, s.n))), nil
	case "inet", "cidr":
		return Quote(fmt.Sprintf("10.%d.%d.%d", s.n>>16&0xff, s.n>>8&0xff, s.n&0xff)), nil
	}
	schema := c.Type.Schema
	if schema == "" {
		schema = "public"
	}
	if s.Catalog != nil {
		if e := s.Catalog.Enum(catalog.Name{Schema: schema, Name: c.Type.Name}); e != nil && len(e.Values) > 0 {
			return Quote(e.Values[0]), nil
		}
	}
	return "", fmt.Errorf("no value can be made up for type %s", c.Type)
}

// modLength reads the length of a type modifier "(n)".
func modLength(mods string) int {
	var n int
	if _, err := fmt.Sscanf(mods, "(%d)", &n); err != nil {
		return 0
	}
	return n
}

// Quote renders s as an SQL string literal.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
