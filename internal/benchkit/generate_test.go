package benchkit_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/benchkit"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

func TestMain(m *testing.M) {
	sqlcrun.Child()          // the plain sqlc runs, and tenantc's own
	benchkit.GenerateChild() // the tenantc generate runs
	os.Exit(m.Run())
}

// TestGenerateSmoke runs the generation benchmark on one small project: the
// full run writes files, the no-op run none (Generate fails otherwise), and
// the report prints every ratio.
func TestGenerateSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tenantc generate and sqlc generate in child processes")
	}
	rep, err := benchkit.Generate(context.Background(), benchkit.GenConfig{Tables: []int{20}, Rounds: 1})
	require.NoError(t, err)
	require.Len(t, rep.Sizes, 1)
	s := rep.Sizes[0]
	require.Equal(t, 20, s.Tables)
	require.Greater(t, s.WholeQueries, s.Queries)
	require.Positive(t, s.Files)
	require.Len(t, s.Rounds, 1)
	g := s.Rounds[0]
	for _, d := range []int64{int64(g.Full), int64(g.NoOp), int64(g.SQLCUser), int64(g.SQLCWhole), g.FullRSS, g.SQLCWholeRSS} {
		require.Positive(t, d)
	}
	var out bytes.Buffer
	require.NoError(t, rep.Write(&out))
	t.Log("\n" + out.String())
	for _, want := range []string{"full ÷ sqlc whole", "no-op ÷ full", "full ÷ sqlc user", "goal ≤ 1.3×", "linearity"} {
		require.Contains(t, out.String(), want)
	}
}
