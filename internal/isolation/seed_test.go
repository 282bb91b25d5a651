package isolation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/generator/catalog"
	"github.com/tenantc/tenantc/generator/tenancy"
)

// seeder fills every table of a model with rows, without knowing the example
// schema: a table added to schema/ is covered by these tests with no new fixture.
// Values come from column types; foreign keys are filled from rows already
// inserted for the same tenant, so composite keys stay inside one tenant.
type seeder struct {
	t     *testing.T
	model *tenancy.Model
	admin *pgx.Conn // superuser: seeding is not what these tests try to break
	n     int
}

// row is a column list with SQL value expressions, ready for INSERT.
type row struct {
	cols []string
	vals []string
}

func (r *row) set(col, val string) {
	if i := slices.Index(r.cols, col); i >= 0 {
		r.vals[i] = val
		return
	}
	r.cols = append(r.cols, col)
	r.vals = append(r.vals, val)
}

func (r row) insert(t *tenancy.Table, returning string) string {
	q := make([]string, len(r.cols))
	for i, c := range r.cols {
		q[i] = catalog.QuoteIdent(c)
	}
	sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.Name, strings.Join(q, ", "), strings.Join(r.vals, ", "))
	if len(r.cols) == 0 {
		sql = fmt.Sprintf("INSERT INTO %s DEFAULT VALUES", t.Name)
	}
	if returning != "" {
		sql += " RETURNING " + returning
	}
	return sql
}

// order returns the tables parents first, so foreign keys find their rows.
func (s *seeder) order() []*tenancy.Table {
	var out []*tenancy.Table
	done := map[catalog.Name]bool{}
	var visit func(t *tenancy.Table, depth int)
	visit = func(t *tenancy.Table, depth int) {
		if done[t.Name] || depth > len(s.model.Tables) {
			return
		}
		for _, fk := range t.ForeignKeys {
			if p := s.model.Table(fk.RefTable); p != nil && p != t {
				visit(p, depth+1)
			}
		}
		if !done[t.Name] {
			done[t.Name] = true
			out = append(out, t)
		}
	}
	for _, t := range s.model.Tables {
		visit(t, 0)
	}
	return out
}

// rowFor builds a row of t for tenant ("" for tables of no tenant). Columns with
// defaults are left to them unless a foreign key or the tenant needs a value.
func (s *seeder) rowFor(t *tenancy.Table, tenant string) row {
	var r row
	if tenant != "" && t.TenantColumn != nil {
		r.set(t.TenantColumn.Name, quote(tenant))
	}
	for _, fk := range t.ForeignKeys {
		parent := s.model.Table(fk.RefTable)
		if parent == nil || parent == t { // self references stay empty
			continue
		}
		if !s.required(t, fk) {
			continue // a nullable reference (tenants.org_id) stays NULL: it may be unique
		}
		where := ""
		if parent.Kind == tenancy.Scoped || parent.Kind == tenancy.Root {
			where = fmt.Sprintf(" WHERE %s = %s", catalog.QuoteIdent(parent.TenantColumn.Name), quote(tenant))
		}
		refs := make([]string, len(fk.RefColumns))
		for i, c := range fk.RefColumns {
			refs[i] = catalog.QuoteIdent(c) + "::text"
		}
		vals := make([]*string, len(refs))
		dest := make([]any, len(refs))
		for i := range vals {
			dest[i] = &vals[i]
		}
		err := s.admin.QueryRow(context.Background(), fmt.Sprintf("SELECT %s FROM %s%s LIMIT 1", strings.Join(refs, ", "), parent.Name, where)).Scan(dest...)
		if err == pgx.ErrNoRows {
			continue // a nullable reference to an empty table
		}
		require.NoError(s.t, err, "reading a parent row of %s from %s", t.Name, parent.Name)
		for i, c := range fk.Columns {
			if vals[i] != nil && !(t.TenantColumn != nil && c == t.TenantColumn.Name) {
				r.set(c, quote(*vals[i]))
			}
		}
	}
	for _, c := range t.Columns {
		if slices.Contains(r.cols, c.Name) || c.Default != "" || c.Generated != "" || c.Identity != "" || !c.NotNull {
			continue
		}
		r.set(c.Name, s.sample(t, c))
	}
	return r
}

// required reports whether a foreign key must be filled: one of its columns is
// NOT NULL or is the tenant column.
func (s *seeder) required(t *tenancy.Table, fk *catalog.ForeignKey) bool {
	for _, name := range fk.Columns {
		if c := t.Column(name); c != nil && (c.NotNull || c == t.TenantColumn) {
			return true
		}
	}
	return false
}

// sample returns a value of the column's type, distinct on every call so unique
// keys hold.
func (s *seeder) sample(t *tenancy.Table, c *catalog.Column) string {
	s.n++
	if c.Type.Array {
		return "'{}'"
	}
	switch c.Type.Name {
	case "uuid":
		return "gen_random_uuid()"
	case "text", "character varying", "character", "citext":
		return quote(fmt.Sprintf("%s-%d", c.Name, s.n))
	case "integer", "bigint", "smallint", "numeric", "real", "double precision":
		return fmt.Sprint(s.n)
	case "boolean":
		return "false"
	case "date", "timestamp with time zone", "timestamp without time zone":
		return "now()"
	case "jsonb", "json":
		return "'{}'"
	case "bytea":
		return `'\x00'`
	}
	if e := s.model.Catalog.Enum(catalog.Name{Schema: orPublic(c.Type.Schema), Name: c.Type.Name}); e != nil {
		return quote(e.Values[0])
	}
	s.t.Fatalf("no sample value for %s.%s of type %s: extend seeder.sample", t.Name, c.Name, c.Type)
	return ""
}

// seed inserts rowsPer rows for each tenant into every root and scoped table and
// one row into every other table. Partitions get theirs through the parent.
func (s *seeder) seed(tenants []string, rowsPer int) {
	ctx := context.Background()
	for _, t := range s.order() {
		if t.PartitionOf != nil || t.Store {
			continue // partitions get rows through their parent; the store's tables through the store
		}
		switch t.Kind {
		case tenancy.Root:
			for _, tenant := range tenants {
				r := s.rowFor(t, tenant)
				_, err := s.admin.Exec(ctx, r.insert(t, ""))
				require.NoError(s.t, err, "seeding %s", t.Name)
			}
		case tenancy.Scoped:
			for _, tenant := range tenants {
				for range rowsPer {
					r := s.rowFor(t, tenant)
					_, err := s.admin.Exec(ctx, r.insert(t, ""))
					require.NoError(s.t, err, "seeding %s", t.Name)
				}
			}
		default:
			r := s.rowFor(t, "")
			_, err := s.admin.Exec(ctx, r.insert(t, ""))
			require.NoError(s.t, err, "seeding %s", t.Name)
		}
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func orPublic(s string) string {
	if s == "" {
		return "public"
	}
	return s
}
