package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/tenant"
)

// ErrIsolation is returned when a line of the transcript came out other than
// isolation requires: a tenant saw or changed what is not its own.
var ErrIsolation = errors.New("tenant isolation did not hold")

// Options are tenantc demo's flags.
type Options struct {
	// AdminURL connects as a superuser or, on PostgreSQL 16+, as a role
	// with CREATEDB, CREATEROLE and BYPASSRLS.
	AdminURL string
	// Keep leaves the scratch database and roles and prints how to reach
	// and drop them.
	Keep bool
	// Out receives the transcript.
	Out io.Writer

	// Test hooks. afterMigrate runs as the admin in the scratch database
	// once the example is applied (to break isolation on purpose); step is
	// called before each step with its name; created learns the names of
	// what was created and the roles' passwords.
	afterMigrate func(ctx context.Context, admin *pgx.Conn) error
	step         func(name string)
	created      func(db string, roles, passwords []string)
}

// run is one demo's state, filled step by step.
type run struct {
	s       *scratch
	t       *transcript
	sysPool *pgxpool.Pool
	appPool *pgxpool.Pool
	app     *tenant.DB
	orgs    *store.Store

	acme, globex store.Organization
	srv          *httptest.Server
	website      string             // Acme's project the attacks aim at
	listAcme     func(string) error // alice's GET /projects, again after the attacks
}

// Run runs the demo. It returns an error wrapping [ErrIsolation] when the
// transcript reports a failure, and another error when a step could not
// run; in every case (a cancelled ctx included) the database and roles it
// created are dropped before it returns, unless opts.Keep.
func Run(ctx context.Context, opts Options) (err error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.AdminURL == "" {
		// pgx would fall back to PGHOST, PGUSER…: the demo creates roles,
		// so it takes only the server it was pointed at.
		return errors.New("no admin URL")
	}
	s, err := openScratch(ctx, opts.AdminURL)
	if err != nil {
		return err
	}
	r := &run{s: s, t: &transcript{w: opts.Out}}
	defer func() {
		r.close()
		if opts.Keep {
			s.admin.Close(context.WithoutCancel(ctx))
			if len(s.createdRoles) > 0 || s.createdDB {
				fmt.Fprint(opts.Out, "\n"+s.keepInstructions())
			}
			return
		}
		dropped := fmt.Sprintf("\nThe scratch database and its %s were dropped.\n", spelled(len(s.createdRoles), "role"))
		if !s.createdDB {
			dropped = fmt.Sprintf("\nThe %s created were dropped.\n", spelled(len(s.createdRoles), "role"))
		}
		created := s.createdDB || len(s.createdRoles) > 0
		if dropErr := s.drop(ctx); dropErr != nil {
			err = errors.Join(err, fmt.Errorf("clean up: %w (drop them by hand: DROP DATABASE IF EXISTS %s WITH (FORCE); DROP ROLE IF EXISTS %s)",
				dropErr, s.name, strings.Join([]string{s.owner, s.app, s.system}, ", ")))
			return
		}
		if created {
			fmt.Fprint(opts.Out, dropped)
		}
	}()
	step := func(name string) error {
		if opts.step != nil {
			opts.step(name)
		}
		return ctx.Err()
	}

	if err := step("create"); err != nil {
		return err
	}
	err = s.create(ctx)
	if opts.created != nil {
		var passwords []string
		for _, role := range s.createdRoles {
			passwords = append(passwords, s.passwords[role])
		}
		opts.created(s.name, append([]string(nil), s.createdRoles...), passwords)
	}
	if err != nil {
		return err
	}
	r.t.printf("A scratch database with three roles: the owner, which runs the migrations; the\napplication role (no BYPASSRLS, owns nothing); the system role (BYPASSRLS), for the store.\n")
	r.t.printf("✓ what a member may do, done; ✗ what crosses tenants, refused; FAIL: isolation did not hold.\n")

	for _, st := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"migrate", func(ctx context.Context) error { return r.migrate(ctx, opts.afterMigrate) }},
		{"connect", r.connect},
		{"organizations", r.organizations},
		{"requests", r.requests},
		{"sql", r.sqlAttacks},
	} {
		if err := step(st.name); err != nil {
			return err
		}
		if err := st.run(ctx); err != nil {
			return err
		}
	}

	t := r.t
	if len(t.failed) > 0 {
		t.printf("\nISOLATION BROKEN: %d of %d lines above are not what isolation requires.\n", len(t.failed), t.checked)
		return fmt.Errorf("%w: %s", ErrIsolation, strings.Join(t.failed, "; "))
	}
	t.printf("\nEvery tenant saw only its own rows; %d of %d attempts to cross tenants were refused.\n", t.refused, t.attempts)
	return nil
}

// migrate applies the example as the owner, then runs the test hook.
func (r *run) migrate(ctx context.Context, afterMigrate func(context.Context, *pgx.Conn) error) error {
	owner, err := r.s.conn(ctx, r.s.owner)
	if err != nil {
		return err
	}
	defer owner.Close(context.WithoutCancel(ctx))
	n, err := r.s.apply(ctx, owner)
	if err != nil {
		return err
	}
	r.t.printf("Applied README's grants and the example as the owner: %s (schema/, then gen/migrations/).\n", plural(n, "file"))
	if afterMigrate != nil {
		admin, err := r.s.conn(ctx, "")
		if err != nil {
			return err
		}
		defer admin.Close(context.WithoutCancel(ctx))
		return afterMigrate(ctx, admin)
	}
	return nil
}

// connect opens the application's two pools and checks the application
// role as an application would at start-up.
func (r *run) connect(ctx context.Context) error {
	var err error
	if r.sysPool, err = r.s.pool(ctx, r.s.system); err != nil {
		return err
	}
	if r.appPool, err = r.s.pool(ctx, r.s.app); err != nil {
		return err
	}
	r.app = tenant.NewDB(r.appPool)
	err = tenant.Verify(ctx, r.app)
	r.t.allowed("app role", "tenant.Verify", verdict(err, "can bypass nothing"), err == nil, "no error")
	if err != nil && !errors.Is(err, tenant.ErrUnsafeRole) && !errors.Is(err, tenant.ErrTenantDefault) {
		return err
	}
	return nil
}

func verdict(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

// close closes the pools, so that nothing holds the database when it is
// dropped.
func (r *run) close() {
	if r.srv != nil {
		r.srv.Close()
	}
	if r.appPool != nil {
		r.appPool.Close()
	}
	if r.sysPool != nil {
		r.sysPool.Close()
	}
}
