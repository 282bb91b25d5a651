package initconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/initconfig"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// project writes sql as a project's only schema file.
func project(t *testing.T, sql string) string {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "schema"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "001.sql"), []byte(sql), 0o644))
	return dir
}

func classes(t *testing.T, dir string) (*initconfig.Proposal, map[string]initconfig.Table) {
	t.Helper()
	cfg, cat, err := generator.ReadSchema(generator.Options{Dir: dir})
	require.NoError(t, err)
	p, err := initconfig.Propose(initconfig.Input{Catalog: cat, Config: cfg, From: "the test"})
	require.NoError(t, err)
	out := map[string]initconfig.Table{}
	for _, tb := range p.Tables {
		out[tb.Name] = tb
	}
	return p, out
}

// TestNoTenantDataProposedGlobal attacks the proposal as a tenant would who
// wants to read another's rows: a global table is read by every tenant, so
// no table holding a tenant column, or reaching a tenant through foreign
// keys, may be proposed global — not a table named users, not one referenced
// by global lookup data, not one whose path runs through two tables without
// the column. With the file written, generate's own analysis agrees: nothing
// with a tenant is global.
func TestNoTenantDataProposedGlobal(t *testing.T) {
	dir := project(t, `
CREATE TABLE plans (id text PRIMARY KEY);
CREATE TABLE tenants (id uuid PRIMARY KEY, plan_id text NOT NULL REFERENCES plans (id));
CREATE TABLE labels (id uuid PRIMARY KEY, name text NOT NULL);
-- named like the shared users table, but each tenant's own
CREATE TABLE users (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL UNIQUE,
    label_id uuid REFERENCES labels (id),
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tasks (id uuid PRIMARY KEY, project_id uuid NOT NULL REFERENCES projects (id));
CREATE TABLE notes (id uuid PRIMARY KEY, task_id uuid NOT NULL REFERENCES tasks (id), label_id uuid REFERENCES labels (id));
-- refers to a tenant directly, by another column name than tenant_id
CREATE TABLE invoices (id uuid PRIMARY KEY, billed_tenant uuid NOT NULL REFERENCES tenants (id));
`)
	p, got := classes(t, dir)
	require.Equal(t, "tenants", p.Root)
	require.Equal(t, "tenant_id", p.Column)
	want := map[string]initconfig.Table{
		"plans":    {Name: "plans", Class: initconfig.Global},
		"labels":   {Name: "labels", Class: initconfig.Global},
		"users":    {Name: "users", Class: initconfig.Scoped},
		"projects": {Name: "projects", Class: initconfig.Scoped},
		"tasks":    {Name: "tasks", Class: initconfig.Owned, Via: "project_id"},
		"notes":    {Name: "notes", Class: initconfig.Owned, Via: "task_id"},
		"invoices": {Name: "invoices", Class: initconfig.Owned, Via: "billed_tenant"},
	}
	for name, w := range want {
		require.Equal(t, w.Class, got[name].Class, "%s: %s", name, got[name].Reason)
		require.Equal(t, w.Via, got[name].Via, name)
	}
	require.Len(t, got, len(want))
	require.Equal(t, "→ tasks → projects → tenants: tenantc writes its backfill", got["notes"].Reason)
	require.Equal(t, "referenced by notes, projects; no path to a tenant: shared by every tenant — move it to scoped: if each tenant should have its own rows", got["labels"].Reason)

	require.NoError(t, os.WriteFile(filepath.Join(dir, config.FileName), p.Render(), 0o644))
	res, err := generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	for _, tb := range res.Model.Tables {
		if tb.Kind == tenancy.Global {
			require.Nil(t, tb.Column("tenant_id"), "%s has the tenant column, yet is global", tb.Name)
			require.Contains(t, []string{"plans", "labels"}, tb.Name.Name, "%s is global", tb.Name)
		}
	}
}

// TestRootChoice: the root is the tenant-named table most tables reference,
// whatever the order of the schema; a tenant-named table nothing references
// is not one; with no root, the column most tables carry names the proposed
// one.
func TestRootChoice(t *testing.T) {
	t.Run("most referenced", func(t *testing.T) {
		p, _ := classes(t, project(t, `
CREATE TABLE teams (id bigint PRIMARY KEY);
CREATE TABLE workspaces (id bigint PRIMARY KEY);
CREATE TABLE a (id bigint PRIMARY KEY, team_id bigint REFERENCES teams (id));
CREATE TABLE b (id bigint PRIMARY KEY, ws bigint REFERENCES workspaces (id));
CREATE TABLE c (id bigint PRIMARY KEY, workspace_id bigint REFERENCES workspaces (id));
CREATE TABLE d (id bigint PRIMARY KEY, workspace_id bigint REFERENCES workspaces (id));
`))
		require.True(t, p.Found)
		require.Equal(t, "workspaces", p.Root)
		require.Equal(t, "workspace_id", p.Column)
		require.Equal(t, "bigint", p.KeyType)
	})
	t.Run("unreferenced tenant-named table", func(t *testing.T) {
		p, got := classes(t, project(t, `
CREATE TABLE customers (id uuid PRIMARY KEY);
CREATE TABLE notes (id uuid PRIMARY KEY, org_id uuid NOT NULL);
CREATE TABLE files (id uuid PRIMARY KEY, org_id uuid NOT NULL);
`))
		require.False(t, p.Found)
		require.Equal(t, "orgs", p.Root)
		require.Equal(t, "org_id", p.Column)
		require.Equal(t, "uuid", p.KeyType)
		require.Equal(t, initconfig.Scoped, got["notes"].Class)
		require.Equal(t, initconfig.Unclassified, got["customers"].Class)
	})
}

// TestRootWithoutForeignKeys: a tenants table nothing references yet, with
// tables carrying tenant_id but no foreign key, is still the root: those
// tables are scoped (generate then asks for the foreign keys).
func TestRootWithoutForeignKeys(t *testing.T) {
	p, got := classes(t, project(t, `
CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE files (id uuid PRIMARY KEY);
`))
	require.True(t, p.Found)
	require.Equal(t, "tenants", p.Root)
	require.Equal(t, "found: tenants is named like a tenant; no foreign key references it yet, and 1 of the tables carry tenant_id", p.RootReason)
	require.Equal(t, initconfig.Scoped, got["notes"].Class)
	require.Equal(t, initconfig.Unclassified, got["files"].Class)
}
