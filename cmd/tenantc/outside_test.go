package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOutsideModule is README's setup for an application: a module of its own
// that adds tenantc as a tool (a replace points at this checkout), runs
// `go generate ./...` and builds code that uses the generated repositories.
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tenantc and an application module")
	}
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	app := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.26\n\nrequire github.com/tenantc/tenantc v0.0.0\n\nreplace github.com/tenantc/tenantc => " + root + "\n\ntool github.com/tenantc/tenantc/cmd/tenantc\n",
		"gen.go": "// Package app is an application using tenantc.\npackage app\n\n//go:generate go tool tenantc generate\n",
		"sqlc.yaml": `version: "2"
sql:
  - engine: postgresql
    schema: [db/schema, db/migrations]
    queries: db/queries
    gen:
      go: {package: store, out: db/store, sql_package: pgx/v5}
`,
		"tenantc.yaml": "version: 1\nmigrations: {dir: db/migrations}\n",
		"db/schema/001_init.sql": `CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    body text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
`,
		"db/queries/notes.sql": "-- name: SearchNotes :many\nSELECT * FROM notes WHERE body = $1 ORDER BY id;\n",
	}
	// Code that uses the repositories exists only after generating them.
	useGo := map[string]string{
		"use.go": `package app

import (
	"context"

	"github.com/tenantc/tenantc/tenant"

	"example.com/app/db/store"
)

// AddNote is README's example: one transaction of the context's tenant.
func AddNote(ctx context.Context, db *tenant.DB) error {
	return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
		repos := store.NewTenantRepos(s)
		_, err := repos.Notes.CreateNote(ctx, store.CreateNoteArgs{Body: "hello"}) // id: its default
		return err
	})
}

// CountNotes is one round trip on the fast path.
func CountNotes(ctx context.Context, db *tenant.DB) (int64, error) {
	return store.NewNotesRepo(db.Scope()).CountNotes(ctx)
}
`,
	}
	for name, content := range files {
		p := filepath.Join(app, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	run := func(args ...string) string {
		cmd := exec.Command("go", args...)
		cmd.Dir = app
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	run("mod", "tidy")
	run("generate", "./...")
	for name, content := range useGo {
		require.NoError(t, os.WriteFile(filepath.Join(app, name), []byte(content), 0o644))
	}
	run("mod", "tidy")
	for _, f := range []string{"db/migrations/000002_tenantc_rls_notes.up.sql", "db/store/tenantc_repositories.go", "db/store/notes.sql.go"} {
		require.FileExists(t, filepath.Join(app, f))
	}
	run("build", "./...")
	run("vet", "./...")
	// Generating again changes nothing.
	run("tool", "tenantc", "generate", "--check")
}
