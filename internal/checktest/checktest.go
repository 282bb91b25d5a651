// Package checktest gives tenantc's database tests what they start from:
// this repository's example app — schema/ and gen/migrations, exactly the up
// parts tenantc itself reads — migrated into a fresh database as its owner
// role, with the application role granted what pgtest.DB.GrantApp grants.
// It is the one such fixture: tenantc check's tests, the audit and livecat
// tests, internal/adversarial and internal/isolation all start here, then
// change one thing (or go down and up again) and look.
package checktest

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// Fixture is the example app migrated into a database of its own.
type Fixture struct {
	DB *pgtest.DB
	// Result is generate's run over the project: its sources, config, the
	// parsed catalog and its tenancy model. It is shared by every fixture of
	// the same project in the test binary: read it, never change it.
	Result *generator.Result
	// Dir is the project directory (absolute), for check's --dir.
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
	res, err := generator.Run(tb.Context(), generator.Options{Dir: abs})
	if err != nil {
		tb.Fatalf("checktest: generate %s: %v", dir, err)
	}
	runs[abs] = res
	return res
}

// Options vary Migrate's fixture.
type Options struct {
	// Skip leaves out the source files (paths relative to the project) it
	// returns true for: e.g. tenantc's RLS migrations, for a control run
	// that must leak.
	Skip func(path string) bool
	// BeforeGrant runs after the project's SQL is applied and before the
	// application role is granted its rights, so that tables it drops and
	// creates again (a down and up of the migrations) are granted too.
	BeforeGrant func(tb testing.TB, fx *Fixture)
}

// Migrated creates a database (pgtest.NewDatabase) and applies the project's
// schema and generated migrations to it as the owner role, then grants the
// application role its usual rights.
func Migrated(tb testing.TB, dir string) *Fixture {
	tb.Helper()
	return Migrate(tb, dir, Options{})
}

// Migrate is Migrated with opts.
func Migrate(tb testing.TB, dir string, opts Options) *Fixture {
	tb.Helper()
	res := Project(tb, dir)
	abs, _ := filepath.Abs(dir) // Project has already resolved it
	fx := &Fixture{DB: pgtest.NewDatabase(tb), Result: res, Dir: abs}
	var files []*source.File
	for _, f := range res.Sources {
		if opts.Skip == nil || !opts.Skip(f.Path) {
			files = append(files, f)
		}
	}
	fx.Apply(tb, files)
	if opts.BeforeGrant != nil {
		opts.BeforeGrant(tb, fx)
	}
	fx.DB.GrantApp(tb)
	return fx
}

// Apply runs files' SQL in order as the owner role, each file as one
// simple-protocol batch, as a migration tool would; it fails the test
// naming the file that fails.
func (fx *Fixture) Apply(tb testing.TB, files []*source.File) {
	tb.Helper()
	conn := pgtest.Connect(tb, fx.DB.OwnerURL)
	for _, f := range files {
		if _, err := conn.PgConn().Exec(context.Background(), f.SQL).ReadAll(); err != nil {
			tb.Fatalf("checktest: apply %s: %v", f.Path, err)
		}
	}
}

// Migrations are the project's sources that tenantc generated: the up parts
// of the migrations under the config's migrations directory, in order.
func (fx *Fixture) Migrations() []*source.File {
	var out []*source.File
	for _, f := range fx.Result.Sources {
		if strings.HasPrefix(f.Path, fx.Result.Config.Migrations.Dir+"/") {
			out = append(out, f)
		}
	}
	return out
}
