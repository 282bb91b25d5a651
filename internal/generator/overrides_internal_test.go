package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/parse"
)

// runWithOverrides runs generate on a copy of testdata/<name>/input with the
// tenant columns overridden in form, and returns the files it would write
// (nil when it fails).
func runWithOverrides(t *testing.T, name string, form int) map[string]string {
	t.Helper()
	root := filepath.Join("testdata", name)
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
	opts := Options{Dir: dir}
	if f, err := os.ReadFile(filepath.Join(root, "sqlc-file")); err == nil {
		opts.SQLCFile = strings.TrimSpace(string(f))
	}
	saved := overrideForm
	overrideForm = form
	defer func() { overrideForm = saved }()
	res, err := Run(t.Context(), opts)
	if err != nil || res.Diagnostics.HasErrors() {
		return nil
	}
	files := map[string]string{}
	for _, f := range res.Files {
		files[f.Path] = string(f.Content)
	}
	return files
}

// TestGlobOverrideTypesTheSameColumns: on every golden project, the code
// generated with tenantc's overrides (a glob where it is safe) is byte for
// byte the code of one override per tenant column. The glob is what makes a
// 500-table app generate in seconds (issue 15); this is what lets it.
func TestGlobOverrideTypesTheSameColumns(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		if _, err := os.Stat(filepath.Join("testdata", c.Name(), "input")); err != nil {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			glob := runWithOverrides(t, c.Name(), globWhereSafe)
			perCol := runWithOverrides(t, c.Name(), perColumn)
			require.Equal(t, len(perCol), len(glob), "files")
			for p, want := range perCol {
				require.Equal(t, want, glob[p], "content of %s", p)
			}
		})
	}
}

// TestGlobOverrideConditions: in go-tenant-column-glob, a CTE and a
// sub-select read public, a view reads app and ops has a global table with a
// tenant_id column; a glob there would retype those columns (a count by
// tenant would scan into tenant.ID, a global row's tenant_id would read as a
// tenant), which is why tenantc types those schemas column by column.
func TestGlobOverrideConditions(t *testing.T) {
	safe := runWithOverrides(t, "go-tenant-column-glob", globWhereSafe)
	unguarded := runWithOverrides(t, "go-tenant-column-glob", globUnguarded)
	require.NotNil(t, safe)
	require.NotNil(t, unguarded)
	const q = "gen/db/queries.sql.go"
	assert.Contains(t, safe[q], "type NoteCountsRow struct {\n\tTenantID pgtype.UUID")
	assert.NotEqual(t, safe[q], unguarded[q], "the glob on public would retype the CTE's column")
	assert.Contains(t, safe[q], "type AuditNotesRow struct {\n\tTenantID pgtype.UUID")
	assert.NotContains(t, unguarded[q], "TenantID pgtype.UUID", "CTE, sub-select, view and global table alike")
}

// TestGlobOverridesOfTheFixture: what tenantOverrides gives sqlc for
// go-tenant-column-glob — the glob for billing, where it is safe, so that
// TestGlobOverrideTypesTheSameColumns compares a glob run at all, and one
// override per table where a CTE, a view or a global table is in the way.
func TestGlobOverridesOfTheFixture(t *testing.T) {
	dir := filepath.Join("testdata", "go-tenant-column-glob", "input")
	res, err := Run(t.Context(), Options{Dir: dir})
	require.NoError(t, err)
	files, err := readQueries(dir, res.Config.Queries)
	require.NoError(t, err)
	queries, diags := parse.Queries(files)
	require.False(t, diags.HasErrors())
	overrides, columns := tenantOverrides(res.Model, queries)
	var got []string
	for _, o := range overrides {
		got = append(got, o["column"].(string))
	}
	assert.ElementsMatch(t, []string{"public.tenants.id", "public.notes.tenant_id", "public.labels.tenant_id",
		"billing.*.tenant_id", "app.docs.tenant_id", "app.pages.tenant_id", "ops.jobs.tenant_id", "ops.runs.tenant_id"}, got)
	assert.Contains(t, columns, "billing.invoices.tenant_id")
	assert.Contains(t, columns, "billing.payments.tenant_id")
	assert.NotContains(t, columns, "ops.audit.tenant_id", "a global table's column is no tenant column")
}
