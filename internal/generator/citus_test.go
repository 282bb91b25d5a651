package generator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/pgquery"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// citusCases runs fn on every successful golden case in Citus mode
// (distribute: citus), with the result of generating it in a fresh copy.
func citusCases(t *testing.T, fn func(t *testing.T, name string, res *generator.Result)) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	n := 0
	for _, c := range cases {
		root := filepath.Join("testdata", c.Name())
		if _, err := os.Stat(filepath.Join(root, "output")); err != nil {
			continue
		}
		if yaml, _ := os.ReadFile(filepath.Join(root, "input", "tenantc.yaml")); !strings.Contains(string(yaml), "distribute: citus") {
			continue // not generated at all: the golden suite covers it
		}
		dir := t.TempDir()
		require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
		res, err := generator.Run(t.Context(), goldenOptions(root, dir))
		require.NoError(t, err, c.Name())
		if !res.Config.Citus() {
			continue
		}
		n++
		t.Run(c.Name(), func(t *testing.T) { fn(t, c.Name(), res) })
	}
	require.NotZero(t, n, "no golden case in Citus mode")
}

// TestCitusMigrationsParse: the parser reads every generated Citus
// migration back without a diagnostic, and the catalog it builds from the
// schema and all the migrations distributes every table as tenantc's
// layout wants — which is how the next run knows it has nothing to do. The
// down parts, which the parser never applies, are valid SQL.
func TestCitusMigrationsParse(t *testing.T) {
	citusCases(t, func(t *testing.T, name string, res *generator.Result) {
		require.NotEmpty(t, res.Distributions, "the case distributes nothing")
		files := slices.Clone(res.Sources)
		ups, downs := migrationParts(res)
		for i, up := range ups {
			files = append(files, source.NewFile(fmt.Sprintf("generated-%03d.sql", i), source.Plain, up))
		}
		for _, down := range downs {
			_, err := pgquery.Parse(down)
			require.NoError(t, err, down)
		}
		cat, diags := parse.Files(files)
		require.Empty(t, diags)
		for _, m := range res.Distributions {
			d := cat.Table(m.Table.Name).Distribution
			require.NotNil(t, d, "%s is distributed after the migrations", m.Table.Name)
			if m.Reference {
				assert.Equal(t, catalog.Reference, d.Method, m.Table.Name.String())
				continue
			}
			assert.Equal(t, catalog.Distributed, d.Method, m.Table.Name.String())
			assert.Equal(t, m.Table.TenantColumn.Name, d.Column, m.Table.Name.String())
		}
		// Every table of the layout is distributed, by one migration only.
		ordered, cycles := tenancy.CitusOrder(res.Model)
		require.Empty(t, cycles)
		for _, tbl := range ordered {
			assert.NotNil(t, cat.Table(tbl.Name).Distribution, "%s is distributed", tbl.Name)
		}
	})
}

// TestCitusOrder: each distribution migration comes after the migrations of
// every table its foreign keys reference, and reference tables come first.
func TestCitusOrder(t *testing.T) {
	citusCases(t, func(t *testing.T, name string, res *generator.Result) {
		at := map[catalog.Name]int{}
		for i, m := range res.Distributions {
			at[m.Table.Name] = i
		}
		seenDistributed := false
		for i, m := range res.Distributions {
			if m.Reference {
				assert.False(t, seenDistributed, "reference table %s after a distributed one", m.Table.Name)
			} else {
				seenDistributed = true
			}
			for _, fk := range m.Table.ForeignKeys {
				if j, ok := at[fk.RefTable]; ok && fk.RefTable != m.Table.Name {
					assert.Less(t, j, i, "%s is distributed before %s, which it references", m.Table.Name, fk.RefTable)
				}
			}
		}
		if len(res.Migrations) > 0 && len(res.Distributions) > 0 {
			assert.Less(t, res.Migrations[len(res.Migrations)-1].Version, res.Distributions[0].Version, "distributions are numbered after the RLS migrations")
		}
	})
}
