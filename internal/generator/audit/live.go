package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// auditor applies the live-only rules.
type auditor struct {
	model *tenancy.Model
	cat   *catalog.Catalog
	live  *livecat.Live
	role  string
	cfg   *config.Config
	// connectedAs and freshValue are check's own connection's role and the
	// tenant setting it held before check ran anything in a transaction.
	connectedAs, freshValue string
	diags                   diag.List
}

func (a *auditor) report(r rule.Rule, sev diag.Severity, object, msg, fix string) {
	a.diags.Add(diag.Diagnostic{Object: object, Severity: sev, Rule: r.Name, Message: msg, Fix: fix})
}

func (a *auditor) rules() diag.List {
	a.roleAttributes()
	a.ownership()
	a.grants()
	a.definers()
	a.materializedViews()
	a.foreignTables()
	a.drift()
	a.roleEscapes()
	a.rewriteRules()
	a.settingDefaults()
	a.roleMatrix()
	a.storeAccess()
	a.bridge()
	a.atConnect()
	return a.diags
}

// quoted is the app role as SQL names it.
func (a *auditor) quoted() string { return catalog.QuoteIdent(a.role) }

// roleAttributes: the app role, or a role it can become, skips RLS.
func (a *auditor) roleAttributes() {
	r := a.live.Role(a.role)
	obj := livecat.RoleObject(a.role)
	switch {
	case r.Superuser:
		a.report(rule.AppSuperuser, rule.AppSuperuser.Severity, obj,
			fmt.Sprintf("role %s is a superuser: it ignores every policy, FORCE ROW LEVEL SECURITY included, and sees every tenant's rows", a.role),
			fmt.Sprintf("ALTER ROLE %s NOSUPERUSER;  -- run migrations as another role", a.quoted()))
	case r.BypassRLS:
		a.report(rule.AppBypassRLS, rule.AppBypassRLS.Severity, obj,
			fmt.Sprintf("role %s has BYPASSRLS: it ignores every policy and sees every tenant's rows", a.role),
			fmt.Sprintf("ALTER ROLE %s NOBYPASSRLS;  -- keep BYPASSRLS for a separate role (tenant.System)", a.quoted()))
	}
	for _, name := range a.live.MemberOf(a.role) {
		m := a.live.Role(name)
		if m == nil {
			continue
		}
		revoke := fmt.Sprintf("REVOKE %s FROM %s;", catalog.QuoteIdent(name), a.quoted())
		switch {
		case m.Superuser:
			a.report(rule.AppSuperuser, rule.AppSuperuser.Severity, obj,
				fmt.Sprintf("role %s is a member of superuser %s: after SET ROLE %s it ignores every policy", a.role, name, name), revoke)
		case m.BypassRLS:
			a.report(rule.AppBypassRLS, rule.AppBypassRLS.Severity, obj,
				fmt.Sprintf("role %s is a member of %s, which has BYPASSRLS: after SET ROLE %s it ignores every policy", a.role, name, name), revoke)
		}
	}
}

// ownership: the app role owns a protected table, or can become its owner.
func (a *auditor) ownership() {
	for _, t := range a.model.Protected() {
		rel := a.live.Relation(t.Name)
		if rel == nil || !a.live.CanBecome(a.role, rel.Owner) {
			continue
		}
		if rel.Owner == a.role {
			a.report(rule.AppOwnsTable, rule.AppOwnsTable.Severity, livecat.TableObject(t.Name),
				fmt.Sprintf("role %s owns protected table %s: it can disable the table's row level security or drop its policy", a.role, t.Name),
				fmt.Sprintf("ALTER TABLE %s OWNER TO <migration_role>;  -- a role the application does not connect as", t.Name))
			continue
		}
		a.report(rule.AppOwnsTable, rule.AppOwnsTable.Severity, livecat.TableObject(t.Name),
			fmt.Sprintf("role %s is a member of %s, the owner of protected table %s: it can act as the owner and disable the table's row level security", a.role, rel.Owner, t.Name),
			fmt.Sprintf("REVOKE %s FROM %s;", catalog.QuoteIdent(rel.Owner), a.quoted()))
	}
}

