package generator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// adoptionRules are the rules whose fixes change the user's tables, in the
// order a user adopting tenantc applies them.
var adoptionRules = []string{
	rule.TenantColumnType.Name, rule.NullableTenant.Name, rule.TenantFK.Name,
	rule.Unclassified.Name, rule.IndirectlyOwned.Name, rule.CrossTenantFK.Name,
	rule.TenantIndex.Name,
}

// TestFixesOnPopulatedDatabase applies the fix of every adoption finding of
// each golden case that has a seed.sql, as printed, to the case's schema
// filled with rows — what a project adopting tenantc has. Each fix must run,
// keep every row and every foreign key's referential actions, and leave no
// adoption finding behind (a fix may reveal the next one, e.g. a table that
// gains a tenant column needs an index: those are applied in turn).
func TestFixesOnPopulatedDatabase(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/seed.sql")
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	for _, seed := range cases {
		root := filepath.Dir(seed)
		t.Run(filepath.Base(root), func(t *testing.T) {
			t.Parallel()
			vet, err := generator.Vet(generator.Options{Dir: filepath.Join(root, "input")})
			require.NoError(t, err)
			require.NotEmpty(t, adoptionFindings(vet.Diagnostics), "the case has no adoption finding to fix")
			db := pgtest.NewDatabase(t)
			for _, f := range vet.Sources {
				db.Exec(t, db.OwnerURL, f.SQL)
			}
			content, err := os.ReadFile(seed)
			require.NoError(t, err)
			db.Exec(t, db.OwnerURL, string(content))
			conn := pgtest.Connect(t, db.OwnerURL)
			rowsBefore := rowCounts(t, conn, vet.Catalog)

			findings := adoptionFindings(vet.Diagnostics)
			var last *audit.Result
			for round := 0; len(findings) > 0; round++ {
				require.Less(t, round, 4, "fixes keep producing findings: %v", findings)
				for _, d := range findings {
					for _, stmt := range fixStatements(d.Fix, vet.Model.Tenant) {
						_, err := conn.Exec(context.Background(), stmt)
						require.NoError(t, err, "fix of %s:\n%s", d, stmt)
					}
				}
				admin := pgtest.Connect(t, db.AdminURL)
				last, err = audit.Check(context.Background(), admin, audit.Options{Config: vet.Config, Role: db.App})
				require.NoError(t, err)
				findings = adoptionFindings(last.Diagnostics)
			}
			require.Equal(t, rowsBefore, rowCounts(t, conn, vet.Catalog), "a fix lost rows")
			for _, want := range vet.Catalog.Tables {
				got := last.Catalog.Table(want.Name)
				require.NotNil(t, got, want.Name)
				for _, fk := range want.ForeignKeys {
					i := slices.IndexFunc(got.ForeignKeys, func(g *catalog.ForeignKey) bool { return g.Name == fk.Name })
					require.GreaterOrEqual(t, i, 0, "foreign key %s of %s is gone", fk.Name, want.Name)
					require.Equal(t, [2]string{fk.OnDelete, fk.OnUpdate}, [2]string{got.ForeignKeys[i].OnDelete, got.ForeignKeys[i].OnUpdate},
						"referential actions of %s", fk.Name)
				}
			}
		})
	}
}

// adoptionFindings returns the findings of l whose fix is to change tables,
// the longest ownership paths last: their fix needs the next table's.
func adoptionFindings(l diag.List) diag.List {
	var out diag.List
	for _, rule := range adoptionRules {
		var of diag.List
		for _, d := range l {
			if d.Rule == rule {
				of = append(of, d)
			}
		}
		slices.SortStableFunc(of, func(a, b diag.Diagnostic) int {
			return strings.Count(a.Message, "→") - strings.Count(b.Message, "→")
		})
		out = append(out, of...)
	}
	return out
}

// fixStatements returns the SQL lines of a fix (its prose lines start with a
// lower-case word), the backfill placeholder replaced by the first tenant.
func fixStatements(fix string, tn tenancy.Tenant) []string {
	first := fmt.Sprintf("(SELECT %s FROM %s ORDER BY 1 LIMIT 1)", catalog.QuoteIdent(tn.Key), tn.Root)
	var out []string
	for _, line := range strings.Split(fix, "\n") {
		word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if word == "" || strings.ToUpper(word) != word {
			continue
		}
		out = append(out, strings.ReplaceAll(line, tenancy.BackfillPlaceholder, first))
	}
	return out
}

// rowCounts counts the rows of every table of cat.
func rowCounts(t *testing.T, conn *pgx.Conn, cat *catalog.Catalog) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, tb := range cat.Tables {
		var n int
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM "+tb.Name.String()).Scan(&n))
		counts[tb.Name.String()] = n
	}
	return counts
}
