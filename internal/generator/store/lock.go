package store

import (
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
)

// Names of what the store's migration writes to lock the store's tables and
// guard the tenant bridge. Later runs (and tenantc check) recognise them by
// these names, so they never change.
const (
	// ServicePolicy is the policy on every locked table that admits the
	// configured service roles (store.service_roles) and no other role.
	ServicePolicy = "tenantc_store_service"
	// BridgeTrigger is the trigger on the tenant table that refuses to set or
	// change its org_id for every role that does not bypass RLS.
	BridgeTrigger = "tenantc_bridge_immutable"
	// BridgeFunction is the trigger function BridgeTrigger runs, in the
	// tenant table's schema.
	BridgeFunction = "tenantc_forbid_bridge_change"
	// InvariantTrigger is one of the triggers on Better Auth's member table
	// that hold the store's invariants whoever writes (an organization keeps
	// an owner, one membership per user and organization); a schema without
	// it gets them (tenantc_store_invariants).
	InvariantTrigger = "tenantc_member_keeps_owner_delete"
)

// Owned returns every table the store reads or writes under cfg: its own
// tables (Tables), those of the flavor's owner (Better Auth's user, session,
// account, verification) and the users table of store.users. The tenancy
// analysis classifies them as the store's (Config.Store). Names absent from
// a schema are to be ignored.
func Owned(cfg *config.Config) []catalog.Name {
	return owned(cfg.Store)
}

// Locked returns the tables the store's migration locks under cfg: Owned less
// the tenant root, whose tenant policy protects it instead. Only the store's
// BYPASSRLS role and ServiceRoles reach a row of them; an application role
// holding any privilege on one of them is a misconfiguration. Names absent
// from a schema (an optional table Better Auth did not create) are to be
// ignored.
func Locked(cfg *config.Config) []catalog.Name {
	return locked(cfg.Store, cfg.Tenant.Table)
}

// ServiceRoles returns the roles the store's migration admits to every
// locked table besides the store's BYPASSRLS role, as PostgreSQL names them.
func ServiceRoles(cfg *config.Config) []string {
	return slices.Clone(cfg.Store.ServiceRoles)
}

func owned(st config.Store) []catalog.Name {
	out := Tables(st.Flavor)
	if u, ok := usersTable(st); ok && !slices.Contains(out, u) {
		out = append(out, u)
	}
	return out
}

func locked(st config.Store, root string) []catalog.Name {
	out := owned(st)
	if r, err := catalog.ParseName(root); err == nil {
		out = slices.DeleteFunc(out, func(n catalog.Name) bool { return n == r })
	}
	return out
}

// usersTable is the users table the store reads names and emails from:
// store.users.table, or the flavor's default.
func usersTable(st config.Store) (catalog.Name, bool) {
	u := flavorOf(st.Flavor).users
	if st.UsersSet {
		u = st.Users
	}
	if u.Table == "" {
		return catalog.Name{}, false
	}
	n, err := catalog.ParseName(u.Table)
	return n, err == nil
}

// lockdown is what the migration writes to lock the store's tables and
// guard the bridge: only what the schema lacks.
type lockdown struct {
	Tables []lockTable
	// Policy is ServicePolicy; Roles, the quoted service roles joined for a
	// TO clause ("" for none).
	Policy, Roles string
	// Guard is the bridge trigger to create; nil when the schema has it or
	// there is no bridge.
	Guard *guard
}

// lockTable is one locked table and the statements it needs.
type lockTable struct {
	Name                     string // quoted
	Enable, Force            bool
	DropPolicy, CreatePolicy bool
	// Created: the same migration creates the table (and its down part drops it).
	Created bool
}

// guard is the bridge trigger on the tenant table.
type guard struct {
	Table, Trigger, Function string
	Fn                       guardFn
}

// guardFn is the data of the bridge guard function's template: its quoted
// name and the migration format's annotations around its body.
type guardFn struct {
	Function, StatementBegin, StatementEnd string
}

func (l lockdown) empty() bool { return len(l.Tables) == 0 && l.Guard == nil }

// planLockdown works out what the locked tables lack. creating holds the
// tables this run's migration creates (not yet in cat); bridge is the tenant
// table when the store bridges to it.
func planLockdown(cat *catalog.Catalog, tables []catalog.Name, creating []catalog.Name, roles []string, bridge *catalog.Table) lockdown {
	l := lockdown{Policy: ServicePolicy, Roles: quoteRoles(roles)}
	for _, n := range tables {
		ct := cat.Table(n)
		if ct == nil && !slices.Contains(creating, n) {
			continue // an optional table the schema lacks
		}
		lt := lockTable{Name: n.String(), Enable: true, Force: true, CreatePolicy: len(roles) > 0, Created: ct == nil}
		if ct != nil {
			lt.Enable, lt.Force = !ct.RLSEnabled, !ct.RLSForced
			p := ct.Policy(ServicePolicy)
			lt.DropPolicy = p != nil && !servicePolicyIs(p, roles)
			lt.CreatePolicy = len(roles) > 0 && (p == nil || lt.DropPolicy)
		}
		if lt.Enable || lt.Force || lt.DropPolicy || lt.CreatePolicy {
			l.Tables = append(l.Tables, lt)
		}
	}
	if bridge != nil && bridge.Trigger(BridgeTrigger) == nil {
		l.Guard = &guard{
			Table:    bridge.Name.String(),
			Trigger:  BridgeTrigger,
			Function: catalog.Name{Schema: bridge.Name.Schema, Name: BridgeFunction}.String(),
		}
	}
	return l
}

// servicePolicyIs reports whether p is the service policy for exactly roles.
func servicePolicyIs(p *catalog.Policy, roles []string) bool {
	return p.Permissive && p.Command == "all" && p.Using == "true" && p.Check == "true" &&
		slices.Equal(slices.Sorted(slices.Values(p.Roles)), slices.Sorted(slices.Values(roles)))
}

// quoteRoles quotes every role, always: a policy's role list reads
// current_user, session_user and other keywords unquoted as something other
// than the role of that name.
func quoteRoles(roles []string) string {
	q := make([]string, len(roles))
	for i, r := range roles {
		q[i] = `"` + strings.ReplaceAll(r, `"`, `""`) + `"`
	}
	return strings.Join(q, ", ")
}
