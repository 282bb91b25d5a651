package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// The roles matrix: with roles: in tenantc.yaml, check verifies what the
// roles migration (package roles) sets up, on whatever set it up — that
// migration, README's hand-written grants, a platform. What the application
// role must not have is judged by the rules above for any project; this is
// what the roles need to work: the system role exists and bypasses RLS, each
// role holds DML on its tables and USAGE on their sequences and schemas, and
// the tables' owner gives the same to what it creates later.

// dml are the privileges the application needs on its tables.
var dml = []string{"SELECT", "INSERT", "UPDATE", "DELETE"}

// matrixRole is one role of the matrix and the tables it needs.
type matrixRole struct {
	name   string
	tables []catalog.Name
}

// roleMatrix applies the roles rules when tenantc.yaml has roles:.
func (a *auditor) roleMatrix() {
	if !a.cfg.Roles.Enabled {
		return
	}
	var app, store []catalog.Name
	for _, t := range a.model.Tables {
		switch {
		case t.PartitionOf != nil: // reached through its parent's grants
		case t.Store && t.Kind != tenancy.Root:
			store = append(store, t.Name)
		case t.Kind == tenancy.Root || t.Kind == tenancy.Scoped || t.Kind == tenancy.Global:
			app = append(app, t.Name)
		}
	}
	roles := []matrixRole{{a.role, app}}
	if sys := a.cfg.Roles.System; sys != "" && sys != a.role {
		if a.systemRole(sys) {
			roles = append(roles, matrixRole{sys, append(slices.Clone(app), store...)})
		}
	}
	for _, r := range roles {
		if rl := a.live.Role(r.name); rl != nil && rl.Superuser {
			continue // holds every privilege (app-role-superuser says what is wrong with that)
		}
		a.matrixGrants(r)
		a.matrixDefaults(r)
	}
}

// systemRole reports the system role's problems and whether it exists.
func (a *auditor) systemRole(sys string) bool {
	obj := livecat.RoleObject(sys)
	q := catalog.QuoteIdent(sys)
	r := a.live.Role(sys)
	if r == nil {
		a.report(rule.SystemRoleMissing, rule.SystemRoleMissing.Severity, obj,
			fmt.Sprintf("the system role %s (roles.system in tenantc.yaml) does not exist", sys),
			fmt.Sprintf("as a superuser: CREATE ROLE %s LOGIN NOSUPERUSER BYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION;  -- then its password, outside version control: \\password %s", q, q))
		return false
	}
	if !r.BypassRLS && !r.Superuser {
		a.report(rule.SystemRoleNotBypassRLS, rule.SystemRoleNotBypassRLS.Severity, obj,
			fmt.Sprintf("the system role %s (roles.system in tenantc.yaml) has no BYPASSRLS: under the policies, with no tenant set, it sees no tenant's rows", sys),
			fmt.Sprintf("as a superuser: ALTER ROLE %s BYPASSRLS;", q))
	}
	return true
}

// matrixGrants: r holds DML on its tables, USAGE on their sequences and on
// their schemas (granted to it, to PUBLIC or to a role whose privileges it
// inherits).
func (a *auditor) matrixGrants(r matrixRole) {
	q := catalog.QuoteIdent(r.name)
	var schemas []string
	for _, n := range r.tables {
		rel := a.live.Relation(n)
		if rel == nil {
			continue
		}
		if !slices.Contains(schemas, n.Schema) {
			schemas = append(schemas, n.Schema)
		}
		if a.live.CanBecome(r.name, rel.Owner) {
			continue // an owner holds everything; app-role-owns-table says what is wrong with it
		}
		if missing := a.lacking(r.name, rel.Grants, dml); len(missing) > 0 {
			kind := a.model.Table(n).Kind.String()
			if a.model.Table(n).Store {
				kind = "a table of the organization store"
			}
			a.report(rule.RoleGrantMissing, rule.RoleGrantMissing.Severity, livecat.TableObject(n),
				fmt.Sprintf("role %s lacks %s on table %s (%s): its queries of the table fail with permission denied", r.name, strings.Join(missing, ", "), n, kind),
				fmt.Sprintf("GRANT %s ON TABLE %s TO %s;", strings.Join(missing, ", "), n, q))
		}
	}
	for _, s := range a.live.Sequences {
		var users []string
		for _, t := range s.Tables {
			if slices.Contains(r.tables, t) {
				users = append(users, t.String())
			}
		}
		if len(users) == 0 || a.live.CanBecome(r.name, s.Owner) {
			continue
		}
		// nextval needs USAGE or UPDATE.
		if len(a.lacking(r.name, s.Grants, []string{"USAGE"})) > 0 && len(a.lacking(r.name, s.Grants, []string{"UPDATE"})) > 0 {
			a.report(rule.RoleGrantMissing, rule.RoleGrantMissing.Severity, livecat.SequenceObject(s.Name),
				fmt.Sprintf("role %s lacks USAGE on sequence %s, behind a column of %s: its inserts fail with permission denied for sequence", r.name, s.Name, strings.Join(users, ", ")),
				fmt.Sprintf("GRANT USAGE, SELECT ON SEQUENCE %s TO %s;", s.Name, q))
		}
	}
	for _, name := range schemas {
		s := a.live.Schema(name)
		if s == nil || a.live.CanBecome(r.name, s.Owner) {
			continue
		}
		if len(a.lacking(r.name, s.Grants, []string{"USAGE"})) > 0 {
			a.report(rule.RoleGrantMissing, rule.RoleGrantMissing.Severity, livecat.SchemaObject(name),
				fmt.Sprintf("role %s lacks USAGE on schema %s: it cannot reach any of its tables", r.name, name),
				fmt.Sprintf("GRANT USAGE ON SCHEMA %s TO %s;", catalog.QuoteIdent(name), q))
		}
	}
}

