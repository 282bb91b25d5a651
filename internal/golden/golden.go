// Package golden is the one -update flag of tenantc's golden tests and the
// comparison they share. Only the test packages that keep golden files import
// it (internal/generator, internal/generator/report and internal/demo), so
// only their test binaries accept -update; the command that rewrites every
// golden file names them:
//
//	go test ./internal/generator/ ./internal/generator/report/ ./internal/demo/ -update
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is registered when a test binary links this package; the testing
// package parses it before any test runs.
var update = flag.Bool("update", false, "rewrite the golden files from what the code produces now")

// Update reports whether the run was asked to rewrite golden files
// (go test … -update). Call it from a test, after flags are parsed.
func Update() bool { return *update }

// File compares got with the golden file at path and fails the test when
// they differ. Under -update it first writes got to path (creating its
// directory), so the comparison passes and git diff shows what changed.
func File(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file (run with -update to rewrite it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
