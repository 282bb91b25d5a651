package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// checkProjectDir refuses a project directory that does not exist, so a
// mistyped --dir says so instead of "schema path does not exist".
func checkProjectDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("project directory %s does not exist; pass --dir the directory of tenantc.yaml or sqlc.yaml", dir)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("project directory %s is not a directory; pass --dir the directory of tenantc.yaml or sqlc.yaml", dir)
	}
	return nil
}

// RequireProject refuses to generate or vet in a directory with neither
// tenantc.yaml nor a sqlc config unless the default schema directory is
// there: tenantc was most likely run from a subdirectory (a //go:generate line
// in cmd/x/main.go runs in cmd/x), and the message says where the project
// root is and how to point at it. (tenantc check may run anywhere: it judges a
// database, with the defaults.)
func RequireProject(cfg *Config) error {
	if cfg.File != "" || cfg.SQLCFile != "" {
		return nil
	}
	dir := cfg.Dir
	if info, err := os.Stat(filepath.Join(dir, defaults.Schema[0])); err == nil && info.IsDir() {
		return nil
	}
	msg := fmt.Sprintf("no %s or sqlc.yaml found in %s: tenantc runs in the project root, the directory that holds them", FileName, displayDir(dir))
	if rel, ok := findProjectRoot(dir); ok {
		return fmt.Errorf("%s; it is %s: pass --dir %s (in a //go:generate line: //go:generate go tool tenantc generate --dir %s)", msg, rel, rel, rel)
	}
	return fmt.Errorf("%s; run tenantc there or pass --dir, e.g. from cmd/x: --dir ../.. (//go:generate go tool tenantc generate --dir ../..)", msg)
}

// displayDir shows dir with its absolute path when it is relative, so "."
// still names a place.
func displayDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil || abs == dir {
		return dir
	}
	return fmt.Sprintf("%s (%s)", dir, abs)
}

// findProjectRoot returns the nearest parent of dir holding tenantc.yaml or a
// sqlc config, relative to dir (e.g. "../.."). It stops at a go.mod: a module
// root without a config is no other project's root.
func findProjectRoot(dir string) (string, bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		for _, name := range slices.Concat([]string{FileName}, sqlcNames) {
			if _, err := os.Stat(filepath.Join(p, name)); err == nil {
				rel, err := filepath.Rel(abs, p)
				return filepath.ToSlash(rel), err == nil
			}
		}
		if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil || p == filepath.Dir(p) {
			return "", false
		}
	}
}
