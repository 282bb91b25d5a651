package generator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantc/tenantc/internal/generator"
)

// FuzzRun runs the whole pipeline — parse, tenancy analysis, migration planning —
// on arbitrary schema text: whatever the input, the result is diagnostics or
// files, never a panic.
func FuzzRun(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/input/schema/*.sql")
	for _, p := range seeds {
		if content, err := os.ReadFile(p); err == nil {
			f.Add(content)
		}
	}
	f.Fuzz(func(t *testing.T, sql []byte) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "schema"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "schema", "a.sql"), sql, 0o644); err != nil {
			t.Fatal(err)
		}
		generator.Run(t.Context(), generator.Options{Dir: dir})
	})
}
