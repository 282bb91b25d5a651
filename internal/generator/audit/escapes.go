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

// serverFileRoles are the predefined roles whose members act as the server's
// operating-system user, beneath every policy.
var serverFileRoles = []string{"pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"}

// becomable returns the app role and every role it can SET ROLE to,
// inheriting or not: SET ROLE works through a NOINHERIT membership too.
func (a *auditor) becomable() []string {
	return append([]string{a.role}, a.live.MemberOf(a.role)...)
}

// roleEscapes: attributes and memberships that get around row level security
// without BYPASSRLS, held by the app role or any role it can become.
func (a *auditor) roleEscapes() {
	obj := livecat.RoleObject(a.role)
	for _, name := range a.becomable() {
		r := a.live.Role(name)
		if r == nil {
			continue
		}
		who, fix := a.holder(name)
		if r.CreateRole {
			a.report(rule.AppCreateRole, rule.AppCreateRole.Severity, obj,
				fmt.Sprintf("%s has CREATEROLE: %s", who, a.createRoleWhy()),
				fix(fmt.Sprintf("ALTER ROLE %s NOCREATEROLE;  -- create roles from the migration role", catalog.QuoteIdent(name))))
		}
		if r.Replication {
			a.report(rule.AppReplication, rule.AppReplication.Severity, obj,
				fmt.Sprintf("%s has REPLICATION: a replication connection streams every row of every table, and no policy applies to it", who),
				fix(fmt.Sprintf("ALTER ROLE %s NOREPLICATION;  -- replicate as a role of its own", catalog.QuoteIdent(name))))
		}
	}
	for _, fileRole := range serverFileRoles {
		if !slices.Contains(a.live.MemberOf(a.role), fileRole) {
			continue
		}
		var revokes []string
		for _, holder := range a.becomable() {
			if r := a.live.Role(holder); r != nil && slices.ContainsFunc(r.Memberships, func(m livecat.Membership) bool { return m.Role == fileRole }) {
				revokes = append(revokes, fmt.Sprintf("REVOKE %s FROM %s;", fileRole, catalog.QuoteIdent(holder)))
			}
		}
		a.report(rule.AppServerFiles, rule.AppServerFiles.Severity, obj,
			fmt.Sprintf("role %s is a member of %s (SET ROLE works whether the membership inherits or not): it reaches the server's files or programs as the operating-system user, and with them every tenant's rows", a.role, fileRole),
			strings.Join(revokes, "\n"))
	}
}

// holder says which role holds an attribute — the app role or one it can
// become — and wraps the fix for it: for another role, revoking the
// membership also does.
func (a *auditor) holder(name string) (string, func(string) string) {
	if name == a.role {
		return "role " + a.role, func(fix string) string { return fix }
	}
	return fmt.Sprintf("role %s can SET ROLE to %s, which", a.role, name), func(fix string) string {
		return fix + fmt.Sprintf("\nor: REVOKE %s FROM %s;", catalog.QuoteIdent(name), a.quoted())
	}
}

func (a *auditor) createRoleWhy() string {
	if a.live.ServerVersion != 0 && a.live.ServerVersion < 160000 {
		return "on this server (PostgreSQL 15 or older) it can grant itself membership in any role but a superuser — a role with BYPASSRLS, a table's owner — and skip every policy"
	}
	return "it can create roles and grant itself those it administers; before PostgreSQL 16, any role but a superuser, a role with BYPASSRLS included"
}

// rewriteRules: CREATE RULE actions run with the rights of the owner of the
// relation the rule is on, so a rule on or into a protected table reaches
// every tenant's rows whenever its owner bypasses RLS.
func (a *auditor) rewriteRules() {
	for _, rl := range a.live.Rules {
		var touched []string
		if a.protected(rl.Relation) {
			touched = append(touched, rl.Relation.String())
		}
		for _, ref := range rl.Refs {
			if a.protected(ref) && !slices.Contains(touched, ref.String()) {
				touched = append(touched, ref.String())
			}
		}
		if len(touched) == 0 {
			continue
		}
		owner := "its owner"
		if rel := a.live.Relation(rl.Relation); rel != nil {
			owner = "its owner " + rel.Owner
			if a.canBypass(rel.Owner) {
				owner += ", which bypasses row level security"
			}
		}
		do := "ALSO"
		if rl.Instead {
			do = "INSTEAD"
		}
		a.report(rule.ProtectedTableRule, rule.ProtectedTableRule.Severity, livecat.RuleObject(rl),
			fmt.Sprintf("rule %s on %s %s (ON %s DO %s) touches protected table %s: its action runs with the rights of %s, whatever the caller's tenant",
				rl.Name, rl.Kind, rl.Relation, rl.Event, do, strings.Join(touched, ", "), owner),
			fmt.Sprintf("DROP RULE %s ON %s;  -- use a trigger, which runs as the caller, instead", catalog.QuoteIdent(rl.Name), rl.Relation))
	}
}

// protected reports whether n is the tenant root or a scoped table.
func (a *auditor) protected(n catalog.Name) bool {
	t := a.model.Table(n)
	return t != nil && (t.Kind == tenancy.Scoped || t.Kind == tenancy.Root)
}

// settingDefaults: a session default for the tenant setting that a new
// session of the app role starts with.
func (a *auditor) settingDefaults() {
	for _, s := range a.appSettingDefaults() {
		obj := livecat.RoleObject(a.role)
		if s.Role == "" {
			obj = "database " + catalog.QuoteIdent(s.Database)
			if s.Database == "" {
				obj = "role ALL"
			}
		}
		a.report(rule.TenantSettingDefault, rule.TenantSettingDefault.Severity, obj,
			fmt.Sprintf("%s: every new session of role %s starts with %s = %s, so a statement run outside tenant.Run sees that tenant's rows instead of none",
				s.SQL(), a.role, s.Name, s.Value),
			s.ResetSQL())
	}
}

// appSettingDefaults are the defaults for the tenant setting, not empty,
// that a session of the app role in this database starts with.
func (a *auditor) appSettingDefaults() []*livecat.RoleSetting {
	var out []*livecat.RoleSetting
	for _, s := range a.live.Settings {
		if strings.EqualFold(s.Name, a.model.Tenant.Setting) && s.Value != "" && (s.Role == "" || s.Role == a.role) {
			out = append(out, s)
		}
	}
	return out
}

// atConnect reports what a fresh connection of the app role holds in the
// tenant setting, when check's own connection is one and no role or
// database default explains it.
func (a *auditor) atConnect() {
	value := a.freshValue
	if a.connectedAs != a.role || value == "" || len(a.appSettingDefaults()) > 0 {
		return
	}
	a.report(rule.TenantSettingAtConnect, rule.TenantSettingAtConnect.Severity, livecat.RoleObject(a.role),
		fmt.Sprintf("a connection of role %s starts with %s = %s outside any transaction (set by the connection's options, PGOPTIONS or a SET on it): a statement run outside tenant.Run sees that tenant's rows instead of none",
			a.role, a.model.Tenant.Setting, value),
		fmt.Sprintf("remove -c %s=… from the connection string's options (and PGOPTIONS) of the application", a.model.Tenant.Setting))
}
