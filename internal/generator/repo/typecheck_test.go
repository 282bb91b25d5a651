package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
)

// What generate wrote on the base commit for query_parameter_limit: 4: the
// wrapper calls a three-parameter method with one.
const wrongArity = `package db

import (
	"context"

	"github.com/jackc/pgx/v5/pgtype"
	tn "github.com/tenantc/tenantc/tenant"
)

type Queries struct{ db any }

func (q *Queries) GetEvent(ctx context.Context, tenantID tn.ID, at pgtype.Timestamptz, seq int32) (int64, error) {
	return 0, nil
}

type EventsRepo struct {
	scope *tn.Scope
	q     *Queries
}

type GetEventParams struct{ TenantID tn.ID }

func (r *EventsRepo) GetEvent(ctx context.Context, at pgtype.Timestamptz) (int64, error) {
	tenantID, err := r.scope.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	_ = GetEventParams{Tenant: tenantID}
	return r.q.GetEvent(ctx, tenantID)
}
`

func TestTypeCheckFindsCallsThatDoNotCompile(t *testing.T) {
	requireWrongArityFindings(t, TypeCheck([]output.File{{Path: "gen/db/tenantc_repositories.go", Content: []byte(wrongArity)}}))
}

// requireWrongArityFindings checks the two findings in wrongArity, where it
// is written.
func requireWrongArityFindings(t *testing.T, diags diag.List) {
	t.Helper()
	msgs := diagStrings(diags)
	require.Len(t, diags, 2, "%s", strings.Join(msgs, "\n"))
	require.Contains(t, msgs[0], "gen/db/tenantc_repositories.go:28:21: error: generated code does not compile: unknown field Tenant in struct literal")
	require.Contains(t, msgs[1], "gen/db/tenantc_repositories.go:29:35: error: generated code does not compile: not enough arguments in call to r.q.GetEvent")
}

func diagStrings(diags diag.List) []string {
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.String())
	}
	return msgs
}

// TestTypeCheckAcceptsGeneratedCode runs the check over the example's gen/db and
// every golden case's generated packages, which compile: it must find nothing.
func TestTypeCheckAcceptsGeneratedCode(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/*/output/*/*")
	require.NoError(t, err)
	dirs = append(dirs, "../../../gen/db", "../../../gen/store")
	checked := 0
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		if len(paths) == 0 {
			continue
		}
		var files []output.File
		for _, p := range paths {
			content, err := os.ReadFile(p)
			require.NoError(t, err)
			files = append(files, output.File{Path: p, Content: content})
		}
		checked++
		require.Empty(t, TypeCheck(files), "%s", dir)
	}
	require.Greater(t, checked, 5)
}
