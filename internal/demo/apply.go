package demo

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc"
)

// grantsSQL is README's grant block ("The database roles"), run as the
// migration role before the schema exists so that its default privileges
// cover every table the migrations create. TestGrantsAreTheReadmes keeps
// the two identical: the demo sets up its roles exactly as the README tells
// users to.
const grantsSQL = `GRANT USAGE ON SCHEMA public TO app_user, app_system;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_user, app_system;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app_user, app_system;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA public TO app_user, app_system;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_user, app_system;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO app_user, app_system;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
    GRANT EXECUTE ON ROUTINES TO app_user, app_system;
`

// exampleFiles returns the example's SQL files in the order they apply:
// schema/ then gen/migrations/ (sqlc.yaml's schema list), each sorted by
// name, as golang-migrate and sqlc order them.
func exampleFiles(fsys fs.FS) ([]string, error) {
	var files []string
	for _, pattern := range []string{"schema/*.sql", "gen/migrations/*.up.sql"} {
		m, err := fs.Glob(fsys, pattern) // sorted
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("the embedded example has no %s", pattern)
		}
		files = append(files, m...)
	}
	return files, nil
}

// apply runs the grants and then the example's files as the migration role,
// each file in one simple-protocol call (several statements, one implicit
// transaction), as a migration tool would.
func (s *scratch) apply(ctx context.Context, owner *pgx.Conn) (int, error) {
	grants := strings.NewReplacer("app_owner", s.owner, "app_user", s.app, "app_system", s.system).Replace(grantsSQL)
	if _, err := owner.PgConn().Exec(ctx, grants).ReadAll(); err != nil {
		return 0, fmt.Errorf("grants (README's block) as %s: %w", s.owner, err)
	}
	files, err := exampleFiles(tenantc.ExampleSQL)
	if err != nil {
		return 0, err
	}
	for _, f := range files {
		sql, err := fs.ReadFile(tenantc.ExampleSQL, f)
		if err != nil {
			return 0, err
		}
		if _, err := owner.PgConn().Exec(ctx, string(sql)).ReadAll(); err != nil {
			return 0, fmt.Errorf("apply %s as %s: %w", f, s.owner, err)
		}
	}
	return len(files), nil
}