// excessPrivileges are the table privileges an application role never needs
// on a protected table.
var excessPrivileges = []string{"TRUNCATE", "REFERENCES", "TRIGGER"}

// grants: privileges beyond what the application needs.
func (a *auditor) grants() {
	for _, t := range a.model.Protected() {
		rel := a.live.Relation(t.Name)
		if rel == nil || a.live.CanBecome(a.role, rel.Owner) {
			continue // an owner holds everything; app-role-owns-table says so
		}
		a.excess(livecat.TableObject(t.Name), "table "+t.Name.String(), "TABLE "+t.Name.String(), rel.Grants, excessPrivileges)
	}
	for _, s := range a.live.Schemas {
		obj := livecat.SchemaObject(s.Name)
		if a.live.CanBecome(a.role, s.Owner) {
			a.report(rule.AppExcessGrants, rule.AppExcessGrants.Severity, obj,
				fmt.Sprintf("role %s can act as %s, the owner of schema %s: it can create objects there (functions and tables that shadow yours) and drop what is in it", a.role, s.Owner, s.Name),
				fmt.Sprintf("ALTER SCHEMA %s OWNER TO <migration_role>;", catalog.QuoteIdent(s.Name)))
			continue
		}
		a.excess(obj, "schema "+s.Name, "SCHEMA "+catalog.QuoteIdent(s.Name), s.Grants, []string{"CREATE"})
	}
}

// excess reports the privileges of privs the app role holds on an object —
// granted to it, to PUBLIC or to any role it can SET ROLE to — with the
// REVOKE for each grantee that gives them.
func (a *auditor) excess(obj, what, on string, grants []livecat.Grant, privs []string) {
	var held []string
	byGrantee := map[string][]string{}
	var grantees []string
	for _, g := range a.live.Reachable(a.role, grants) {
		if !slices.Contains(privs, g.Privilege) {
			continue
		}
		if !slices.Contains(held, g.Privilege) {
			held = append(held, g.Privilege)
		}
		key := g.GranteeSQL()
		if byGrantee[key] == nil {
			grantees = append(grantees, key)
		}
		if !slices.Contains(byGrantee[key], g.Privilege) {
			byGrantee[key] = append(byGrantee[key], g.Privilege)
		}
	}
	if len(held) == 0 {
		return
	}
	slices.Sort(held)
	slices.Sort(grantees)
	var via []string
	var fix []string
	for _, g := range grantees {
		if g != a.quoted() {
			via = append(via, g)
		}
		ps := byGrantee[g]
		slices.Sort(ps)
		fix = append(fix, fmt.Sprintf("REVOKE %s ON %s FROM %s;", strings.Join(ps, ", "), on, g))
	}
	msg := fmt.Sprintf("role %s holds %s on %s", a.role, strings.Join(held, ", "), what)
	if len(via) > 0 {
		msg += " (granted to " + strings.Join(via, ", ") + ")"
	}
	msg += ": " + excessWhy(held)
	a.report(rule.AppExcessGrants, rule.AppExcessGrants.Severity, obj, msg, strings.Join(fix, "\n"))
}

func excessWhy(held []string) string {
	why := map[string]string{
		"TRUNCATE":   "TRUNCATE ignores row level security and empties every tenant's rows",
		"REFERENCES": "REFERENCES lets it create foreign keys whose checks ignore row level security and reveal other tenants' keys",
		"TRIGGER":    "TRIGGER lets it attach code that runs on every tenant's writes",
		"CREATE":     "CREATE lets it add functions and tables that shadow yours for other roles",
	}
	parts := make([]string, len(held))
	for i, p := range held {
		parts[i] = why[p]
	}
	return strings.Join(parts, "; ")
}

// canBypass reports whether a role skips row level security by itself.
func (a *auditor) canBypass(role string) bool {
	r := a.live.Role(role)
	return r != nil && (r.Superuser || r.BypassRLS)
}