// lacking returns the privileges of want that role does not hold among
// grants.
func (a *auditor) lacking(role string, grants []livecat.Grant, want []string) []string {
	held := a.live.Holds(role, grants)
	var out []string
	for _, p := range want {
		if !slices.ContainsFunc(held, func(g livecat.Grant) bool { return g.Privilege == p }) {
			out = append(out, p)
		}
	}
	return out
}

// matrixDefaults: for every schema of r's tables and every role owning
// tables of r's there, the tables and sequences that owner creates later
// give r DML and USAGE; and for the application role, none of the
// privileges it must never hold.
func (a *auditor) matrixDefaults(r matrixRole) {
	type key struct{ owner, schema string }
	var seen []key
	for _, n := range r.tables {
		rel := a.live.Relation(n)
		if rel == nil || a.live.CanBecome(r.name, rel.Owner) {
			continue
		}
		k := key{rel.Owner, n.Schema}
		if slices.Contains(seen, k) {
			continue
		}
		seen = append(seen, k)
		obj := livecat.DefaultPrivilegesObject(k.owner, k.schema)
		for _, kind := range []struct {
			code, what, sqlKind string
			want                []string
		}{{"r", "tables", "TABLES", dml}, {"S", "sequences", "SEQUENCES", []string{"USAGE"}}} {
			grants := a.live.DefaultGrants(k.owner, k.schema, kind.code)
			if missing := a.lacking(r.name, grants, kind.want); len(missing) > 0 {
				a.report(rule.RoleDefaultPrivilegesMissing, rule.RoleDefaultPrivilegesMissing.Severity, obj,
					fmt.Sprintf("%s that role %s creates later in schema %s will not give role %s %s: the application is refused them until someone grants it", kind.what, k.owner, k.schema, r.name, strings.Join(missing, ", ")),
					fmt.Sprintf("ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT %s ON %s TO %s;", catalog.QuoteIdent(k.owner), catalog.QuoteIdent(k.schema),
						strings.Join(kind.want, ", "), kind.sqlKind, catalog.QuoteIdent(r.name)))
			}
			if kind.code != "r" || r.name != a.role {
				continue
			}
			var excess []string
			for _, g := range a.live.Reachable(r.name, grants) {
				if slices.Contains(excessPrivileges, g.Privilege) && !slices.Contains(excess, g.Privilege) {
					excess = append(excess, g.Privilege)
				}
			}
			if len(excess) > 0 {
				slices.Sort(excess)
				a.report(rule.AppExcessGrants, rule.AppExcessGrants.Severity, obj,
					fmt.Sprintf("tables that role %s creates later in schema %s will give role %s %s: %s", k.owner, k.schema, r.name, strings.Join(excess, ", "), excessWhy(excess)),
					fmt.Sprintf("ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s REVOKE %s ON TABLES FROM %s;", catalog.QuoteIdent(k.owner), catalog.QuoteIdent(k.schema),
						strings.Join(excess, ", "), catalog.QuoteIdent(r.name)))
			}
		}
	}
}
