package newcomer_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The migration tools, at the versions the issue names, and how each one's
// files are laid out. tenantc writes into the same directory as the user's
// own migrations, with the same tool's format.
var tools = []struct {
	name     string // as on the newcomer command line
	app      string // project directory inside the module
	format   string // tenantc.yaml migrations.format
	module   string // go get argument
	userUp   string // the user's own first migration
	userDown string // "" if the up file holds both directions
}{
	{"golang-migrate", "migrateapp", "golang-migrate", "github.com/golang-migrate/migrate/v4@v4.20.1",
		"000001_crm.up.sql", "000001_crm.down.sql"},
	{"goose", "gooseapp", "goose", "github.com/pressly/goose/v3@v3.30.0",
		"00001_crm.sql", ""},
	{"sql-migrate", "sqlmigrateapp", "sql-migrate", "github.com/rubenv/sql-migrate@v1.8.1",
		"20260101000000-crm.sql", ""},
	{"tern", "ternapp", "tern", "github.com/jackc/tern/v2@v2.3.4",
		"001_crm.sql", ""},
}

// isolationChecks are the lines the newcomer program prints for each check
// that passed (testdata/module/app/isolation).
var isolationChecks = []string{
	"ok: A sees its own rows only",
	"ok: B sees its own rows only",
	"ok: A cannot read, change or delete B's rows",
	"ok: B cannot read, change or delete A's rows",
	"ok: A cannot attach a deal to B's contact",
	"ok: no tenant is ErrNoTenant",
	"ok: the bare pool sees no tenant rows",
	"ok: the global table is shared",
	"ok: the HTTP middleware scopes each request",
}

// TestNewcomer walks the README's path in a module of its own. It is slow
// (it downloads the migration tools and builds tenantc as a tool), so it is
// one test; it never skips under CI=true.
func TestNewcomer(t *testing.T) {
	goBin := requireGo(t)
	root := repoRoot(t)
	before := repoStatus(t, root)
	mod := t.TempDir()

	writeModule(t, mod, root)
	run(t, mod, goBin, "get", "-tool", "github.com/tenantc/tenantc/cmd/tenantc") // the README's install line
	for _, tool := range tools {
		run(t, mod, goBin, "get", tool.module)
	}
	run(t, mod, goBin, "generate", "./...")
	for _, tool := range tools {
		for _, want := range []string{"gen/db/tenantc_repositories.go", "migrations/" + tool.userUp} {
			if _, err := os.Stat(filepath.Join(mod, tool.app, want)); err != nil {
				t.Fatalf("%s: after go generate: %v", tool.app, err)
			}
		}
		t.Logf("%s after go generate:\n%s", tool.app, listTree(t, filepath.Join(mod, tool.app)))
		// Generating twice changes nothing.
		run(t, filepath.Join(mod, tool.app), goBin, "tool", "tenantc", "generate", "--check")
	}
	bin := filepath.Join(mod, "bin", "newcomer")
	run(t, mod, goBin, "build", "-o", bin, "./cmd/newcomer")

	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			db := pgtest.NewDatabase(t)
			// Migrations run as the owner, as a deploy would; then the app
			// role gets the usual grants, sequences included.
			out := run(t, mod, bin, "apply", tool.name, db.OwnerURL)
			t.Logf("%s", out)
			db.GrantApp(t)
			out = run(t, mod, bin, "check", tool.name, db.AppURL)
			t.Logf("%s", out)
			for _, want := range isolationChecks {
				if !strings.Contains(out, want+"\n") {
					t.Errorf("missing %q in:\n%s", want, out)
				}
			}
		})
	}

	if after := repoStatus(t, root); after != before {
		t.Errorf("the test modified the repository:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// requireGo finds the go command; without it the test cannot run, which is
// a failure under CI=true.
func requireGo(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("the go command is needed: %v", err)
		}
		t.Skipf("the go command is needed: %v (with CI=true this is a failure)", err)
	}
	return p
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !bytes.HasPrefix(b, []byte("module github.com/tenantc/tenantc\n")) {
		t.Fatalf("%s is not tenantc's module root: %v", root, err)
	}
	return root
}

