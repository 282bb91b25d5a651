package adoption

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/initconfig"
)

// The blog's sqlc config, as its team has it: the schema is golang-migrate's
// migrations directory.
const sqlcYAML = `version: "2"
sql:
  - engine: postgresql
    schema: migrations
    queries: queries
    gen:
      go: {package: db, out: db, sql_package: pgx/v5}
`

const blogQueries = `-- name: ListPosts :many
SELECT id, title FROM posts ORDER BY id;
`

// initProject writes the blog's sqlc config and queries and runs what
// tenantc init runs, returning the tenantc.yaml it wrote.
func initProject(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sqlc.yaml"), []byte(sqlcYAML), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "queries"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "queries", "blog.sql"), []byte(blogQueries), 0o644))
	cfg, cat, err := generator.ReadSchema(generator.Options{Dir: dir})
	require.NoError(t, err)
	p, err := initconfig.Propose(initconfig.Input{Catalog: cat, Config: cfg, From: initconfig.FromFiles(cfg)})
	require.NoError(t, err)
	require.Equal(t, "tenants", p.Root)
	require.Equal(t, "tenant_id", p.Column)
	require.NoError(t, initconfig.Write(dir, p.Render(), false))
	content, err := os.ReadFile(filepath.Join(dir, "tenantc.yaml"))
	require.NoError(t, err)
	return string(content)
}

// undecided matches a table init could not decide, offered commented out.
var undecided = regexp.MustCompile(`^  # - (\{table: [a-z_]+, via: [a-z_]+\}|[a-z_]+) +# `)

// review is what the user does with init's proposal: every undecided table
// uncommented under scoped: with the via: init suggested (and dropped from
// global:'s offers), and the backfill's default tenant set to the customer
// the existing rows belong to.
func review(t *testing.T, proposed string) string {
	t.Helper()
	var out []string
	section, declared := "", 0
	for _, line := range strings.Split(proposed, "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && k != "" && !strings.HasPrefix(k, " ") && !strings.HasPrefix(k, "#") {
			section = k
		}
		if m := undecided.FindStringSubmatch(line); m != nil {
			if section == "scoped" {
				out = append(out, "  - "+m[1])
				declared++
			}
			continue // global:'s offer of the same table: not taken
		}
		out = append(out, line)
	}
	require.Equal(t, 5, declared, "init offers posts, comments, tags, post_tags and attachments as undecided")
	return strings.Join(out, "\n") + "backfill:\n  default_tenant: 1\n  batch_size: 700\n"
}
