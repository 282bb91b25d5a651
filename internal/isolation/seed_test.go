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
	"github.com/tenantc/tenantc/generator/rows"
	"github.com/tenantc/tenantc/generator/tenancy"
)

// seeder fills every table of a model with rows, without knowing the example
// schema: a table added to schema/ is covered by these tests with no new fixture.
// Which tables come first, which references need a value and the values
// themselves come from package rows, as for tenantc check's probe; foreign keys
// are filled from rows already inserted for the same tenant, so composite keys
// stay inside one tenant.
type seeder struct {
	t       *testing.T
	model   *tenancy.Model
	admin   *pgx.Conn // superuser: seeding is not what these tests try to break
	sampler *rows.Sampler
}

func newSeeder(t *testing.T, model *tenancy.Model, admin *pgx.Conn) *seeder {
	return &seeder{t: t, model: model, admin: admin, sampler: &rows.Sampler{Catalog: model.Catalog, Prefix: "seed"}}
}

// rowFor builds a row of t for tenant ("" for tables of no tenant). Columns with
// defaults are left to them unless a foreign key or the tenant needs a value.
func (s *seeder) rowFor(t *tenancy.Table, tenant string) rows.Row {
	var r rows.Row
	if tenant != "" && t.TenantColumn != nil {
		r.Set(t.TenantColumn.Name, rows.Quote(tenant))
	}
	for _, fk := range t.ForeignKeys {
		parent := s.model.Table(fk.RefTable)
		if parent == nil || parent == t || !rows.Required(t, fk) {
			continue // self references and nullable references stay NULL
		}
		where := ""
		if parent.Kind == tenancy.Scoped || parent.Kind == tenancy.Root {
			where = fmt.Sprintf(" WHERE %s = %s", catalog.QuoteIdent(parent.TenantColumn.Name), rows.Quote(tenant))
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
				r.Set(c, rows.Quote(*vals[i]))
			}
		}
	}
	for _, c := range t.Columns {
		if slices.Contains(r.Cols, c.Name) || !rows.NeedsValue(c) {
			continue
		}
		v, err := s.sampler.Value(c)
		require.NoError(s.t, err, "%s.%s: extend rows.Sampler", t.Name, c.Name)
		r.Set(c.Name, v)
	}
	return r
}

// seed inserts rowsPer rows for each tenant into every root and scoped table and
// one row into every other table. Partitions get theirs through the parent, the
// store's tables through the store.
func (s *seeder) seed(tenants []string, rowsPer int) {
	ctx := context.Background()
	insert := func(t *tenancy.Table, tenant string) {
		_, err := s.admin.Exec(ctx, s.rowFor(t, tenant).Insert(t.Table))
		require.NoError(s.t, err, "seeding %s", t.Name)
	}
	for _, t := range rows.Order(s.model) {
		if t.PartitionOf != nil || t.Store {
			continue
		}
		switch t.Kind {
		case tenancy.Root:
			for _, tenant := range tenants {
				insert(t, tenant)
			}
		case tenancy.Scoped:
			for _, tenant := range tenants {
				for range rowsPer {
					insert(t, tenant)
				}
			}
		default:
			insert(t, "")
		}
	}
}
