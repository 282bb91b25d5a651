package tenancy

import (
	"fmt"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// citusSubselect reports, in Citus mode, a policy p of the protected table t
// whose USING or WITH CHECK holds a sub-select: Citus refuses the policy on a
// distributed table ("unexpected non-SELECT command in SubLink"), so the
// migration that creates it fails on the cluster. tenantc's own policy of the
// earlier (SELECT …) shape is reported by CheckPolicies (vet, check) only:
// generate plans the migration that replaces it. Nothing outside Citus mode,
// and nothing for an expression that does not parse (reported elsewhere).
func citusSubselect(m *Model, t *Table, p *catalog.Policy) diag.List {
	if !m.Tenant.Citus {
		return nil
	}
	var clauses []string
	for _, c := range []struct{ name, expr string }{{"USING", p.Using}, {"WITH CHECK", p.Check}} {
		if has, err := sqlexpr.HasSubLink(c.expr); err == nil && has {
			clauses = append(clauses, c.name+" ("+c.expr+")")
		}
	}
	if len(clauses) == 0 {
		return nil
	}
	msg := fmt.Sprintf("policy %s on %s has a sub-select in %s: with distribute: citus the table is distributed, and Citus refuses a policy with a sub-select on a distributed table (unexpected non-SELECT command in SubLink)",
		p.Name, t.Name, strings.Join(clauses, " and "))
	pred := catalog.QuoteIdent(t.TenantColumn.Name) + " = " + TenantCurrent(m.Tenant)
	fix := fmt.Sprintf("compare the column with the setting without a sub-select (current_setting is stable, so the shards still use it as an index condition), e.g.\nALTER POLICY %s ON %s USING (%s) WITH CHECK (%s);\n-- a condition that needs another table's rows has no place in a policy on Citus: check it in the application",
		catalog.QuoteIdent(p.Name), t.Name, pred, pred)
	if p.Name == PolicyName {
		msg = fmt.Sprintf("policy %s on %s is tenantc's policy of the (SELECT …) shape (%s): with distribute: citus Citus refuses it on a distributed table (unexpected non-SELECT command in SubLink)",
			p.Name, t.Name, strings.Join(clauses, " and "))
		fix = "run tenantc generate: it writes a migration that replaces the policy with\n" +
			fmt.Sprintf("CREATE POLICY %s ON %s AS PERMISSIVE FOR ALL\n    USING (%s)\n    WITH CHECK (%s);", PolicyName, t.Name, pred, pred)
	}
	return diag.List{{Pos: p.Pos, Object: PolicyObject(t.Name, p.Name), Table: t.Name.String(), Severity: rule.CitusPolicySubselect.Severity,
		Rule: rule.CitusPolicySubselect.Name, Message: msg, Fix: fix}}
}

// SetterFunction is the tenant setter's name (package setter plans it in
// Citus mode, in the tenant root's schema): the runtime sets the tenant
// through it. It switches the tenant by design, so checkFunctionBodies does
// not report it; a query that calls it is reported all the same
// (query-function-sets-tenant), as only the runtime may set the tenant.
const SetterFunction = "tenantc_set_tenant"

// isSetter reports whether f is the tenant setter of m: its name, and a body
// that changes settings only as tenantc's does (SET LOCAL of
// citus.propagate_set_commands, one EXECUTE, the search_path SET clause), so a
// function of that name that does more is still reported.
func isSetter(m *Model, f *catalog.Function) bool {
	if !m.Tenant.Citus || f.Name != (catalog.Name{Schema: m.Tenant.Root.Schema, Name: SetterFunction}) {
		return false
	}
	executes := 0
	for _, c := range f.Body.Sets {
		switch {
		case c.Via == "SET LOCAL" && strings.EqualFold(c.Setting, "citus.propagate_set_commands"):
		case c.Via == "SET clause" && strings.EqualFold(c.Setting, "search_path"):
		case c.Via == "EXECUTE" && c.Setting == "":
			executes++
		default:
			return false
		}
	}
	return executes == 1
}
