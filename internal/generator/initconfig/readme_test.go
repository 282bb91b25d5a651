package initconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeShowsTheBlogGolden keeps README's example of init's output the
// golden's bytes, so the README cannot show a proposal init no longer makes.
func TestReadmeShowsTheBlogGolden(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	require.NoError(t, err)
	golden, err := os.ReadFile(filepath.Join("testdata", "blog", "tenantc.yaml"))
	require.NoError(t, err)
	require.True(t, strings.Contains(string(readme), "```yaml\n"+string(golden)+"```\n"),
		"README's init example (### Proposing tenantc.yaml) must be testdata/blog/tenantc.yaml verbatim")
}
