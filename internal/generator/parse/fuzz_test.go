package parse

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantc/tenantc/internal/generator/source"
)

// FuzzFiles feeds arbitrary text, read as each migration format, through the
// parser and the catalog it builds: bad input must give diagnostics, never a
// panic. The corpus starts from every golden schema.
func FuzzFiles(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/*/input/*/*.sql")
	more, _ := filepath.Glob("../../../schema/*.sql")
	for _, p := range append(seeds, more...) {
		if content, err := os.ReadFile(p); err == nil {
			f.Add(string(content))
		}
	}
	f.Fuzz(func(t *testing.T, sql string) {
		for _, name := range []string{"a.sql", "1_a.up.sql"} {
			Files([]*source.File{source.Parse(name, []byte(sql)), source.Parse("b.sql", []byte(sql))})
		}
	})
}
