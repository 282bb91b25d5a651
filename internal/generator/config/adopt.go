package config

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// ScopedTable is one entry of scoped: a table the user declares as belonging
// to a tenant. A declared table that lacks the tenant column gets backfill
// migrations (add the column, fill it, key it) before its RLS migration; one
// that has it already is scoped as usual.
//
//	scoped:
//	  - posts                        # fill through the first foreign key to a scoped table
//	  - {table: comments, via: post_id}
//	  - {table: media, via: default} # every row to backfill.default_tenant
type ScopedTable struct {
	// Table is the table as written ("posts", "blog.posts").
	Table string
	// Via names the foreign-key column whose parent row gives each row its
	// tenant, or ViaDefault for backfill.default_tenant; "" lets tenantc
	// take the path it computes for indirectly-owned tables.
	Via string
	// Pos locates the entry; ViaPos its via: value (Pos when absent).
	Pos, ViaPos source.Pos
}

// ViaDefault as scoped[].via fills every row with backfill.default_tenant.
const ViaDefault = "default"

// Backfill configures the backfill migrations (backfill: in tenantc.yaml).
type Backfill struct {
	// DefaultTenant is the tenant root's key, as SQL would read it unquoted
	// for a number and quoted for text or uuid (tenantc quotes it), that the
	// rows with no scoped parent get: a single-tenant app's existing data
	// all belongs to this one tenant. "" means none: such rows make the
	// backfill fail, naming the table and the count.
	DefaultTenant string
	// BatchSize is how many rows one UPDATE of the backfill fills, each
	// batch committed on its own so row locks stay short. Default
	// DefaultBatchSize.
	BatchSize int
	// Pos locates backfill:; DefaultTenantPos and BatchSizePos its values
	// (Pos when absent).
	Pos, DefaultTenantPos, BatchSizePos source.Pos
}

// DefaultBatchSize is backfill.batch_size when tenantc.yaml leaves it out.
const DefaultBatchSize = 10000

// Roles configures the roles-and-grants migration (roles: in tenantc.yaml);
// off unless the section is present. Passwords are never part of it: the
// migration creates roles without one (set it with ALTER ROLE … PASSWORD, or
// \password in psql, outside version control).
type Roles struct {
	// Enabled is true when tenantc.yaml has a roles: section.
	Enabled bool
	// App is the application role: LOGIN, NOSUPERUSER, NOBYPASSRLS, owns
	// nothing; DML on the scoped and global tables, USAGE on their
	// sequences, nothing on the store's tables. Default app_user.
	App string
	// System is the system role for tenant.NewSystemDB: BYPASSRLS. Default
	// app_system. "" (system: none) leaves it out.
	System string
	// Create is true (the default) when the migration creates a missing
	// role; false only grants to roles that must exist already (created by
	// a superuser or the platform: BYPASSRLS needs a superuser).
	Create bool
	// Pos locates roles:; AppPos, SystemPos and CreatePos its values (Pos
	// when absent).
	Pos, AppPos, SystemPos, CreatePos source.Pos
}

// The default role names, the ones README's setup uses.
const (
	DefaultAppRole    = "app_user"
	DefaultSystemRole = "app_system"
)

type fileScoped struct {
	Table string `yaml:"table"`
	Via   string `yaml:"via"`
}

type fileBackfill struct {
	DefaultTenant string `yaml:"default_tenant"`
	BatchSize     int    `yaml:"batch_size"`
}

type fileRoles struct {
	App    string `yaml:"app"`
	System string `yaml:"system"`
	Create *bool  `yaml:"create"`
}

// adoptKeys are the known keys of scoped entries, backfill: and roles:.
var adoptKeys = map[string][]string{
	"backfill": {"default_tenant", "batch_size"},
	"roles":    {"app", "system", "create"},
}

// loadAdopt reads scoped:, backfill: and roles: from the root mapping.
func loadAdopt(cfg *Config, root *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	loadScoped(cfg, valueNode(root, "scoped"), root, pos, errs)
	loadBackfill(cfg, valueNode(root, "backfill"), root, pos, errs)
	loadRoles(cfg, valueNode(root, "roles"), root, pos, errs)
}

func loadScoped(cfg *Config, n, root *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	if n == root {
		return
	}
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return // "scoped:" with every entry commented out
		}
		errs.Errorf(pos(n), "scoped: want a list of tables, e.g. [posts, {table: comments, via: post_id}]")
		return
	}
	seen := map[string]bool{}
	for _, item := range n.Content {
		var e ScopedTable
		e.Pos, e.ViaPos = pos(item), pos(item)
		switch item.Kind {
		case yaml.ScalarNode:
			e.Table = item.Value
		case yaml.MappingNode:
			for i := 0; i+1 < len(item.Content); i += 2 {
				if k := item.Content[i].Value; k != "table" && k != "via" {
					errs.Errorf(pos(item.Content[i]), "unknown key %q in a scoped entry (known keys here: table, via)", k)
				}
			}
			var fs fileScoped
			if err := item.Decode(&fs); err != nil {
				errs.Errorf(pos(item), "scoped: %s", strings.TrimPrefix(err.Error(), "yaml: "))
				continue
			}
			e.Table, e.Via = fs.Table, fs.Via
			if v := valueNode(item, "via"); v != item {
				e.ViaPos = pos(v)
				if fs.Via == "" {
					errs.Errorf(e.ViaPos, "scoped: via must name a foreign-key column of %s, or be %q", fs.Table, ViaDefault)
				}
			}
		default:
			errs.Errorf(pos(item), "scoped: want a table name or {table: TABLE, via: COLUMN}")
			continue
		}
		switch {
		case e.Table == "":
			errs.Errorf(e.Pos, "scoped: an entry needs a table name")
			continue
		case seen[e.Table]:
			errs.Errorf(e.Pos, "scoped: %s is listed twice", e.Table)
		case slices.Contains(cfg.Global, e.Table):
			errs.Errorf(e.Pos, "scoped: %s is also listed under global:; a table belongs to a tenant or to every tenant, not both", e.Table)
		}
		seen[e.Table] = true
		cfg.Scoped = append(cfg.Scoped, e)
	}
}