// definers: SECURITY DEFINER functions that can be hijacked or that the
// application can call. A function owned by a role that obeys the policies
// (no superuser, no BYPASSRLS) cannot read across tenants through them: its
// findings are warnings.
func (a *auditor) definers() {
	for _, f := range a.live.Functions {
		if !f.SecurityDefiner || f.Owner == a.role {
			continue // the application's own function runs with its own rights anyway
		}
		sev := diag.Error
		owner := fmt.Sprintf("its owner %s", f.Owner)
		if a.canBypass(f.Owner) {
			owner += ", which bypasses row level security"
		} else {
			sev = diag.Warning
		}
		obj := livecat.FunctionObject(f)
		kind := "FUNCTION"
		if f.Procedure {
			kind = "PROCEDURE"
		}
		if f.SearchPath == "" {
			a.report(rule.DefinerSearchPath, sev, obj,
				fmt.Sprintf("%s is SECURITY DEFINER without a fixed search_path: the caller's search_path decides which tables and functions its names mean, and they run with the rights of %s", obj, owner),
				fmt.Sprintf("ALTER %s %s SET search_path = pg_catalog, pg_temp;  -- and schema-qualify the names it uses", kind, f.Signature()))
		} else if writable := a.writableSchemas(f.SearchPath); len(writable) > 0 {
			a.report(rule.DefinerSearchPath, sev, obj,
				fmt.Sprintf("%s is SECURITY DEFINER with search_path %s, and role %s can create objects in %s: they would shadow the names it uses, and run with the rights of %s", obj, f.SearchPath, a.role, strings.Join(writable, ", "), owner),
				fmt.Sprintf("ALTER %s %s SET search_path = pg_catalog, pg_temp;  -- and schema-qualify the names it uses", kind, f.Signature()))
		}
		if f.Trigger {
			continue // fires only as a trigger; nobody calls it
		}
		var via []string
		for _, g := range a.live.Reachable(a.role, f.Grants) {
			if g.Privilege == "EXECUTE" && !slices.Contains(via, g.GranteeSQL()) {
				via = append(via, g.GranteeSQL())
			}
		}
		if len(via) == 0 {
			continue
		}
		a.report(rule.DefinerExecutable, sev, obj,
			fmt.Sprintf("role %s may execute %s (granted to %s), which is SECURITY DEFINER: it runs with the rights of %s, whatever the caller's tenant", a.role, obj, strings.Join(via, ", "), owner),
			fmt.Sprintf("REVOKE EXECUTE ON %s %s FROM %s;  -- or make it SECURITY INVOKER", kind, f.Signature(), strings.Join(via, ", ")))
	}
}

// writableSchemas returns the schemas of a search_path value the app role
// can create objects in.
func (a *auditor) writableSchemas(searchPath string) []string {
	var out []string
	for _, part := range strings.Split(searchPath, ",") {
		name := strings.TrimSpace(part)
		if strings.HasPrefix(name, `"`) && strings.HasSuffix(name, `"`) && len(name) >= 2 {
			name = strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
		}
		s := a.live.Schema(name)
		if s == nil {
			continue
		}
		if a.live.CanBecome(a.role, s.Owner) || slices.ContainsFunc(a.live.Reachable(a.role, s.Grants), func(g livecat.Grant) bool { return g.Privilege == "CREATE" }) {
			out = append(out, name)
		}
	}
	return out
}

// readable reports whether the app role can SELECT from a relation: it owns
// it (or can become its owner) or holds SELECT on it, itself or through a
// role it can SET ROLE to.
func (a *auditor) readable(rel *livecat.Relation) (bool, string) {
	if a.live.CanBecome(a.role, rel.Owner) {
		return true, "as its owner"
	}
	for _, g := range a.live.Reachable(a.role, rel.Grants) {
		if g.Privilege == "SELECT" {
			return true, "granted SELECT to " + g.GranteeSQL()
		}
	}
	return false, ""
}

