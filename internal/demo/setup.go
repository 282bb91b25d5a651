package demo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantc/tenantc/internal/pgurl"
)

// cleanupTimeout bounds dropping the scratch database and roles, which runs
// on a context of its own: the run's may already be cancelled (SIGINT).
const cleanupTimeout = 30 * time.Second

// scratch is the database and roles one run creates. Only what a CREATE of
// this run succeeded for is recorded, so drop never touches an object that
// existed before (the names are random; a collision fails the CREATE).
type scratch struct {
	adminURL string
	admin    *pgx.Conn

	name               string // the database
	owner, app, system string // the roles
	passwords          map[string]string
	createdRoles       []string
	createdDB          bool
	needsOwnerGrant    bool // the admin is no superuser: see create
}

// adminRights are what the admin connection's role may do.
type adminRights struct {
	user                                    string
	superuser, createDB, createRole, bypass bool
	serverVersion                           int // server_version_num
}

// refusal says why the role cannot run the demo, or "" when it can: it
// creates a database (CREATEDB) and three roles (CREATEROLE), one of them
// BYPASSRLS, which before PostgreSQL 16 only a superuser may create and
// from 16 on a CREATEROLE role that holds BYPASSRLS itself.
func (r adminRights) refusal() string {
	if r.superuser {
		return ""
	}
	name := pgx.Identifier{r.user}.Sanitize()
	if r.serverVersion < 160000 {
		return fmt.Sprintf("role %q is not a superuser: the demo creates a scratch database and three roles, one of them BYPASSRLS (the system role), and before PostgreSQL 16 only a superuser can create a BYPASSRLS role; connect as a superuser", r.user)
	}
	var m []string
	if !r.createDB {
		m = append(m, "CREATEDB")
	}
	if !r.createRole {
		m = append(m, "CREATEROLE")
	}
	if !r.bypass {
		m = append(m, "BYPASSRLS")
	}
	if len(m) == 0 {
		return ""
	}
	return fmt.Sprintf("role %q lacks %s: the demo creates a scratch database (CREATEDB) and three roles (CREATEROLE), one of them BYPASSRLS (which only a role holding it may give); connect as a superuser, or as a superuser run: ALTER ROLE %s %s",
		r.user, strings.Join(m, ", "), name, strings.Join(m, " "))
}

// openScratch connects to adminURL and checks what its role may do; nothing
// is created yet.
func openScratch(ctx context.Context, adminURL string) (*scratch, error) {
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return nil, fmt.Errorf("--database-url: %w", err)
	}
	connCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(connCtx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	var r adminRights
	err = conn.QueryRow(ctx, `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls,
		current_setting('server_version_num')::int
		FROM pg_catalog.pg_roles WHERE rolname = current_user`).Scan(&r.user, &r.superuser, &r.createDB, &r.createRole, &r.bypass, &r.serverVersion)
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("read the connected role's attributes: %w", err)
	}
	if why := r.refusal(); why != "" {
		conn.Close(context.WithoutCancel(ctx))
		return nil, errors.New(why)
	}
	id := pgurl.RandomHex(4)
	s := &scratch{
		adminURL:  adminURL,
		admin:     conn,
		name:      "tenantc_demo_" + id,
		owner:     "tenantc_demo_" + id + "_owner",
		app:       "tenantc_demo_" + id + "_app",
		system:    "tenantc_demo_" + id + "_system",
		passwords: map[string]string{},
	}
	s.needsOwnerGrant = !r.superuser
	return s, nil
}

// create makes the three roles and the database. Each role gets a random
// password, made here and never printed: the demo connects as them with the
// admin URL's host, port and TLS settings, whatever the server's auth.
func (s *scratch) create(ctx context.Context) error {
	for _, r := range []struct{ name, attrs string }{
		{s.owner, "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"},
		{s.app, "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"},
		{s.system, "NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"},
	} {
		pass := pgurl.RandomHex(16) // hex: safe inside the literal
		if _, err := s.admin.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' %s", r.name, pass, r.attrs)); err != nil {
			return fmt.Errorf("create role %s: %w", r.name, err)
		}
		s.createdRoles = append(s.createdRoles, r.name)
		s.passwords[r.name] = pass
	}
	if s.needsOwnerGrant {
		// CREATE DATABASE … OWNER needs the creator to be a member of the
		// owner; a CREATEROLE role may grant itself the role it created.
		if _, err := s.admin.Exec(ctx, fmt.Sprintf("GRANT %s TO CURRENT_USER", s.owner)); err != nil {
			return fmt.Errorf("grant %s to the connected role: %w", s.owner, err)
		}
	}
	// template0: nothing added to template1 leaks in. In PostgreSQL 15 the
	// database's owner owns schema public, so the owner role can create there.
	if _, err := s.admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s TEMPLATE template0", s.name, s.owner)); err != nil {
		return fmt.Errorf("create database %s: %w", s.name, err)
	}
	s.createdDB = true
	return nil
}