func loadBackfill(cfg *Config, n, root *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	cfg.Backfill = Backfill{BatchSize: DefaultBatchSize, Pos: pos(n)}
	cfg.Backfill.DefaultTenantPos, cfg.Backfill.BatchSizePos = cfg.Backfill.Pos, cfg.Backfill.Pos
	if n == root {
		return
	}
	if n.Kind != yaml.MappingNode {
		errs.Errorf(pos(n), "backfill: want a mapping, e.g. {default_tenant: 1, batch_size: 10000}")
		return
	}
	checkKeysIn(n, "backfill", adoptKeys["backfill"], pos, errs)
	if v := valueNode(n, "batch_size"); v != n {
		cfg.Backfill.BatchSizePos = pos(v)
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
			errs.Errorf(pos(v), "backfill.batch_size must be a whole number of rows (got %q)", v.Value)
			*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0", Line: v.Line, Column: v.Column}
		}
	}
	var fb fileBackfill
	if err := n.Decode(&fb); err != nil {
		errs.Errorf(pos(n), "backfill: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	if v := valueNode(n, "default_tenant"); v != n {
		cfg.Backfill.DefaultTenantPos = pos(v)
		if v.Kind != yaml.ScalarNode || fb.DefaultTenant == "" {
			errs.Errorf(pos(v), "backfill.default_tenant: want the key of the tenant the existing rows belong to (a row of %s)", cfg.Tenant.Table)
		}
	}
	cfg.Backfill.DefaultTenant = fb.DefaultTenant
	if valueNode(n, "batch_size") != n {
		if fb.BatchSize <= 0 && !errs.HasErrors() {
			errs.Errorf(cfg.Backfill.BatchSizePos, "backfill.batch_size must be 1 or more (got %d)", fb.BatchSize)
		}
		if fb.BatchSize > 0 {
			cfg.Backfill.BatchSize = fb.BatchSize
		}
	}
}

func loadRoles(cfg *Config, n, root *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	cfg.Roles = Roles{App: DefaultAppRole, System: DefaultSystemRole, Create: true, Pos: pos(n)}
	cfg.Roles.AppPos, cfg.Roles.SystemPos, cfg.Roles.CreatePos = cfg.Roles.Pos, cfg.Roles.Pos, cfg.Roles.Pos
	if n == root {
		return
	}
	cfg.Roles.Enabled = true
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "roles:" alone: the defaults
	}
	if n.Kind != yaml.MappingNode {
		errs.Errorf(pos(n), "roles: want a mapping, e.g. {app: app_user, system: app_system}")
		return
	}
	checkKeysIn(n, "roles", adoptKeys["roles"], pos, errs)
	var fr fileRoles
	if err := n.Decode(&fr); err != nil {
		errs.Errorf(pos(n), "roles: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	if v := valueNode(n, "app"); v != n {
		cfg.Roles.AppPos = pos(v)
		cfg.Roles.App = fr.App
		checkRoleName(fr.App, "roles.app", cfg.Roles.AppPos, errs)
	}
	if v := valueNode(n, "system"); v != n {
		cfg.Roles.SystemPos = pos(v)
		cfg.Roles.System = fr.System
		if strings.EqualFold(fr.System, "none") {
			cfg.Roles.System = ""
		} else {
			checkRoleName(fr.System, "roles.system", cfg.Roles.SystemPos, errs)
		}
	}
	if v := valueNode(n, "create"); v != n {
		cfg.Roles.CreatePos = pos(v)
		if fr.Create != nil {
			cfg.Roles.Create = *fr.Create
		}
	}
	if cfg.Roles.App != "" && cfg.Roles.App == cfg.Roles.System {
		errs.Errorf(cfg.Roles.SystemPos, "roles.system must differ from roles.app: the application role must obey the policies, the system role bypasses them")
	}
}

// checkRoleName refuses the names PostgreSQL reads as something other than
// one ordinary role.
func checkRoleName(r, key string, at source.Pos, errs *diag.List) {
	switch lower := strings.ToLower(r); {
	case r == "":
		errs.Errorf(at, "%s: a role name cannot be empty", key)
	case lower == "public" || lower == "none" || lower == "current_user" || lower == "session_user" || lower == "current_role":
		errs.Errorf(at, "%s: %q is not a role name PostgreSQL can grant to", key, r)
	case strings.HasPrefix(lower, "pg_"):
		errs.Errorf(at, "%s: %q: roles named pg_* are PostgreSQL's own", key, r)
	case len(r) > maxIdentLen:
		errs.Errorf(at, "%s: %q is longer than PostgreSQL's %d-byte names", key, r, maxIdentLen)
	}
}

// checkKeysIn reports the keys of mapping n that are not in allowed.
func checkKeysIn(n *yaml.Node, path string, allowed []string, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
			errs.Errorf(pos(k), "unknown key %q in %s (known keys here: %s)", path+"."+k.Value, FileName, strings.Join(allowed, ", "))
		}
	}
}
