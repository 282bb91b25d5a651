package isolation_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/rows"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
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
// one row into every other table, and rowsPer rows of each tenant into every
// partition itself (seedPartitions). The store's tables get theirs through the
// store.
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
	s.seedPartitions(tenants, rowsPer)
}

// partitionCandidates are partition key values tried, in order, for a
// partition whose bounds name none (the DEFAULT partition): one of them
// falls outside every other partition of any usual range or list.
var partitionCandidates = []string{"1970-01-01", "2100-01-01", "-1", "0", "999999999", "zzzz", "infinity", "-infinity"}

// boundLiteral matches the first value a partition bound names:
// FOR VALUES FROM ('2026-01-01 …') / IN ('x', …) / FROM (10).
var boundLiteral = regexp.MustCompile(`(?:FROM|IN) \(('(?:[^']|'')*'|[-0-9.]+)`)

// partitionRow builds a row of partition t for tenant whose partition key
// falls inside t's bounds: the parent's sampled values would all land in
// one partition and leave the others, the DEFAULT one above all, empty.
func (s *seeder) partitionRow(t *tenancy.Table, tenant string) rows.Row {
	s.t.Helper()
	parent := s.model.Table(*t.PartitionOf)
	key := partitionKeyColumn(s.t, parent)
	var bound string
	require.NoError(s.t, s.admin.QueryRow(context.Background(),
		"SELECT pg_catalog.pg_get_expr(c.relpartbound, c.oid) FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass", t.Name.String()).Scan(&bound))
	candidates := partitionCandidates
	if m := boundLiteral.FindStringSubmatch(bound); m != nil {
		candidates = []string{strings.ReplaceAll(strings.Trim(m[1], "'"), "''", "'")}
	}
	r := s.rowFor(t, tenant)
	for _, v := range candidates {
		r.Set(key, rows.Quote(v))
		if s.fits(t, r) {
			return r
		}
	}
	s.t.Fatalf("no partition key value of %v fits partition %s (%s): extend partitionCandidates", candidates, t.Name, bound)
	return r
}

// fits reports whether inserting r into t succeeds, undoing the insert.
func (s *seeder) fits(t *tenancy.Table, r rows.Row) bool {
	ctx := context.Background()
	tx, err := s.admin.Begin(ctx)
	require.NoError(s.t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, r.Insert(t.Table))
	return err == nil
}

// partitionKeyColumn returns the one column t is partitioned by.
func partitionKeyColumn(tb *testing.T, t *tenancy.Table) string {
	open, close := strings.Index(t.PartitionBy, "("), strings.LastIndex(t.PartitionBy, ")")
	require.True(tb, open >= 0 && close > open, "partition clause of %s: %q", t.Name, t.PartitionBy)
	key := strings.TrimSpace(t.PartitionBy[open+1 : close])
	require.NotContains(tb, key, ",", "%s is partitioned by several columns: extend the seeder", t.Name)
	return strings.Trim(key, `"`)
}

// seedPartitions gives every leaf partition of a scoped table rowsPer rows of
// each tenant, inserted into the partition itself with a key inside its
// bounds: a check of an empty partition could not fail.
func (s *seeder) seedPartitions(tenants []string, rowsPer int) {
	for _, t := range s.model.Tables {
		if t.PartitionOf == nil || t.Kind != tenancy.Scoped || t.PartitionBy != "" {
			continue // not a partition, or itself partitioned: its leaves get the rows
		}
		for _, tenant := range tenants {
			for range rowsPer {
				_, err := s.admin.Exec(context.Background(), s.partitionRow(t, tenant).Insert(t.Table))
				require.NoError(s.t, err, "seeding partition %s", t.Name)
			}
		}
	}
}
