package generator

import (
	"path"

	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

// checkPlainSQLC reports (rule sqlc-config-incomplete) what the sqlc config
// lacks of what a run hands sqlc — schema files from tenantc's migrations
// directory, the standard queries (standard: there are some) and the
// tenant-column overrides — so that plain `sqlc generate` on the project would
// write other code than tenantc's sqlc run, and `sqlc diff` would fail.
func checkPlainSQLC(cfg *config.Config, in sqlcrun.Input, standard bool) diag.List {
	add := sqlcrun.Additions{Overrides: in.Overrides}
	migDir := cleanSlash(cfg.Migrations.Dir)
	for _, f := range in.Schema {
		if path.Dir(cleanSlash(f.Path)) == migDir {
			add.MigrationsDir = migDir
			break
		}
	}
	if standard {
		add.StandardQueriesDir = cleanSlash(cfg.StandardQueries.Dir)
	}
	return sqlcrun.CheckAligned(in.Config, in.ConfigName, add)
}
