package adversarial_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWhatOneRoleSeesOfItsOtherSessions pins down what README's "What every
// session of the application role sees" section documents: RLS does not
// cover the statistics views or signals, so every session of the app role
// sees the others' statement texts — with their values in simple-protocol
// mode, placeholders otherwise — and can cancel them. These are limits of
// one shared role, not leaks tenantc can close; the test fails if
// PostgreSQL's behaviour changes and the section needs rewriting.
func TestWhatOneRoleSeesOfItsOtherSessions(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(w.fx.DB.AppURL)
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	victim, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer victim.Close(ctx)
	observer := pgtestConnect(t, w.fx.DB.AppURL)

	done := make(chan error, 1)
	go func() {
		_, err := victim.Exec(ctx, "SELECT set_config('app.tenant_id', $1, false), pg_sleep(30), $2::text", string(w.globex.TenantID), "globex-secret")
		done <- err
	}()
	var text string
	var pid int
	require.Eventually(t, func() bool {
		err := observer.QueryRow(ctx, "SELECT pid, query FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'").Scan(&pid, &text)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	assert.True(t, strings.Contains(text, "globex-secret") && strings.Contains(text, string(w.globex.TenantID)),
		"simple protocol: the other session's values are in its query text: %s", text)

	var cancelled bool
	require.NoError(t, observer.QueryRow(ctx, "SELECT pg_cancel_backend($1)", pid).Scan(&cancelled))
	assert.True(t, cancelled, "a session of the same role cancels another's statement")
	assert.Error(t, <-done)
}
