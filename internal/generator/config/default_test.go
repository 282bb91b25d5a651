package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/config"
)

// TestDefault: the configuration check uses without a project is the one
// Load reads from a directory with no config files: the defaults are written
// once.
func TestDefault(t *testing.T) {
	dir := t.TempDir()
	loaded, err := config.Load(dir)
	require.NoError(t, err)
	loaded.Dir = ""
	require.Equal(t, config.Default(), loaded)
}
