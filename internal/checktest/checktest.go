// Package checktest gives the tests of tenantc check what they start from:
// this repository's example app — schema/ and gen/migrations, exactly the up
// parts tenantc itself reads — migrated into a fresh database as its owner
// role, with the application role granted what pgtest.DB.GrantApp grants, as
// internal/isolation migrates it. Tests then change one thing and check.
package checktest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// Fixture is the example app migrated into a database of its own.
type Fixture struct {
	DB *pgtest.DB
	// Result is generate's run over the project: its sources, config, the
	// parsed catalog and its tenancy model.
	Result *generator.Result
	// Dir is the project directory, for check's --dir.
	Dir string
}

var (
	mu   sync.Mutex
	runs = map[string]*generator.Result{}
)

// Project runs generate (in memory) over the project in dir once per test
// binary and returns the result; it fails the test when generate fails.
func Project(tb testing.TB, dir string) *generator.Result {
	tb.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res, ok := runs[abs]; ok {
		return res
	}
	res, err := generator.Run(generator.Options{Dir: abs})
	if err != nil {
		tb.Fatalf("checktest: generate %s: %v", dir, err)
	}
	runs[abs] = res
	return res
}

// Migrated creates a database (pgtest.NewDatabase) and applies the project's
// schema and generated migrations to it as the owner role, then grants the
// application role its usual rights.
func Migrated(tb testing.TB, dir string) *Fixture {
	tb.Helper()
	res := Project(tb, dir)
	db := pgtest.NewDatabase(tb)
	conn := pgtest.Connect(tb, db.OwnerURL)
	for _, f := range res.Sources {
		if _, err := conn.PgConn().Exec(context.Background(), f.SQL).ReadAll(); err != nil {
			tb.Fatalf("checktest: apply %s: %v", f.Path, err)
		}
	}
	db.GrantApp(tb)
	abs, _ := filepath.Abs(dir)
	return &Fixture{DB: db, Result: res, Dir: abs}
}