// repoStatus is git's view of the repository, to prove the test left it as
// it found it.
func repoStatus(t *testing.T, root string) string {
	t.Helper()
	cmd := exec.Command("git", "status", "--porcelain", "--untracked-files=all")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git status in %s: %v", root, err)
	}
	return string(out)
}

// writeModule writes the newcomer's module into dir: go.mod with the replace
// that stands in for a published tenantc, the program, and one project per
// migration tool whose own first migration is testdata's schema.
func writeModule(t *testing.T, dir, root string) {
	t.Helper()
	// The require names a version the replace answers: without one, go get
	// asks the proxy for tenantc's latest release.
	write(t, filepath.Join(dir, "go.mod"), "module example.com/saas\n\ngo 1.26\n\nrequire github.com/tenantc/tenantc v0.0.0\n\nreplace github.com/tenantc/tenantc => "+root+"\n")
	copyTree(t, filepath.Join("testdata", "module", "cmd"), filepath.Join(dir, "cmd"), nil)
	up := readFile(t, filepath.Join("testdata", "schema.sql"))
	down := readFile(t, filepath.Join("testdata", "down.sql"))
	for _, tool := range tools {
		app := filepath.Join(dir, tool.app)
		copyTree(t, filepath.Join("testdata", "module", "app"), app, strings.NewReplacer("{{APP}}", tool.app))
		write(t, filepath.Join(app, "tenantc.yaml"), "version: 1\nglobal: [plans]\nmigrations:\n  dir: migrations\n  format: "+tool.format+"\n")
		migrations := filepath.Join(app, "migrations")
		if tool.userDown != "" {
			write(t, filepath.Join(migrations, tool.userUp), up)
			write(t, filepath.Join(migrations, tool.userDown), down)
		} else {
			write(t, filepath.Join(migrations, tool.userUp), oneFile(tool.format, up, down))
		}
	}
}

// oneFile is a migration holding both directions, in the format of the tool
// that reads it.
func oneFile(format, up, down string) string {
	switch format {
	case "goose":
		return "-- +goose Up\n" + up + "\n-- +goose Down\n" + down
	case "sql-migrate":
		return "-- +migrate Up\n" + up + "\n-- +migrate Down\n" + down
	case "tern":
		return up + "\n---- create above / drop below ----\n" + down
	}
	panic("no one-file layout for " + format)
}

// listTree lists the files under dir, one relative path a line.
func listTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		b.WriteString("\t" + rel + "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// copyTree copies src to dst, rewriting each file through r unless r is nil.
func copyTree(t *testing.T, src, dst string, r *strings.Replacer) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		text := readFile(t, path)
		if r != nil {
			text = r.Replace(text)
		}
		write(t, filepath.Join(dst, rel), text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goproxy returns the go command's proxy list with every entry falling
// through to "off" on any error. go get also asks the proxy whether
// github.com/tenantc/tenantc/cmd/tenantc is a module of its own; a proxy that
// answers that with 403 rather than 404 would fail the install although the
// replace provides the package, while "off" lets the replace answer.
func goproxy(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatalf("go env GOPROXY: %v", err)
	}
	var proxies []string
	for _, p := range strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' }) {
		if p != "direct" && p != "off" {
			proxies = append(proxies, p)
		}
	}
	return strings.Join(append(proxies, "off"), "|")
}

// run runs name in dir as a module outside any workspace: -mod=mod lets go
// commands record the requirements and go.sum lines they resolve, as a
// user's first go get and go build do. It fails the test with the output on
// error and returns the combined output otherwise.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off", "GOPROXY="+goproxy(t))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s (in %s): %v", filepath.Base(name), strings.Join(args, " "), filepath.Base(dir), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}
