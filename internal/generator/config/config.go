// Package config reads tenantc.yaml and, for the paths it leaves out, sqlc.yaml.
//
// Every field has a default, so a project with only a sqlc.yaml needs no tenantc.yaml
// at all. Unknown keys are errors: a misspelt "globals:" silently ignored would
// leave a table without the treatment its author asked for.
package config

import (
	"errors"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// FileName is the config file tenantc looks for in the project directory.
const FileName = "tenantc.yaml"

// Config is the resolved configuration of a project.
type Config struct {
	// Dir is the project directory; every path below is relative to it.
	Dir string
	// File is the config file read, relative to Dir; empty when none exists.
	File string
	// SQLCFile is the project's sqlc config file; empty when it has none, and
	// then tenantc generates migrations only, no Go code.
	SQLCFile string
	// SQLCVersion is the sqlc config's version, "1" or "2"; SQLCBlocks are
	// its sql: blocks (version 1: packages:), in order. Schema and Queries
	// are then the union of the postgresql blocks' paths.
	SQLCVersion string
	SQLCBlocks  []SQLCBlock

	Schema  []string
	Queries []string
	Tenant  Tenant
	// Global lists the tables shared by every tenant, as written ("plans",
	// "billing.prices").
	Global     []string
	Migrations Migrations
	// Store configures the organization store; off unless enabled.
	Store Store
	// Distribute is how the database spreads tables over nodes:
	// DistributeNone (default, one PostgreSQL) or DistributeCitus.
	Distribute string
	// DistributePos locates distribute: (the file alone when defaulted).
	DistributePos source.Pos
	// Rules changes the severity of diagnostic rules by name.
	Rules map[string]diag.Severity
	// TableRules changes the severity of a rule for some tables only
	// (rules: {NAME: {severity: off, tables: [api_keys]}}); it wins over
	// Rules for the diagnostics about those tables.
	TableRules []TableRule

	// StandardQueries is where the standard queries of every scoped table are
	// written (standard_queries.dir); never a directory of the user's files.
	StandardQueries StandardQueries

	// Where values were written, for diagnostics about them; zero values (the
	// file alone) when they came from defaults.
	TenantTablePos source.Pos
	// SchemaPos and QueriesPos hold one position per entry of Schema and
	// Queries, in tenantc.yaml or the sqlc config that named it; nil when the
	// paths are the defaults.
	SchemaPos  []source.Pos
	QueriesPos []source.Pos
	// UserMigrations are the schema directories (or the directories of the
	// files a glob schema path matches), other than tenantc's migrations
	// directory, holding the user's own goose, golang-migrate, dbmate,
	// sql-migrate or tern migrations.
	UserMigrations []UserMigrationDir
	GlobalPos      []source.Pos
	RulePos        map[string]source.Pos

	// Scoped lists the tables declared scoped (scoped:); those without the
	// tenant column get backfill migrations, configured by Backfill.
	Scoped   []ScopedTable
	Backfill Backfill
	// Roles configures the roles-and-grants migration; off unless roles: is
	// present.
	Roles Roles
}

// Tenant says how the schema names a tenant.
type Tenant struct {
	Table   string
	Column  string
	Setting string
}

// TableRule is one table of a per-table rule override, as written.
type TableRule struct {
	Rule     string
	Table    string // as written: "api_keys", "billing.prices"
	Severity diag.Severity
	Pos      source.Pos // the table's entry under tables:
}

// Migrations says where and how generated migrations are written.
type Migrations struct {
	Dir    string
	Format source.Format
	// DirSet and FormatSet are true when tenantc.yaml names them; otherwise
	// the generator may take the user's own migrations directory and tool
	// (see README, "Where tenantc's migrations live").
	DirSet, FormatSet bool
	// DirPos and FormatPos locate them (the file alone when defaulted).
	DirPos, FormatPos source.Pos
}

// StandardQueries says where the standard queries go.
type StandardQueries struct {
	Dir string
	Pos source.Pos
}

// The store flavors: whose tables the organization store runs on.
const (
	// FlavorNative is tenantc's own tables (organizations, members, teams,
	// team_members, invitations, organization_roles), created by a migration
	// tenantc generates.
	FlavorNative = "native"
	// FlavorBetterAuth is the tables of Better Auth's organization plugin
	// (organization, member, invitation, team, "teamMember",
	// "organizationRole"), which Better Auth's own migrations create; tenantc
	// adds a token-hash column, keys and indexes.
	FlavorBetterAuth = "better-auth"
)

// Flavors lists the store flavors, in documentation order.
var Flavors = []string{FlavorNative, FlavorBetterAuth}

// Reinvite policies: what inviting an email that has a pending invitation
// does.
const (
	ReinviteResend = "resend" // new token and expiry for the pending invitation
	ReinviteCancel = "cancel" // cancel the pending invitation, create a new one
	ReinviteReject = "reject" // refuse: the invitation is pending
)

// ReinvitePolicies lists the reinvite values, in documentation order.
var ReinvitePolicies = []string{ReinviteResend, ReinviteCancel, ReinviteReject}

// What deleting an organization does to its tenant, when the tenant root is
// a table of the project's own bridged to the organization (store.on_organization_delete).
const (
	// OnDeleteDetach keeps the tenant row and its data: the bridge's foreign
	// key is ON DELETE SET NULL. The default.
	OnDeleteDetach = "detach"
	// OnDeleteCascade deletes the tenant row, and through the tenant foreign
	// keys its data: the bridge's foreign key is ON DELETE CASCADE.
	OnDeleteCascade = "cascade"
)

// OnDeletePolicies lists the on_organization_delete values, in documentation order.
var OnDeletePolicies = []string{OnDeleteDetach, OnDeleteCascade}

// The distribute values: where the tables live.
const (
	// DistributeNone is one PostgreSQL server (or its replicas): the default.
	DistributeNone = "none"
	// DistributeCitus is a Citus cluster sharded by tenant: scoped tables are
	// distributed by the tenant column and colocated, the tenant root and
	// global tables are reference tables, and the policies and the tenant
	// setter take the shapes Citus runs on its workers.
	DistributeCitus = "citus"
)

// Distributions lists the distribute values, in documentation order.
var Distributions = []string{DistributeNone, DistributeCitus}

// Citus reports whether the project is distributed with Citus.
func (c *Config) Citus() bool { return c.Distribute == DistributeCitus }

// Store configures the organization store (store: in tenantc.yaml). Every
// field has a default; the store is generated only when Enabled.
type Store struct {
	// Enabled turns the store on: its migration and its Go package are
	// generated. Default false.
	Enabled bool
	// Flavor is FlavorNative (default) or FlavorBetterAuth.
	Flavor string
	// Out is the directory of the generated Go package, relative to the
	// project; the package is named after its last element. Default
	// gen/store.
	Out string
	// InvitationTTL is how long an invitation stays valid. Default 48h.
	InvitationTTL time.Duration
	// Reinvite is ReinviteResend (default), ReinviteCancel or ReinviteReject.
	Reinvite string
	// OnOrganizationDelete is OnDeleteDetach (default) or OnDeleteCascade:
	// the bridge foreign key's ON DELETE action.
	OnOrganizationDelete string
	// OnOrganizationDeleteSet is true when tenantc.yaml sets it.
	OnOrganizationDeleteSet bool
	// Limits; 0 (the default) means none.
	Limits StoreLimits
	// Users optionally names the application's users table, so ListMembers
	// returns names and emails in the same query. Users.Table "" means none:
	// the default for the native flavor; the Better Auth flavor defaults to
	// Better Auth's "user" table when the schema has it.
	Users StoreUsers
	// UsersSet is true when tenantc.yaml has a store.users section; the
	// table it names must then exist.
	UsersSet bool
	// RequireEmailVerificationOnInvitation is
	// store.require_email_verification_on_invitation: accepting or rejecting
	// an invitation by id needs the user's email verified (Better Auth's
	// organization option of that name). Default false, Better Auth's
	// default for its own ids; it needs a users table with an
	// email-verified column.
	RequireEmailVerificationOnInvitation bool
	// ServiceRoles are the roles, other than the store's BYPASSRLS role, that
	// may read and write the store's tables: the role Better Auth's service
	// connects as. The store's migration gives each a policy on every table
	// it locks; every other role that obeys RLS (the application's) gets no
	// row. Default none.
	ServiceRoles []string

	// Where values were written, for diagnostics about them; the enclosing
	// key when they came from defaults.
	Pos StorePos
}

// StoreLimits are the store's limits; zero means no limit.
type StoreLimits struct {
	Members              int // members per organization, pending invitations included
	PendingInvitations   int // pending invitations per organization
	OrganizationsPerUser int // organizations one user may create
	// MembersPerTeam is the most members a team may have: Better Auth's
	// teams.maximumMembersPerTeam, so both services refuse the same add.
	MembersPerTeam int
}

// StoreUsers names the users table and its columns as written in
// tenantc.yaml. When the section is present, each column defaults to its key:
// table users, id, name, email; email_verified (a boolean column) has no
// default: "" means the table has none.
type StoreUsers struct {
	Table, ID, Name, Email, EmailVerified string
}

// StorePos locates the store settings in the config file.
type StorePos struct {
	Enabled, Flavor, Out, Users, OnOrganizationDelete, RequireEmailVerification source.Pos
	// ServiceRoles holds one position per entry of store.service_roles.
	ServiceRoles []source.Pos
}

// Default values, documented in README.md.
var defaults = Config{
	Schema:  []string{"schema"},
	Queries: []string{"queries"},
	Tenant:  Tenant{Table: "tenants", Column: "tenant_id", Setting: "app.tenant_id"},
	Migrations: Migrations{
		Dir:    "gen/migrations",
		Format: source.GolangMigrate,
	},
	StandardQueries: StandardQueries{Dir: "gen/queries"},
	Distribute:      DistributeNone,
	Backfill:        Backfill{BatchSize: DefaultBatchSize},
	Roles:           Roles{App: DefaultAppRole, System: DefaultSystemRole, Create: true},
	Store: Store{
		Flavor:        FlavorNative,
		Out:           "gen/store",
		InvitationTTL: 48 * time.Hour,
		Reinvite:      ReinviteResend,
		// Better Auth deletes organizations without asking the Go service:
		// the tenant's data stays unless the project opts in.
		OnOrganizationDelete: OnDeleteDetach,
	},
}

// Default returns the configuration of a project without tenantc.yaml or a
// sqlc config: every default, documented in README.md. tenantc check uses it
// when it is given no project.
func Default() *Config {
	cfg := defaults
	cfg.Schema, cfg.Queries = slices.Clone(defaults.Schema), slices.Clone(defaults.Queries)
	return &cfg
}

// defaultUsers are the users columns when store.users leaves one out.
var defaultUsers = StoreUsers{Table: "users", ID: "id", Name: "name", Email: "email"}

// BetterAuthUsers is Better Auth's own users table, the Better Auth flavor's
// default when the schema has it.
var BetterAuthUsers = StoreUsers{Table: `"user"`, ID: "id", Name: "name", Email: "email", EmailVerified: "emailVerified"}

// fileConfig mirrors tenantc.yaml.
type fileConfig struct {
	Version    int                  `yaml:"version"`
	Schema     stringList           `yaml:"schema"`
	Queries    stringList           `yaml:"queries"`
	Tenant     fileTenant           `yaml:"tenant"`
	Global     []string             `yaml:"global"`
	Migrations fileMigrations       `yaml:"migrations"`
	Store      fileStore            `yaml:"store"`
	Distribute string               `yaml:"distribute"`
	Rules      map[string]yaml.Node `yaml:"rules"`
	// StandardQueries is standard_queries: {dir: …}.
	StandardQueries struct {
		Dir string `yaml:"dir"`
	} `yaml:"standard_queries"`
}

type fileStore struct {
	Enabled                              bool       `yaml:"enabled"`
	Flavor                               string     `yaml:"flavor"`
	Out                                  string     `yaml:"out"`
	InvitationTTL                        string     `yaml:"invitation_ttl"`
	Reinvite                             string     `yaml:"reinvite"`
	OnOrgDelete                          string     `yaml:"on_organization_delete"`
	Limits                               fileLimits `yaml:"limits"`
	Users                                *fileUsers `yaml:"users"`
	ServiceRoles                         []string   `yaml:"service_roles"`
	RequireEmailVerificationOnInvitation bool       `yaml:"require_email_verification_on_invitation"`
}

type fileLimits struct {
	Members              int `yaml:"members"`
	PendingInvitations   int `yaml:"pending_invitations"`
	OrganizationsPerUser int `yaml:"organizations_per_user"`
	MembersPerTeam       int `yaml:"members_per_team"`
}

type fileUsers struct {
	Table         string `yaml:"table"`
	ID            string `yaml:"id"`
	Name          string `yaml:"name"`
	Email         string `yaml:"email"`
	EmailVerified string `yaml:"email_verified"`
}

type fileTenant struct {
	Table   string `yaml:"table"`
	Column  string `yaml:"column"`
	Setting string `yaml:"setting"`
}

type fileMigrations struct {
	Dir    string `yaml:"dir"`
	Format string `yaml:"format"`
}

// stringList accepts a scalar or a sequence, as sqlc does for paths.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// knownKeys lists the keys each mapping of tenantc.yaml may hold.
var knownKeys = map[string][]string{
	"":                 {"version", "schema", "queries", "tenant", "global", "scoped", "backfill", "roles", "migrations", "store", "rules", "standard_queries", "distribute"},
	"standard_queries": {"dir"},
	"tenant":           {"table", "column", "setting"},
	"migrations":       {"dir", "format"},
	"store":            {"enabled", "flavor", "out", "invitation_ttl", "reinvite", "on_organization_delete", "limits", "users", "service_roles", "require_email_verification_on_invitation"},
	"store.limits":     {"members", "pending_invitations", "organizations_per_user", "members_per_team"},
	"store.users":      {"table", "id", "name", "email", "email_verified"},
}

// Load reads the configuration of the project in dir. Problems are returned as a
// diag.ErrorList, each located in the file that holds it.
func Load(dir string) (*Config, error) {
	return LoadFile(dir, "")
}

// LoadFile is Load with the sqlc config named: sqlcFile, relative to dir, is
// read instead of the sqlc.yaml, sqlc.yml or sqlc.json sqlc itself would look
// for (sqlc's -f). Empty means look for them.
func LoadFile(dir, sqlcFile string) (*Config, error) {
	cfg, err := load(dir, sqlcFile)
	if err != nil {
		return nil, err
	}
	if err := resolveMigrations(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

func load(dir, sqlcFile string) (*Config, error) {
	cfg := defaults
	cfg.Dir = dir
	var errs diag.List

	if err := checkProjectDir(dir); err != nil {
		return nil, err
	}
	sq, err := readSQLC(dir, sqlcFile)
	if err != nil {
		return nil, err
	}
	cfg.SQLCFile = sq.file
	cfg.SQLCVersion, cfg.SQLCBlocks = sq.version, sq.blocks
	if sq.schema != nil {
		cfg.Schema, cfg.SchemaPos = sq.schema, sq.schemaPos
	}
	if sq.queries != nil {
		cfg.Queries, cfg.QueriesPos = sq.queries, sq.queriesPos
	}

	content, err := os.ReadFile(filepath.Join(dir, FileName))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &cfg, nil
	case err != nil:
		return nil, err
	}
	cfg.File = FileName
	pos := nodePos(FileName)

	var root yaml.Node
	if err := yaml.Unmarshal(content, &root); err != nil {
		errs.Errorf(source.Pos{File: FileName}, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, diag.ErrorList(errs)
	}
	if len(root.Content) == 0 { // empty file: all defaults
		return &cfg, nil
	}
	// Unknown keys are reported together with the other problems of the file.
	checkKeys(root.Content[0], "", pos, &errs)
	checkLimits(root.Content[0], pos, &errs)
	var fc fileConfig
	if err := root.Content[0].Decode(&fc); err != nil {
		errs.Errorf(pos(root.Content[0]), "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, diag.ErrorList(errs)
	}

	if fc.Version != 1 && valueNode(root.Content[0], "version") != root.Content[0] {
		errs.Errorf(pos(valueNode(root.Content[0], "version")), "version must be 1 (got %d)", fc.Version)
	}
	if fc.Schema != nil {
		cfg.Schema, cfg.SchemaPos = fc.Schema, entryPositions(valueNode(root.Content[0], "schema"), len(fc.Schema), pos)
	}
	if fc.Queries != nil {
		cfg.Queries, cfg.QueriesPos = fc.Queries, entryPositions(valueNode(root.Content[0], "queries"), len(fc.Queries), pos)
	}
	if fc.StandardQueries.Dir != "" {
		cfg.StandardQueries = StandardQueries{Dir: path.Clean(filepath.ToSlash(fc.StandardQueries.Dir)),
			Pos: pos(valueNode(valueNode(root.Content[0], "standard_queries"), "dir"))}
	}
	setString(&cfg.Tenant.Table, fc.Tenant.Table)
	setString(&cfg.Tenant.Column, fc.Tenant.Column)
	setString(&cfg.Tenant.Setting, fc.Tenant.Setting)
	if !validSetting(cfg.Tenant.Setting) {
		errs.Errorf(pos(valueNode(valueNode(root.Content[0], "tenant"), "setting")),
			"tenant.setting %q must be a custom setting name like app.tenant_id (a prefix, a dot, lower-case letters, digits and _)", cfg.Tenant.Setting)
	}
	cfg.Global = fc.Global
	if fc.Tenant.Table != "" { // zero when defaulted: tenancy tells a named root from the default by it
		cfg.TenantTablePos = pos(valueNode(valueNode(root.Content[0], "tenant"), "table"))
	}
	if g := valueNode(root.Content[0], "global"); g != nil && g.Kind == yaml.SequenceNode {
		for _, item := range g.Content {
			cfg.GlobalPos = append(cfg.GlobalPos, pos(item))
		}
	}
	migrations := valueNode(root.Content[0], "migrations")
	cfg.Migrations.DirPos = pos(valueNode(migrations, "dir"))
	cfg.Migrations.FormatPos = pos(valueNode(migrations, "format"))
	cfg.Migrations.DirSet = fc.Migrations.Dir != ""
	cfg.Migrations.FormatSet = fc.Migrations.Format != ""
	setString(&cfg.Migrations.Dir, fc.Migrations.Dir)
	if fc.Migrations.Format != "" {
		f := source.Format(fc.Migrations.Format)
		if !slices.Contains(source.Formats, f) {
			errs.Errorf(pos(valueNode(valueNode(root.Content[0], "migrations"), "format")),
				"unknown migrations.format %q (want plain, goose, golang-migrate, dbmate, sql-migrate or tern)", fc.Migrations.Format)
		}
		cfg.Migrations.Format = f
	}
	loadAdopt(&cfg, root.Content[0], pos, &errs)
	loadStore(&cfg.Store, fc.Store, valueNode(root.Content[0], "store"), pos, &errs)
	loadDistribute(&cfg, fc.Distribute, valueNode(root.Content[0], "distribute"), pos, &errs)
	if len(fc.Rules) > 0 {
		loadRules(&cfg, valueNode(root.Content[0], "rules"), pos, &errs)
	}
	errs.Sort()
	if errs.HasErrors() {
		return nil, diag.ErrorList(errs)
	}
	return &cfg, nil
}

// loadDistribute applies distribute: (n, or the root mapping when absent).
// The organization store is not made for Citus yet: its tables carry
// triggers that Citus refuses on distributed tables, and its own queries
// look members up across tenants, so the two are refused together rather
// than half-distributed.
func loadDistribute(cfg *Config, value string, n *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	cfg.DistributePos = pos(n)
	if value == "" {
		return
	}
	if !slices.Contains(Distributions, value) {
		errs.Errorf(pos(n), "unknown distribute %q (want none or citus)", value)
		return
	}
	cfg.Distribute = value
	if cfg.Citus() && cfg.Store.Enabled {
		errs.Errorf(pos(n), "distribute: citus does not support the organization store (store.enabled: true) yet: "+
			"its tables carry triggers Citus refuses on distributed tables; run the store on a plain PostgreSQL, or turn it off")
	}
}

// loadRules reads rules:, whose entries are either a severity for the whole
// project (key-without-tenant: off) or a severity for some tables only:
//
//	key-without-tenant: {severity: off, tables: [api_keys]}
//
// The second form is for the table a rule is right about in general but not
// for: an api_keys table looked up by its key hash before the tenant is
// known must keep the hash globally unique. Whether each table exists is
// judged once the schema is read (severity.Overrides.UnknownTables).
func loadRules(cfg *Config, rules *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	cfg.Rules = map[string]diag.Severity{}
	cfg.RulePos = map[string]source.Pos{}
	for i := 0; i+1 < len(rules.Content); i += 2 {
		key, val := rules.Content[i], rules.Content[i+1]
		name := key.Value
		cfg.RulePos[name] = pos(key)
		if val.Kind != yaml.MappingNode {
			s, err := parseSeverityNode(val)
			if err != nil {
				errs.Errorf(pos(val), "rules.%s: %v", name, err)
			}
			cfg.Rules[name] = s
			continue
		}
		loadTableRule(cfg, name, val, pos, errs)
	}
}

// parseSeverityNode reads a severity, refusing a list or mapping in its place.
func parseSeverityNode(n *yaml.Node) (diag.Severity, error) {
	if n.Kind != yaml.ScalarNode {
		return diag.Off, errors.New("want a severity (error, warning or off) or {severity: SEVERITY, tables: [TABLE, …]}")
	}
	return diag.ParseSeverity(n.Value)
}

// loadTableRule reads one rule given as {severity: …, tables: […]}.
func loadTableRule(cfg *Config, name string, n *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k != "severity" && k != "tables" {
			errs.Errorf(pos(n.Content[i]), "unknown key %q in rules.%s (known keys here: severity, tables)", k, name)
		}
	}
	sevNode, tablesNode := valueNode(n, "severity"), valueNode(n, "tables")
	if sevNode == n {
		errs.Errorf(pos(n), "rules.%s: severity is missing (error, warning or off)", name)
		return
	}
	sev, err := parseSeverityNode(sevNode)
	if err != nil {
		errs.Errorf(pos(sevNode), "rules.%s.severity: %v", name, err)
		return
	}
	if tablesNode == n {
		// No tables: the severity is the project's, as in the short form.
		cfg.Rules[name] = sev
		return
	}
	if tablesNode.Kind != yaml.SequenceNode || len(tablesNode.Content) == 0 {
		errs.Errorf(pos(tablesNode), "rules.%s.tables: want a list of table names, e.g. [api_keys]", name)
		return
	}
	for _, t := range tablesNode.Content {
		if t.Kind != yaml.ScalarNode || t.Value == "" {
			errs.Errorf(pos(t), "rules.%s.tables: want a table name", name)
			continue
		}
		cfg.TableRules = append(cfg.TableRules, TableRule{Rule: name, Table: t.Value, Severity: sev, Pos: pos(t)})
	}
}

// loadStore applies the store: section (n, or the root mapping when absent)
// over the defaults in st and reports its invalid values.
func loadStore(st *Store, fs fileStore, n *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	at := func(keys ...string) source.Pos {
		v := n
		for _, k := range keys {
			v = valueNode(v, k)
		}
		return pos(v)
	}
	st.Pos = StorePos{Enabled: at("enabled"), Flavor: at("flavor"), Out: at("out"), Users: at("users"),
		OnOrganizationDelete: at("on_organization_delete"), RequireEmailVerification: at("require_email_verification_on_invitation")}
	st.Enabled = fs.Enabled
	st.RequireEmailVerificationOnInvitation = fs.RequireEmailVerificationOnInvitation
	if fs.Flavor != "" {
		if !slices.Contains(Flavors, fs.Flavor) {
			errs.Errorf(st.Pos.Flavor, "unknown store.flavor %q (want %s)", fs.Flavor, strings.Join(Flavors, " or "))
		}
		st.Flavor = fs.Flavor
	}
	if fs.Out != "" {
		out := path.Clean(filepath.ToSlash(fs.Out))
		switch name := path.Base(out); {
		case path.IsAbs(out) || out == ".." || strings.HasPrefix(out, "../"):
			errs.Errorf(st.Pos.Out, "store.out %q must be a directory inside the project", fs.Out)
		case !token.IsIdentifier(name):
			errs.Errorf(st.Pos.Out, "store.out %q: the package is named after the directory, and %q is not a Go identifier", fs.Out, name)
		}
		st.Out = out
	}
	if fs.InvitationTTL != "" {
		d, err := time.ParseDuration(fs.InvitationTTL)
		switch {
		case err != nil:
			errs.Errorf(at("invitation_ttl"), "store.invitation_ttl %q is not a Go duration (e.g. 48h, 90m, 7h30m)", fs.InvitationTTL)
		case d <= 0:
			errs.Errorf(at("invitation_ttl"), "store.invitation_ttl must be positive (got %s)", fs.InvitationTTL)
		}
		st.InvitationTTL = d
	}
	if fs.Reinvite != "" {
		if !slices.Contains(ReinvitePolicies, fs.Reinvite) {
			errs.Errorf(at("reinvite"), "unknown store.reinvite %q (want %s)", fs.Reinvite, strings.Join(ReinvitePolicies, ", "))
		}
		st.Reinvite = fs.Reinvite
	}
	if fs.OnOrgDelete != "" {
		if !slices.Contains(OnDeletePolicies, fs.OnOrgDelete) {
			errs.Errorf(st.Pos.OnOrganizationDelete, "unknown store.on_organization_delete %q (want %s)", fs.OnOrgDelete, strings.Join(OnDeletePolicies, " or "))
		}
		st.OnOrganizationDelete, st.OnOrganizationDeleteSet = fs.OnOrgDelete, true
	}
	for _, l := range []struct {
		key string
		v   int
		dst *int
	}{
		{"members", fs.Limits.Members, &st.Limits.Members},
		{"pending_invitations", fs.Limits.PendingInvitations, &st.Limits.PendingInvitations},
		{"organizations_per_user", fs.Limits.OrganizationsPerUser, &st.Limits.OrganizationsPerUser},
		{"members_per_team", fs.Limits.MembersPerTeam, &st.Limits.MembersPerTeam},
	} {
		if l.v < 0 {
			errs.Errorf(at("limits", l.key), "store.limits.%s must be 0 (no limit) or more (got %d)", l.key, l.v)
		}
		*l.dst = l.v
	}
	if fs.Users != nil {
		st.UsersSet = true
		st.Users = defaultUsers
		setString(&st.Users.Table, fs.Users.Table)
		setString(&st.Users.ID, fs.Users.ID)
		setString(&st.Users.Name, fs.Users.Name)
		setString(&st.Users.Email, fs.Users.Email)
		setString(&st.Users.EmailVerified, fs.Users.EmailVerified)
	}
	loadServiceRoles(st, fs.ServiceRoles, valueNode(n, "service_roles"), pos, errs)
}

// loadServiceRoles checks store.service_roles. Each name is a role the
// migration names in a policy (quoted, so case and punctuation are kept); the
// names PostgreSQL reads as something other than one role are refused, since
// a policy TO public would admit the application role too.
func loadServiceRoles(st *Store, roles []string, n *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	seen := map[string]bool{}
	for i, r := range roles {
		at := pos(n)
		if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
			at = pos(n.Content[i])
		}
		st.Pos.ServiceRoles = append(st.Pos.ServiceRoles, at)
		switch lower := strings.ToLower(r); {
		case r == "":
			errs.Errorf(at, "store.service_roles: a role name cannot be empty")
		case lower == "public" || lower == "none":
			errs.Errorf(at, "store.service_roles: %q is not a role PostgreSQL lets a policy name (public would admit the application role)", r)
		case strings.HasPrefix(lower, "pg_"):
			errs.Errorf(at, "store.service_roles: %q: roles named pg_* are PostgreSQL's own", r)
		case len(r) > maxIdentLen:
			errs.Errorf(at, "store.service_roles: %q is longer than PostgreSQL's %d-byte names", r, maxIdentLen)
		case seen[r]:
			errs.Errorf(at, "store.service_roles: %q is listed twice", r)
		}
		seen[r] = true
		st.ServiceRoles = append(st.ServiceRoles, r)
	}
}

// maxIdentLen is PostgreSQL's NAMEDATALEN - 1: a longer role name would be
// truncated into another.
const maxIdentLen = 63

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// validSetting accepts the custom setting names PostgreSQL allows to be set by
// any role: a dotted name. Keeping to lower case also keeps it safe to write
// into SQL literals of the generated migrations.
func validSetting(s string) bool {
	prefix, rest, ok := strings.Cut(s, ".")
	if !ok || prefix == "" || rest == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func checkKeys(n *yaml.Node, path string, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	if n.Kind != yaml.MappingNode {
		return
	}
	allowed, ok := knownKeys[path]
	if !ok {
		return // free-form mapping, e.g. rules
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		full := key.Value
		if path != "" {
			full = path + "." + key.Value
		}
		if !slices.Contains(allowed, key.Value) {
			errs.Errorf(pos(key), "unknown key %q in %s (known keys here: %s)", full, FileName, strings.Join(allowed, ", "))
			continue
		}
		checkKeys(n.Content[i+1], full, pos, errs)
	}
}

// valueNode returns the value of key in mapping n, or n itself when absent so an
// error still points somewhere near.
// checkLimits reports every store.limits value that is not a whole number
// where it is written, and reads it as 0 so that decoding the file goes on:
// yaml's own error would name neither the key nor its column, and would hide
// the file's other problems.
func checkLimits(root *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	store := valueNode(root, "store")
	if store == root {
		return
	}
	limits := valueNode(store, "limits")
	if limits == store || limits.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(limits.Content); i += 2 {
		key, v := limits.Content[i].Value, limits.Content[i+1]
		if !slices.Contains(knownKeys["store.limits"], key) {
			continue // checkKeys reports it
		}
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" {
			continue
		}
		got := strconv.Quote(v.Value)
		if v.Kind != yaml.ScalarNode {
			got = "a list or mapping"
		}
		errs.Errorf(pos(v), "store.limits.%s must be a whole number, 0 for no limit (got %s)", key, got)
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0", Line: v.Line, Column: v.Column}
	}
}

func valueNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return n
}

// nodePos returns the function locating a node of file.
func nodePos(file string) func(*yaml.Node) source.Pos {
	return func(n *yaml.Node) source.Pos {
		if n == nil {
			return source.Pos{File: file}
		}
		return source.Pos{File: file, Line: n.Line, Col: n.Column}
	}
}

// entryPositions locates each of count entries of a path list: the items of a
// sequence, or the scalar itself.
func entryPositions(n *yaml.Node, count int, pos func(*yaml.Node) source.Pos) []source.Pos {
	out := make([]source.Pos, count)
	for i := range out {
		out[i] = pos(n)
		if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
			out[i] = pos(n.Content[i])
		}
	}
	return out
}
