package sqlcrun

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckSQLPackage: a scoped run takes pgx/v5 and database/sql (also
// sqlc's default, when sql_package is unset or empty) and refuses pgx/v4 and
// unknown values at the option; a run without tenant tables (Scoped false)
// takes any.
func TestCheckSQLPackage(t *testing.T) {
	for name, tc := range map[string]struct {
		config string
		want   string // "" when accepted
	}{
		"pgx/v5": {`version: "2"
sql:
  - engine: postgresql
    gen: {go: {package: db, out: db, sql_package: pgx/v5}}
`, ""},
		"unset, flow style": {`version: "2"
sql:
  - engine: postgresql
    gen: {go: {package: db, out: db}}
`, ""},
		"null": {`version: "2"
sql:
  - gen:
      go:
        sql_package:
`, ""},
		"empty string": {`version: "2"
sql:
  - gen:
      go:
        sql_package: ""
`, ""},
		"database/sql in sqlc.json": {`{"version": "2", "sql": [{"engine": "postgresql",
  "gen": {"go": {"package": "db", "out": "db", "sql_package": "database/sql"}}}]}`,
			""},
		"pgx/v4": {`version: "2"
sql:
  - gen: {go: {sql_package: pgx/v4}}
`, "sqlc.yaml:3:16: error: pgx/v4 is not supported; tenantc's runtime is pgx/v5\n\tset `sql_package: pgx/v5`"},
		"unknown": {`version: "2"
sql:
  - gen: {go: {sql_package: pgx}}
`, `sqlc.yaml:3:16: error: sql_package "pgx" is not one sqlc knows (pgx/v5, pgx/v4, database/sql)`},
		"a mapping": {`version: "2"
sql:
  - gen: {go: {sql_package: {name: pgx/v5}}}
`, `sqlc.yaml:3:16: error: sql_package (a mapping) is not one sqlc knows`},
		"the postgresql block after a mysql one": {`version: "2"
sql:
  - engine: mysql
    gen: {go: {package: m, out: m}}
  - engine: postgresql
    gen: {go: {package: db, out: db, sql_package: pgx/v4}}
`, "sqlc.yaml:6:38: error: pgx/v4 is not supported"},
		"no gen.go": {`version: "2"
sql:
  - engine: postgresql
`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			in := Input{Config: []byte(tc.config), ConfigName: "sqlc.yaml"}
			require.Empty(t, checkOptions(in), "a run without tenant tables takes any sql_package")
			in.Scoped = true
			diags := checkOptions(in)
			if tc.want == "" {
				require.Empty(t, diags)
				return
			}
			require.Len(t, diags, 1)
			require.Contains(t, diags[0].String(), tc.want)
		})
	}
}
