package betterauth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/internal/templates"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// TestMain prints the flow table (flows_test.go) after the tests ran.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	printFlows()
	os.Exit(code)
}

// The ID types of a generated package.
type (
	OrgID    string
	UserID   string
	MemberID string
	InviteID string
	TeamID   string
)

type goStore = orgstore.Store[OrgID, UserID, MemberID, InviteID, TeamID]

// jsDir is the Node project holding ba.mjs and its node_modules.
const jsDir = "js"

// requireNode skips the test when node or js/node_modules is missing, and
// fails it instead under CI=true (CI installs both).
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(jsDir, "node_modules", "better-auth", "package.json"))
	}
	if err != nil {
		msg := fmt.Sprintf("Better Auth interop test needs node and internal/betterauth/js/node_modules "+
			"(run `npm ci` in internal/betterauth/js): %v", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node
}

// env is one database shared by Better Auth (ba) and the Go store (store).
type env struct {
	DB    *pgtest.DB
	Admin *pgxpool.Pool
	Store *goStore
	BA    *baClient
	// Migrated are the tables Better Auth's migrator reported creating.
	Migrated []string
	// StoreURL is the Go store's role (BYPASSRLS), for a second store.
	StoreURL string
	// BARole is the role Better Auth's service connects as: the database
	// owner, or with envOptions.ServiceRole db.App.
	BARole string
}

// envOptions change what newEnvWith sets up; the zero value is newEnv's.
type envOptions struct {
	// OnDelete is the bridge foreign key's ON DELETE action: "SET NULL"
	// (store.on_organization_delete: detach, the default) or "CASCADE".
	OnDelete string
	// ServiceRole runs Better Auth's service as a role of its own, as a
	// deployment with store.service_roles does: db.App, which owns no table
	// and is granted SELECT, INSERT, UPDATE, DELETE on Better Auth's tables
	// only (none on tenants or the application's tables), and the store
	// migration is rendered with its lockdown (row level security on Better
	// Auth's tables, the tenantc_store_service policy for db.App) and the
	// bridge guard trigger. The migrations still run as the database owner,
	// which owns every table.
	ServiceRole bool
}

// newEnv makes a database, lets Better Auth's migrator create its schema in
// it (as the database owner, Better Auth's service), applies tenantc's
// better-auth store migration and a tenants table on top, and starts ba.mjs
// and a Go store (a BYPASSRLS role, not a superuser) on it.
func newEnv(t *testing.T) *env { return newEnvWith(t, envOptions{}) }

// newEnvWith is newEnv with opts.
func newEnvWith(t *testing.T, opts envOptions) *env {
	t.Helper()
	node := requireNode(t)
	db := pgtest.NewDatabase(t)
	e := &env{DB: db, BARole: db.Owner}

	out := runNode(t, node, db.OwnerURL, "migrate")
	var mig struct{ Created []string }
	require.NoError(t, json.Unmarshal(out, &mig), "ba.mjs migrate: %s", out)
	e.Migrated = mig.Created

	d := storeData{Bridge: "tenants", OnDelete: "SET NULL"}
	if opts.OnDelete != "" {
		d.OnDelete = opts.OnDelete
	}
	baURL := db.OwnerURL
	if opts.ServiceRole {
		d.Lock = serviceLockdown(db.App)
		e.BARole, baURL = db.App, db.AppURL
	}
	db.Exec(t, db.OwnerURL, tenantsDDL+renderStoreData(t, d))
	if opts.ServiceRole {
		db.Exec(t, db.OwnerURL, fmt.Sprintf("GRANT USAGE ON SCHEMA public TO %s;\nGRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s;",
			db.App, strings.Join(quoteAll(baTables), ", "), db.App))
	}

	role, pass := db.Name+"_store", pgurl.RandomHex(16)
	db.Exec(t, db.AdminURL, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE", role, pass))
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), db.AdminURL)
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), fmt.Sprintf("DROP OWNED BY %s; DROP ROLE %s", role, role)); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	db.Exec(t, db.OwnerURL, fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %[1]s;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;`, role))
	roleURL, err := pgurl.With(db.AdminURL, url.UserPassword(role, pass), db.Name)
	require.NoError(t, err)
	e.StoreURL = roleURL

	e.Store, err = orgstore.New[OrgID, UserID, MemberID, InviteID, TeamID](
		tenant.NewSystemDB(newPool(t, roleURL, 4)), orgstore.Config{Schema: orgstore.BetterAuth(), MaxMembersPerTeam: teamSeats})
	require.NoError(t, err)
	e.Admin = newPool(t, db.AdminURL, 2)
	e.BA = startBA(t, node, baURL)
	return e
}

// baTables are the tables of Better Auth 1.7.25 with the organization
// plugin (teams and dynamic access control on).
var baTables = []string{"user", "session", "account", "verification", "organization", "member",
	"invitation", "team", "teamMember", "organizationRole"}

func quoteAll(names []string) []string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgx.Identifier{n}.Sanitize()
	}
	return q
}

// serviceLockdown is the store templates' lockdown data (the generator's
// store.lockdown) for Better Auth's tables with role as the one service
// role, and the bridge guard on tenants: what `generate` writes for
// `store.service_roles: [<role>]` on a fresh Better Auth schema.
func serviceLockdown(role string) lockData {
	l := lockData{Policy: "tenantc_store_service", Roles: pgx.Identifier{role}.Sanitize(),
		Guard: &guardData{Table: "tenants", Trigger: "tenantc_bridge_immutable", Function: "tenantc_forbid_bridge_change"}}
	for _, n := range quoteAll(baTables) {
		l.Tables = append(l.Tables, lockTable{Name: n, Enable: true, Force: true, CreatePolicy: true})
	}
	l.Guard.Fn = guardFn{Function: l.Guard.Function}
	return l
}

// lockData, lockTable, guardData and guardFn mirror the generator's
// store.lockdown, lockTable, guard and guardFn (unexported there).
type lockData struct {
	Tables        []lockTable
	Policy, Roles string
	Guard         *guardData
}

type lockTable struct {
	Name                     string
	Enable, Force            bool
	DropPolicy, CreatePolicy bool
}

type guardData struct {
	Table, Trigger, Function string
	Fn                       guardFn
}

type guardFn struct{ Function, StatementBegin, StatementEnd string }

// teamSeats is the seat limit of a team in both services: Better Auth's
// teams.maximumMembersPerTeam (startBA passes it to ba.mjs) and the Go
// store's MaxMembersPerTeam, the value of store.limits.members_per_team in
// the golden case's tenantc.yaml (TestSeatLimitFromConfig), whose generated
// Config() carries it.
const teamSeats = 2

// tenantsDDL is the application's tenant root, protected as tenantc's
// migrations protect it.
const tenantsDDL = `
CREATE TABLE tenants (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
    USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
`

// renderStore is tenantc's better-auth store migration with tenants as the
// bridge (what `store: {enabled: true, flavor: better-auth}` generates).
func renderStore(t *testing.T) string {
	t.Helper()
	return renderStoreData(t, storeData{Bridge: "tenants", OnDelete: "SET NULL"})
}

// renderStoreData is the better-auth store migration rendered with d.
func renderStoreData(t *testing.T, d storeData) string {
	t.Helper()
	tmpl, err := template.ParseFS(templates.FS, "store_*.sql.tmpl")
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, tmpl.ExecuteTemplate(&b, "store_better_auth.up.sql.tmpl", d))
	return b.String()
}

// storeData is the store templates' data as the generator's (store.data)
// has it for a schema with none of tenantc's additions yet, the bridge
// detaching (on_organization_delete's default).
type storeData struct {
	Bridge, OnDelete             string
	Organizations, OrgIDType     string
	StatementBegin, StatementEnd string
	Lock, Rebridge               any
}

func (storeData) Had(string) bool              { return false }
func (storeData) Leads(string, ...string) bool { return false }

func newPool(t *testing.T, connURL string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(connURL)
	require.NoError(t, err)
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// runNode runs `node ba.mjs arg` once and returns its stdout.
func runNode(t *testing.T, node, dbURL, arg string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "ba.mjs", arg)
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node ba.mjs %s: %s", arg, stderr.String())
	return out
}

// baClient talks to a running `node ba.mjs serve`: one JSON request a line.
type baClient struct {
	mu     sync.Mutex
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *strings.Builder
}

func startBA(t *testing.T, node, dbURL string) *baClient {
	t.Helper()
	cmd := exec.Command(node, "ba.mjs", "serve")
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "MAX_MEMBERS_PER_TEAM="+strconv.Itoa(teamSeats))
	c := &baClient{stderr: &strings.Builder{}}
	cmd.Stderr = c.stderr
	var err error
	c.in, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	c.out = bufio.NewReaderSize(stdout, 1<<20)
	require.NoError(t, cmd.Start())
	// Before the database is dropped: ba.mjs ends its pool when stdin closes.
	t.Cleanup(func() {
		c.in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ba.mjs serve: %v: %s", err, c.stderr.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("ba.mjs serve did not exit: %s", c.stderr.String())
		}
	})
	return c
}

// baError is Better Auth's refusal of a request.
type baError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *baError) Error() string {
	return fmt.Sprintf("better auth: %d %s: %s", e.Status, e.Code, e.Message)
}

// call sends req (its "op" and arguments) and decodes the result into res
// (may be nil); Better Auth's refusal is a *baError.
func (c *baClient) call(req map[string]any, res any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("ba.mjs: write: %w: %s", err, c.stderr.String())
	}
	line, err := c.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("ba.mjs: read: %w: %s", err, c.stderr.String())
	}
	var resp struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		Error  *baError        `json:"error"`
	}
	if err := json.Unmarshal(line, &resp); err != nil {
		return fmt.Errorf("ba.mjs: %w: %s", err, line)
	}
	if !resp.OK {
		if resp.Error == nil {
			return errors.New("ba.mjs: failed without an error")
		}
		return resp.Error
	}
	if res == nil {
		return nil
	}
	return json.Unmarshal(resp.Result, res)
}

// must is call that fails the test on an error.
func (c *baClient) must(t *testing.T, res any, req map[string]any) {
	t.Helper()
	require.NoError(t, c.call(req, res), "better auth %v", req["op"])
}

// signUp makes a Better Auth user (and its session) and returns its id.
func (e *env) signUp(t *testing.T, name string) (UserID, string) {
	t.Helper()
	email := strings.ToLower(name) + "-" + pgurl.RandomHex(4) + "@example.com"
	var u struct {
		UserID string `json:"userId"`
	}
	e.BA.must(t, &u, map[string]any{"op": "signUp", "email": email, "name": name})
	return UserID(u.UserID), email
}

// baOrg is an organization as Better Auth's API returns it.
type baOrg struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Slug    string     `json:"slug"`
	Members []baMember `json:"members"`
}

type baMember struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	UserID         string `json:"userId"`
	Role           string `json:"role"`
}

// baCreateOrg creates an organization in Better Auth owned by owner.
func (e *env) baCreateOrg(t *testing.T, owner UserID) baOrg {
	t.Helper()
	var o baOrg
	slug := "ba-" + pgurl.RandomHex(6)
	e.BA.must(t, &o, map[string]any{"op": "createOrganization", "as": owner, "name": "BA " + slug, "slug": slug})
	return o
}

// goCreateOrg creates an organization in Go owned by owner.
func (e *env) goCreateOrg(t *testing.T, owner UserID) orgstore.Organization[OrgID] {
	t.Helper()
	slug := "go-" + pgurl.RandomHex(6)
	o, _, err := e.Store.CreateOrganization(context.Background(), orgstore.NewOrganization[UserID]{
		Name: "Go " + slug, Slug: slug, Creator: owner,
	})
	require.NoError(t, err)
	return o
}

// baMembers lists org's members through Better Auth, as actor.
func (e *env) baMembers(t *testing.T, actor UserID, org string) map[string]baMember {
	t.Helper()
	var res struct {
		Members []baMember `json:"members"`
	}
	e.BA.must(t, &res, map[string]any{"op": "listMembers", "as": actor, "organizationId": org})
	m := map[string]baMember{}
	for _, x := range res.Members {
		m[x.UserID] = x
	}
	return m
}

// baOrgIDs lists the ids of user's organizations through Better Auth.
func (e *env) baOrgIDs(t *testing.T, user UserID) []string {
	t.Helper()
	var orgs []baOrg
	e.BA.must(t, &orgs, map[string]any{"op": "listOrganizations", "as": user})
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	return ids
}

// baHasPermission asks Better Auth whether user may p ("member:create") in org.
func (e *env) baHasPermission(t *testing.T, user UserID, org string, p orgstore.Permission) bool {
	t.Helper()
	res, act, _ := strings.Cut(string(p), ":")
	var out struct {
		Success bool `json:"success"`
	}
	e.BA.must(t, &out, map[string]any{"op": "hasPermission", "as": user, "organizationId": org,
		"permissions": map[string][]string{res: {act}}})
	return out.Success
}

// tenantOf is the tenant bridged to org (the superuser reads past RLS), "" if none.
func (e *env) tenantOf(t *testing.T, org string) string {
	t.Helper()
	var id *string
	err := e.Admin.QueryRow(context.Background(), `SELECT id::text FROM tenants WHERE org_id = $1`, org).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ""
	}
	require.NoError(t, err)
	return *id
}
