package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeTB records failures instead of stopping the test, so File's failing
// path can be checked.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper()                 {}
func (f *fakeTB) Errorf(string, ...any)   { f.failed = true }
func (f *fakeTB) Fatalf(string, ...any)   { f.failed = true; panic(f) }
func (f *fakeTB) Fatal(...any)            { f.failed = true; panic(f) }
func (f *fakeTB) run(fn func(testing.TB)) { defer func() { _ = recover() }(); fn(f) }

func TestFile(t *testing.T) {
	was := *update
	t.Cleanup(func() { *update = was })
	*update = false
	path := filepath.Join(t.TempDir(), "sub", "want.txt")

	missing := &fakeTB{TB: t}
	missing.run(func(tb testing.TB) { File(tb, path, []byte("a\n")) })
	if !missing.failed {
		t.Fatal("a missing golden file must fail the test")
	}

	*update = true
	File(t, path, []byte("a\n")) // writes it, directory included
	*update = false
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\n" {
		t.Fatalf("-update wrote %q, %v", b, err)
	}
	File(t, path, []byte("a\n"))

	differs := &fakeTB{TB: t}
	differs.run(func(tb testing.TB) { File(tb, path, []byte("b\n")) })
	if !differs.failed {
		t.Fatal("output that differs from the golden file must fail the test")
	}
}
