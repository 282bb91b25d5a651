package initconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/config"
)

// ErrExists is returned by Write when tenantc.yaml exists and force is false.
var ErrExists = errors.New("tenantc.yaml exists")

// Write puts content into dir's tenantc.yaml atomically: it is written to a
// temporary file beside it, synced, then renamed (force) or linked (without
// force, so a tenantc.yaml created meanwhile is not replaced either) into
// place. A reader sees the old file or the whole new one, never a part.
func Write(dir string, content []byte, force bool) error {
	target := filepath.Join(dir, config.FileName)
	if _, err := os.Lstat(target); err == nil && !force {
		return fmt.Errorf("%s: %w; pass --force to replace it (its tenant:, store:, rules: and the other sections init does not write are kept), or --dry-run to print the proposal", target, ErrExists)
	}
	tmp, err := os.CreateTemp(dir, ".tenantc.yaml.*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.Remove(tmp.Name()) //nolint:errcheck // ours, and only a leftover
		}
	}()
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if force {
		if err := os.Rename(tmp.Name(), target); err != nil {
			return err
		}
		done = true
		return nil
	}
	if err := os.Link(tmp.Name(), target); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w (created while init ran); pass --force to replace it", target, ErrExists)
		}
		return err
	}
	return os.Remove(tmp.Name())
}

// FromFiles is Input.From for a schema read from the project's files.
func FromFiles(cfg *config.Config) string {
	paths := strings.Join(cfg.Schema, ", ")
	if cfg.SQLCFile != "" {
		return fmt.Sprintf("the schema paths of %s (%s)", filepath.ToSlash(cfg.SQLCFile), paths)
	}
	return fmt.Sprintf("the schema paths (%s)", paths)
}

// FromDatabase is Input.From for a schema read from a live database.
const FromDatabase = "a live database (--database-url)"