// materializedViews: stored copies of protected rows the application reads.
func (a *auditor) materializedViews() {
	for _, v := range a.cat.Views {
		if !v.Materialized {
			continue
		}
		reads := a.protectedReads(v, map[catalog.Name]bool{})
		rel := a.live.Relation(v.Name)
		if len(reads) == 0 || rel == nil {
			continue
		}
		ok, how := a.readable(rel)
		if !ok {
			continue
		}
		names := make([]string, len(reads))
		for i, r := range reads {
			names[i] = r.String()
		}
		a.report(rule.MatviewTenantData, rule.MatviewTenantData.Severity, livecat.RelationObject(livecat.KindMaterializedView, v.Name),
			fmt.Sprintf("materialized view %s stores rows of %s with no row level security, and role %s can read it (%s): every tenant reads every tenant's copy", v.Name, strings.Join(names, ", "), a.role, how),
			fmt.Sprintf("REVOKE SELECT ON %s FROM %s;  -- or replace it with a view WITH (security_invoker = true)", v.Name, a.quoted()))
	}
}

// protectedReads returns the protected tables v reads, directly or through
// other views.
func (a *auditor) protectedReads(v *catalog.View, seen map[catalog.Name]bool) []catalog.Name {
	var out []catalog.Name
	seen[v.Name] = true
	add := func(n catalog.Name) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, r := range v.Reads {
		if t := a.model.Table(r); t != nil && (t.Kind == tenancy.Scoped || t.Kind == tenancy.Root) {
			add(r)
			continue
		}
		for _, inner := range a.cat.Views {
			if inner.Name == r && !seen[r] {
				for _, n := range a.protectedReads(inner, seen) {
					add(n)
				}
			}
		}
	}
	return out
}

// foreignTables: tables RLS cannot protect.
func (a *auditor) foreignTables() {
	global := map[catalog.Name]bool{}
	for _, g := range a.cfg.Global {
		if n, err := catalog.ParseName(g); err == nil {
			global[n] = true
		}
	}
	for _, rel := range a.live.Relations {
		if rel.Kind != livecat.KindForeignTable {
			continue
		}
		ok, how := a.readable(rel)
		if !ok {
			continue
		}
		obj := livecat.RelationObject(rel.Kind, rel.Name)
		fix := fmt.Sprintf("REVOKE SELECT ON %s FROM %s;  -- and read it through a role that filters by tenant", rel.Name, a.quoted())
		switch {
		case a.model.Tenant.Column != "" && slices.Contains(rel.Columns, a.model.Tenant.Column):
			a.report(rule.ForeignTableData, rule.ForeignTableData.Severity, obj,
				fmt.Sprintf("foreign table %s (server %s) has the tenant column %s but cannot have row level security, and role %s can read it (%s): every tenant reads all of its rows", rel.Name, rel.Server, a.model.Tenant.Column, a.role, how), fix)
		case !global[rel.Name]:
			a.report(rule.ForeignTableData, diag.Warning, obj,
				fmt.Sprintf("foreign table %s (server %s) cannot have row level security and is not declared global, and role %s can read it (%s): every tenant reads all of its rows", rel.Name, rel.Server, a.role, how),
				fix+"\nor, if every tenant may read it, add it to global: in tenantc.yaml")
		}
	}
}

// drift: a table with the tenant column that has no row level security at all.
func (a *auditor) drift() {
	for _, t := range a.model.Tables {
		if t.Kind != tenancy.Scoped || t.RLSEnabled || len(t.Policies) > 0 {
			continue
		}
		a.report(rule.TenantColumnNoRLS, rule.TenantColumnNoRLS.Severity, livecat.TableObject(t.Name),
			fmt.Sprintf("table %s has the tenant column %s but no row level security and no policy: it was added outside tenantc, and every tenant reads and writes all of it", t.Name, t.TenantColumn.Name),
			"run tenantc generate and apply the migration it writes for the table; it holds:\n"+
				fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;\nALTER TABLE %s FORCE ROW LEVEL SECURITY;\n", t.Name, t.Name)+
				fmt.Sprintf("CREATE POLICY %s ON %s AS PERMISSIVE FOR ALL\n    USING (%s = %s)\n    WITH CHECK (%s = %s);",
					tenancy.PolicyName, t.Name, catalog.QuoteIdent(t.TenantColumn.Name), tenancy.TenantCurrent(a.model.Tenant),
					catalog.QuoteIdent(t.TenantColumn.Name), tenancy.TenantCurrent(a.model.Tenant)))
	}
}
