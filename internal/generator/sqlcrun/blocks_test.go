package sqlcrun

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestPlanKeepsSQLCAnalysis: the rewritten config keeps what decides sqlc's
// analysis as configured — database: (uri or managed), analyzer:, rules:,
// cloud: — in the wrapped block and in the blocks run as written; a wrapped
// block's gen.json runs as written in a block of its own; a plugin's relative
// cmd becomes absolute, since sqlc runs elsewhere.
func TestPlanKeepsSQLCAnalysis(t *testing.T) {
	dir := t.TempDir()
	in := Input{Dir: dir, ConfigName: "sqlc.yaml", Blocks: []Block{{Index: 0}}, Config: []byte(`version: "2"
cloud: {project: p1}
plugins:
  - {name: mine, process: {cmd: ./bin/sqlc-gen-mine}}
  - {name: inpath, process: {cmd: sqlc-gen-other}}
rules: [{name: costly, rule: "postgresql.explain.plan.total_cost > 300.0"}]
sql:
  - engine: postgresql
    schema: schema
    queries: queries
    database: {uri: "${UNSET_URI}"}
    analyzer: {database: false}
    rules: [costly]
    gen:
      go: {out: gen/db, sql_package: pgx/v5}
      json: {out: gen/json}
  - engine: postgresql
    schema: other
    queries: other
    database: {managed: true}
    codegen: [{plugin: mine, out: gen/mine}]
`)}
	r, err := plan(in, t.TempDir())
	require.NoError(t, err)
	var got struct {
		Cloud   map[string]string
		Plugins []struct {
			Process struct{ Cmd string }
		}
		Rules []map[string]string
		SQL   []map[string]any
	}
	require.NoError(t, yaml.Unmarshal(r.config, &got))
	require.Equal(t, "p1", got.Cloud["project"])
	require.Equal(t, filepath.Join(dir, "bin/sqlc-gen-mine"), got.Plugins[0].Process.Cmd)
	require.Equal(t, "sqlc-gen-other", got.Plugins[1].Process.Cmd)
	require.Len(t, got.Rules, 1)
	require.Len(t, got.SQL, 3)

	wrapped := got.SQL[0]
	require.Equal(t, map[string]any{"uri": "${UNSET_URI}"}, wrapped["database"])
	require.Equal(t, map[string]any{"database": false}, wrapped["analyzer"])
	require.Equal(t, []any{"costly"}, wrapped["rules"])
	require.Equal(t, "_tenantc/0/schema", wrapped["schema"])
	goOpts := wrapped["gen"].(map[string]any)["go"].(map[string]any)
	require.Equal(t, "_tenantc/0/out", goOpts["out"])
	require.Equal(t, "db", goOpts["package"], "the package sqlc would name after gen/db")
	require.NotContains(t, wrapped["gen"], "json")

	require.Equal(t, map[string]any{"managed": true}, got.SQL[1]["database"])
	require.Equal(t, "other", got.SQL[1]["schema"])

	json := got.SQL[2] // the wrapped block's gen.json, as written
	require.Equal(t, "schema", json["schema"])
	require.Equal(t, map[string]any{"json": map[string]any{"out": "gen/json"}}, json["gen"])
	require.Equal(t, map[string]any{"uri": "${UNSET_URI}"}, json["database"])
}

// TestPlanGivesAnOverrideOnce: tenantc's overrides are added after the
// user's, except one the user already gives exactly (a config aligned for
// plain sqlc): sqlc would match every column against it twice.
func TestPlanGivesAnOverrideOnce(t *testing.T) {
	const id = "github.com/tenantc/tenantc/tenant.ID"
	in := Input{Dir: t.TempDir(), ConfigName: "sqlc.yaml", Blocks: []Block{{Index: 0}},
		Overrides: []map[string]any{{"column": "public.tenants.id", "go_type": id}, {"column": "public.*.tenant_id", "go_type": id}},
		Config: []byte(`version: "2"
sql:
  - engine: postgresql
    schema: schema
    queries: queries
    gen:
      go:
        out: gen/db
        sql_package: pgx/v5
        overrides:
          - {column: "public.*.tenant_id", go_type: github.com/tenantc/tenantc/tenant.ID}
          - {column: public.notes.author, go_type: string}
`)}
	r, err := plan(in, t.TempDir())
	require.NoError(t, err)
	var got struct {
		SQL []struct {
			Gen struct {
				Go struct{ Overrides []map[string]string }
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(r.config, &got))
	require.Equal(t, []map[string]string{
		{"column": "public.*.tenant_id", "go_type": id},
		{"column": "public.notes.author", "go_type": "string"},
		{"column": "public.tenants.id", "go_type": id},
	}, got.SQL[0].Gen.Go.Overrides)
}
