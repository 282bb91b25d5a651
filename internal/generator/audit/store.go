package audit

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/store"
)

// BridgeTrigger is the trigger the store's migration puts on the tenant
// table so that no role without BYPASSRLS changes the bridge column.
const BridgeTrigger = store.BridgeTrigger

// StoreTables are the tables of the organization store that only the store's
// BYPASSRLS role (and, for Better Auth, its service's roles) may touch: what
// the store's migration locks ([store.Locked]); none when the store is off.
func StoreTables(cfg *config.Config) []catalog.Name {
	if !cfg.Store.Enabled {
		return nil
	}
	return store.Locked(cfg)
}

// storeCommands are the privileges checked on a store table, with the policy
// command that admits each; TRUNCATE ignores row level security.
var storeCommands = []struct{ privilege, command string }{
	{"SELECT", "select"}, {"INSERT", "insert"}, {"UPDATE", "update"}, {"DELETE", "delete"}, {"TRUNCATE", ""},
}

// predefinedGrants are the privileges predefined roles give on every table.
var predefinedGrants = map[string][]string{
	"pg_read_all_data":  {"SELECT"},
	"pg_write_all_data": {"INSERT", "UPDATE", "DELETE"},
}

// storeAccess: what the app role can effectively do to a store table — a
// privilege it holds (itself, through PUBLIC or a role it can become) that
// row level security does not stop.
func (a *auditor) storeAccess() {
	for _, n := range StoreTables(a.cfg) {
		t, rel := a.cat.Table(n), a.live.Relation(n)
		if t == nil || rel == nil || a.model.Table(n) != nil && a.protected(n) {
			continue // missing (other rules say so), or the tenant root itself
		}
		obj := livecat.TableObject(n)
		if a.live.CanBecome(a.role, rel.Owner) {
			a.report(rule.StoreTableAccess, diag.Error, obj,
				fmt.Sprintf("role %s can act as %s, the owner of store table %s: it can turn its row level security off and read and write every organization's rows", a.role, rel.Owner, n),
				fmt.Sprintf("ALTER TABLE %s OWNER TO <migration_role>;  -- a role the application does not connect as", n))
			continue
		}
		var held, why, fix []string
		write := false
		for _, c := range storeCommands {
			grantees := a.holdersOf(rel, c.privilege)
			if len(grantees) == 0 {
				continue
			}
			reason, unblock := a.storeUnblocked(t, c.command)
			if reason == "" {
				continue
			}
			held = append(held, c.privilege)
			write = write || c.privilege != "SELECT"
			if !slices.Contains(why, reason) {
				why = append(why, reason)
			}
			for _, f := range unblock {
				if !slices.Contains(fix, f) {
					fix = append(fix, f)
				}
			}
			if c.privilege == "TRUNCATE" {
				for _, g := range grantees {
					fix = append(fix, fmt.Sprintf("REVOKE TRUNCATE ON TABLE %s FROM %s;", n, g))
				}
			}
		}
		if len(held) == 0 {
			continue
		}
		sev := diag.Warning
		if write {
			sev = diag.Error
		}
		a.report(rule.StoreTableAccess, sev, obj,
			fmt.Sprintf("role %s may %s store table %s (%s): only the store's BYPASSRLS role may touch it, or a tenant can %s",
				a.role, strings.Join(held, ", "), n, strings.Join(why, "; "), storeHarm(write)),
			strings.Join(fix, "\n"))
	}
}

func storeHarm(write bool) string {
	if write {
		return "make itself a member (or owner) of another organization and read its tenant's data"
	}
	return "read every organization's rows"
}

// holdersOf returns the grantees through which the app role holds privilege
// on rel, as REVOKE names them: table grants, column grants of it, and the
// predefined roles that grant it on every table.
func (a *auditor) holdersOf(rel *livecat.Relation, privilege string) []string {
	var out []string
	add := func(g string) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	grants := slices.Clone(rel.Grants)
	for _, col := range slices.Sorted(maps.Keys(rel.ColumnGrants)) {
		grants = append(grants, rel.ColumnGrants[col]...)
	}
	for _, g := range a.live.Reachable(a.role, grants) {
		if g.Privilege == privilege {
			add(g.GranteeSQL())
		}
	}
	for _, r := range a.live.MemberOf(a.role) {
		if slices.Contains(predefinedGrants[r], privilege) {
			add(r)
		}
	}
	return out
}