// config returns the connection settings for role in the scratch database
// ("" role: the admin's own, in the scratch database).
func (s *scratch) config(role string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(s.adminURL)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.Database = s.name
	if role != "" {
		cfg.ConnConfig.User = role
		cfg.ConnConfig.Password = s.passwords[role]
	}
	return cfg, nil
}

// pool opens a pool as role in the scratch database.
func (s *scratch) pool(ctx context.Context, role string) (*pgxpool.Pool, error) {
	cfg, err := s.config(role)
	if err != nil {
		return nil, err
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect as %s: %w", role, err)
	}
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect as %s: %w", role, err)
	}
	return p, nil
}

// conn opens one connection as role in the scratch database.
func (s *scratch) conn(ctx context.Context, role string) (*pgx.Conn, error) {
	cfg, err := s.config(role)
	if err != nil {
		return nil, err
	}
	c, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("connect as %s: %w", who(role), err)
	}
	return c, nil
}

func who(role string) string {
	if role == "" {
		return "the admin role"
	}
	return role
}

// drop removes what create made, and nothing else: the database (closing
// the connections still open to it), then the roles. It runs on a context of
// its own, so a cancelled run still cleans up, and reports every failure.
func (s *scratch) drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if s.admin.IsClosed() && (s.createdDB || len(s.createdRoles) > 0) {
		// pgx closes a connection whose query a cancelled context
		// interrupted (Ctrl-C during a CREATE): connect again to clean up.
		cfg, err := pgx.ParseConfig(s.adminURL)
		if err != nil {
			return err
		}
		if s.admin, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return fmt.Errorf("connect again: %w", err)
		}
	}
	defer s.admin.Close(ctx)
	var errs []error
	if s.createdDB {
		// FORCE: connections left open (a pool's, a killed request's) would
		// make DROP DATABASE fail.
		if _, err := s.admin.Exec(ctx, fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", s.name)); err != nil {
			errs = append(errs, fmt.Errorf("drop database %s: %w", s.name, err))
		} else {
			s.createdDB = false
		}
	}
	if len(s.createdRoles) > 0 && !s.createdDB {
		if _, err := s.admin.Exec(ctx, "DROP ROLE "+strings.Join(s.createdRoles, ", ")); err != nil {
			errs = append(errs, fmt.Errorf("drop roles %s: %w", strings.Join(s.createdRoles, ", "), err))
		} else {
			s.createdRoles = nil
		}
	}
	return errors.Join(errs...)
}

// keepInstructions says how to reach and remove what --keep left. No
// password is printed: the admin URL (redacted) connects, and SET ROLE
// becomes the application role, under its policies.
func (s *scratch) keepInstructions() string {
	u := "(your --database-url, with the database " + s.name + ")"
	if v, err := pgurl.With(s.adminURL, nil, s.name); err == nil {
		if p, err := url.Parse(v); err == nil && p.Scheme != "" {
			u = p.Redacted()
		}
	}
	return fmt.Sprintf(`Kept the scratch database %[1]s and its roles %[2]s, %[3]s, %[4]s.
Connect with the admin URL and become the application role:
  psql '%[5]s'
  SELECT id, name FROM tenants;  -- as the admin, every tenant
  SET ROLE %[3]s;
  SELECT set_config('app.tenant_id', '<an id from above>', false);
  SELECT name FROM projects;     -- that tenant's projects only
Drop them when done, as the admin:
  DROP DATABASE %[1]s WITH (FORCE);
  DROP ROLE %[2]s, %[3]s, %[4]s;
`, s.name, s.owner, s.app, s.system, u)
}