// storeUnblocked says why row level security does not stop the app role's
// command on t ("" when it does) and the SQL that would. command "" is
// TRUNCATE, which ignores row level security.
func (a *auditor) storeUnblocked(t *catalog.Table, command string) (string, []string) {
	switch {
	case command == "":
		return "TRUNCATE ignores row level security", nil
	case !t.RLSEnabled:
		return "row level security is disabled", []string{
			fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", t.Name),
			fmt.Sprintf("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", t.Name)}
	}
	var names, fix []string
	for _, p := range t.Policies {
		if !p.Permissive || (p.Command != "all" && p.Command != command) || !a.policyApplies(p) {
			continue
		}
		names = append(names, p.Name)
		fix = append(fix, fmt.Sprintf("DROP POLICY %s ON %s;  -- or ALTER POLICY … TO the store's own role", catalog.QuoteIdent(p.Name), t.Name))
	}
	if len(names) == 0 {
		return "", nil
	}
	return "policy " + strings.Join(names, ", ") + " admits it", fix
}

// policyApplies reports whether a policy applies to the app role: it is for
// PUBLIC, the role, or a role the app can become.
func (a *auditor) policyApplies(p *catalog.Policy) bool {
	if len(p.Roles) == 0 {
		return true
	}
	for _, r := range a.becomable() {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// bridge: the app role may update the tenant table's bridge column and no
// enabled trigger guards it.
func (a *auditor) bridge() {
	if !a.cfg.Store.Enabled || a.model.Tenant.Root.Name == "" {
		return
	}
	root := a.model.Table(a.model.Tenant.Root)
	rel := a.live.Relation(a.model.Tenant.Root)
	if root == nil || root.Store || rel == nil || !slices.Contains(rel.Columns, store.BridgeColumn) {
		return // the organizations table is the tenant table: no bridge
	}
	if root.Trigger(BridgeTrigger) != nil && !slices.Contains(rel.InactiveTriggers, BridgeTrigger) {
		return
	}
	var via []string
	if a.live.CanBecome(a.role, rel.Owner) {
		via = append(via, "as the table's owner "+rel.Owner)
	}
	for _, g := range a.live.Reachable(a.role, append(slices.Clone(rel.Grants), rel.ColumnGrants[store.BridgeColumn]...)) {
		if g.Privilege == "UPDATE" && !slices.Contains(via, "granted UPDATE to "+g.GranteeSQL()) {
			via = append(via, "granted UPDATE to "+g.GranteeSQL())
		}
	}
	if len(via) == 0 {
		return
	}
	n := a.model.Tenant.Root
	guard := fmt.Sprintf("no trigger %s guards it", BridgeTrigger)
	fix := fmt.Sprintf("apply the store migration tenantc generate writes: its trigger %s (BEFORE UPDATE OF %s ON %s) refuses the change to every role without BYPASSRLS", BridgeTrigger, store.BridgeColumn, n)
	if slices.Contains(rel.InactiveTriggers, BridgeTrigger) {
		guard = fmt.Sprintf("trigger %s is disabled", BridgeTrigger)
		fix = fmt.Sprintf("ALTER TABLE %s ENABLE TRIGGER %s;", n, BridgeTrigger)
	}
	a.report(rule.BridgeMutable, rule.BridgeMutable.Severity, livecat.ColumnObject(n, store.BridgeColumn),
		fmt.Sprintf("role %s may update %s.%s (%s) and %s: a tenant can point its tenant at another organization", a.role, n, store.BridgeColumn, strings.Join(via, ", "), guard),
		fix)
}

// lockedStore drops rls-without-policy for the store's tables: row level
// security with no policy for the application is how the store locks them.
func lockedStore(diags diag.List, cfg *config.Config) diag.List {
	tables := StoreTables(cfg)
	return slices.DeleteFunc(diags, func(d diag.Diagnostic) bool {
		if d.Rule != rule.RLSWithoutPolicy.Name {
			return false
		}
		n, err := catalog.ParseName(objectOf(d))
		return err == nil && slices.Contains(tables, n)
	})
}
