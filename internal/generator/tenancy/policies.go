package tenancy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// CheckPolicies judges the row level security of every table of m as the catalog
// has it: RLS enabled and forced on every protected table (the root and every
// scoped table, partitions included), a tenant policy that is indexable, read
// once per query, fails closed and cannot be bypassed, and nothing OR-ed with it.
// It does not plan anything: tenantc vet runs it on the SQL as written, tenantc
// check on a catalog read from a live database. Diagnostics carry the table's or
// the policy's Pos (empty for a live catalog) and Object; they are sorted.
func CheckPolicies(m *Model) diag.List {
	if m == nil {
		return nil
	}
	c := &policyCheck{model: m}
	for _, t := range m.Tables {
		if t.Kind == Root || t.Kind == Scoped {
			c.protected(t)
		} else if !t.RLSEnabled && len(t.Policies) > 0 {
			c.report(rule.RLSDisabled, t, nil, fmt.Sprintf("table %s has policies but row level security is not enabled: PostgreSQL ignores them and every role reads and writes every row", t.Name),
				fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", t.Name))
		} else if t.RLSEnabled && len(t.Policies) == 0 && !t.Store {
			// A store table with no policy is locked on purpose: only the
			// store's BYPASSRLS role reaches it.
			c.report(rule.RLSWithoutPolicy, t, nil, fmt.Sprintf("table %s has row level security enabled but no policy: no role that obeys RLS can read or write a row of it", t.Name),
				fmt.Sprintf("ALTER TABLE %s DISABLE ROW LEVEL SECURITY;  -- if every tenant may use it, or add the policy it needs", t.Name))
		}
	}
	c.diags.Sort()
	return c.diags
}

type policyCheck struct {
	model *Model
	diags diag.List
}

// PolicyObject names a policy as diagnostics' Object does.
func PolicyObject(table catalog.Name, policy string) string {
	return "policy " + catalog.QuoteIdent(policy) + " on " + table.String()
}

// report adds a diagnostic about t, or about p when p is not nil.
func (c *policyCheck) report(r rule.Rule, t *Table, p *catalog.Policy, msg, fix string) {
	d := diag.Diagnostic{Pos: t.Pos, Object: t.Name.String(), Table: t.Name.String(), Severity: r.Severity, Rule: r.Name, Message: msg, Fix: fix}
	if p != nil {
		d.Pos, d.Object = p.Pos, PolicyObject(t.Name, p.Name)
	}
	c.diags.Add(d)
}

// TenantCurrent is the value tenantc's policies compare the tenant column with:
// the setting, read once per query (the sub-select is an InitPlan); empty or
// unset means no tenant. In Citus mode it is the bare read, once per row: Citus refuses a policy with a sub-select on a
// distributed table ("unexpected non-SELECT command in SubLink"), and
// current_setting being stable, the shards' planner still uses the comparison
// as an index condition (measured on Citus 13.2, docs/ANCHORS.md §7).
func TenantCurrent(tn Tenant) string {
	read := TenantRead(tn)
	if tn.Citus {
		return read
	}
	return "(SELECT " + read + ")"
}

// TenantRead is the read of the tenant setting as a value of the key's type,
// without any wrapper: the default of a scoped table's tenant column.
func TenantRead(tn Tenant) string {
	return fmt.Sprintf("NULLIF(current_setting('%s', true), '')::%s", strings.ReplaceAll(tn.Setting, "'", "''"), tn.Type)
}

// tenantPolicySQL is the policy tenantc writes for t, for fixes.
func (c *policyCheck) tenantPolicySQL(t *Table) string {
	pred := catalog.QuoteIdent(t.TenantColumn.Name) + " = " + TenantCurrent(c.model.Tenant)
	return fmt.Sprintf("CREATE POLICY %s ON %s AS PERMISSIVE FOR ALL\n    USING (%s)\n    WITH CHECK (%s);", PolicyName, t.Name, pred, pred)
}

// policyInfo is one policy with the facts of its clauses.
type policyInfo struct {
	*catalog.Policy
	using, check catalog.PolicyFacts
	// effCheck is what PostgreSQL checks new rows against: WITH CHECK, or USING
	// for ALL and UPDATE policies without one; nil when the policy checks
	// nothing (an INSERT policy without WITH CHECK admits no row).
	effCheck *catalog.PolicyFacts
}

func (p *policyInfo) applies(cmd string) bool { return p.Command == "all" || p.Command == cmd }

// appliesToRoles reports whether p applies to every role of roles (nil: PUBLIC).
func (p *policyInfo) appliesToRoles(roles []string) bool {
	if len(p.Roles) == 0 {
		return true
	}
	if len(roles) == 0 {
		return false
	}
	return !slices.ContainsFunc(roles, func(r string) bool { return !slices.Contains(p.Roles, r) })
}

var commands = []string{"select", "insert", "update", "delete"}

// sides returns which clauses of a policy PostgreSQL applies for cmd: USING to
// the rows a command reads or changes, the check to the rows it writes.
func sides(cmd string) (using, check bool) {
	switch cmd {
	case "select", "delete":
		return true, false
	case "insert":
		return false, true
	}
	return true, true // update
}

func (c *policyCheck) protected(t *Table) {
	tn := t.Name.String()
	if !t.RLSEnabled {
		c.report(rule.RLSDisabled, t, nil, fmt.Sprintf("table %s is protected (%s) but row level security is not enabled: its policies are ignored and every tenant sees every row", t.Name, t.Kind),
			fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", tn))
	}
	if !t.RLSForced {
		c.report(rule.RLSNotForced, t, nil, fmt.Sprintf("table %s does not force row level security: its owner skips the policies", t.Name),
			fmt.Sprintf("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", tn))
	}

	col, setting := t.TenantColumn.Name, c.model.Tenant.Setting
	var infos []*policyInfo
	for _, p := range t.Policies {
		pi := &policyInfo{Policy: p}
		var err error
		if pi.using, err = sqlexpr.PolicyFacts(p.Using, col, setting); err == nil {
			pi.check, err = sqlexpr.PolicyFacts(p.Check, col, setting)
		}
		if err != nil {
			c.diags.Add(diag.Diagnostic{Pos: p.Pos, Object: PolicyObject(t.Name, p.Name), Table: t.Name.String(), Severity: diag.Error,
				Message: fmt.Sprintf("cannot read policy %s on %s: %v", p.Name, t.Name, err)})
			continue
		}
		switch {
		case p.Check != "":
			pi.effCheck = &pi.check
		case p.Using != "" && (p.Command == "all" || p.Command == "update"):
			pi.effCheck = &pi.using
		}
		infos = append(infos, pi)
	}

	if !slices.ContainsFunc(infos, func(p *policyInfo) bool { return p.using.ComparesTenant || p.check.ComparesTenant }) {
		what := "no policy"
		if len(t.Policies) > 0 {
			names := make([]string, len(t.Policies))
			for i, p := range t.Policies {
				names[i] = p.Name
			}
			what = "none of its policies (" + strings.Join(names, ", ") + ")"
		}
		c.report(rule.TenantPolicyMissing, t, nil, fmt.Sprintf("table %s is protected (%s) but %s compares %s with the tenant setting %s", t.Name, t.Kind, what, col, setting),
			c.tenantPolicySQL(t))
	}

	for _, p := range infos {
		before := len(c.diags)
		if p.Name == PolicyName {
			// The user's policies are reported by Analyze, for generate too.
			c.diags = append(c.diags, citusSubselect(c.model, t, p.Policy)...)
		}
		c.policy(t, p, infos)
		c.otherSetting(t, p)
		if p.Name == PolicyName && !slices.ContainsFunc(c.diags[before:], func(d diag.Diagnostic) bool { return d.Severity == diag.Error }) {
			c.modified(t, p)
		}
	}
	c.multiplePermissive(t, infos)
}

// isolated reports whether restrictive policies alone keep p's rows in the
// tenant: for every command p applies to and every role it applies to, a
// restrictive policy requires the tenant equality on each side PostgreSQL
// checks. A permissive policy may then admit anything.
func isolated(p *policyInfo, infos []*policyInfo) bool {
	for _, cmd := range commands {
		if !p.applies(cmd) {
			continue
		}
		needUsing, needCheck := sides(cmd)
		if needUsing && !restricted(cmd, p.Roles, infos, func(q *policyInfo) bool { return q.using.TenantRequired }) {
			return false
		}
		if needCheck && !restricted(cmd, p.Roles, infos, func(q *policyInfo) bool { return q.effCheck != nil && q.effCheck.TenantRequired }) {
			return false
		}
	}
	return true
}

func restricted(cmd string, roles []string, infos []*policyInfo, requires func(*policyInfo) bool) bool {
	return slices.ContainsFunc(infos, func(q *policyInfo) bool {
		return !q.Permissive && q.applies(cmd) && q.appliesToRoles(roles) && requires(q)
	})
}

// policy applies the rules about one policy's expressions.
func (c *policyCheck) policy(t *Table, p *policyInfo, infos []*policyInfo) {
	col, setting := t.TenantColumn.Name, c.model.Tenant.Setting
	colType := t.TenantColumn.Type.String()
	qcol, tn, pn := catalog.QuoteIdent(col), t.Name.String(), catalog.QuoteIdent(p.Name)
	current := TenantCurrent(c.model.Tenant)
	usingApplies := p.Command != "insert"
	var facts []catalog.PolicyFacts
	if p.Using != "" {
		facts = append(facts, p.using)
	}
	if p.Check != "" {
		facts = append(facts, p.check)
	}
	has := func(f func(catalog.PolicyFacts) bool) bool { return slices.ContainsFunc(facts, f) }
	free := p.Permissive && isolated(p, infos)
	// In Citus mode the setting is read per row, not once: Citus refuses the
	// sub-select that would make it an InitPlan (TenantCurrent).
	rewritePrefix := "compare the bare column with the setting read once, e.g.\n"
	if c.model.Tenant.Citus {
		rewritePrefix = "compare the bare column with the setting, e.g.\n"
	}
	rewrite := rewritePrefix + fmt.Sprintf("ALTER POLICY %s ON %s USING (%s = %s)", pn, tn, qcol, current)
	if p.Check != "" || p.Command == "insert" {
		rewrite += fmt.Sprintf(" WITH CHECK (%s = %s)", qcol, current)
	}
	rewrite += ";"

	// Always true: a permissive policy admits every row; a restrictive one only
	// narrows, and true narrows nothing.
	if p.Permissive && !free {
		var clauses []string
		if usingApplies && p.Using != "" && p.using.AlwaysTrue {
			clauses = append(clauses, "USING ("+p.Using+")")
		}
		if p.effCheck != nil && p.effCheck.AlwaysTrue && (p.Check != "" || !usingApplies || !p.using.AlwaysTrue) {
			clauses = append(clauses, "WITH CHECK ("+p.Check+")")
		}
		if len(clauses) > 0 {
			c.report(rule.PolicyAlwaysTrue, t, p.Policy, fmt.Sprintf("permissive policy %s on %s is always true (%s): it admits every tenant's rows", p.Name, t.Name, strings.Join(clauses, ", ")),
				fmt.Sprintf("DROP POLICY %s ON %s;  -- or make it AS RESTRICTIVE, or compare %s with the tenant setting", pn, tn, qcol))
		}
	}

	// A tenant equality that is not required: something is OR-ed with it.
	if !free && has(func(f catalog.PolicyFacts) bool { return f.ComparesTenant && !f.TenantRequired }) {
		what := "the tenant comparison is not required by every branch of the expression, so a row of another tenant is admitted whenever another branch holds"
		switch {
		case has(func(f catalog.PolicyFacts) bool { return f.FailOpen }):
			what = fmt.Sprintf("the value %s is compared with can be %s itself (COALESCE, CASE or a sub-select naming the column): whenever that branch is taken the comparison holds for every row, so every tenant's rows are admitted", col, col)
		case has(func(f catalog.PolicyFacts) bool { return f.ComparesTenant && !f.TenantRequired && f.TopLevelOr }):
			what = "the tenant comparison is OR-ed with another condition, so a row of another tenant is admitted whenever that condition holds"
		}
		c.report(rule.PolicyOrBypass, t, p.Policy, fmt.Sprintf("policy %s on %s: %s", p.Name, t.Name, what),
			"keep the tenant policy a single equality and give a role that must see every tenant BYPASSRLS (tenant.System), e.g.\n"+
				fmt.Sprintf("ALTER POLICY %s ON %s USING (%s = %s);", pn, tn, qcol, current))
	}

	// The write side does not check the tenant.
	if p.Permissive && !free && p.effCheck != nil && !p.effCheck.ComparesTenant && !p.effCheck.AlwaysTrue &&
		(p.Command == "insert" || p.using.ComparesTenant) {
		what := fmt.Sprintf("its WITH CHECK (%s) does not compare %s with %s", p.Check, col, setting)
		if p.Command != "insert" {
			what = fmt.Sprintf("its USING compares %s with %s but %s", col, setting, what)
		}
		c.report(rule.PolicyMissingCheck, t, p.Policy, fmt.Sprintf("permissive policy %s on %s: %s, so a write can put a row into another tenant", p.Name, t.Name, what),
			fmt.Sprintf("ALTER POLICY %s ON %s WITH CHECK (%s = %s);", pn, tn, qcol, current))
	}

	if has(func(f catalog.PolicyFacts) bool { return f.ColumnCast && f.ColumnCastType != colType }) {
		c.report(rule.PolicyColumnCast, t, p.Policy, fmt.Sprintf("policy %s on %s casts or wraps the tenant column %s: no index on %s serves the comparison, so every query reads every tenant's rows", p.Name, t.Name, col, col), rewrite)
	}
	if has(func(f catalog.PolicyFacts) bool { return f.ReadsSetting && !f.MissingOK }) {
		c.report(rule.PolicyNotMissingOK, t, p.Policy, fmt.Sprintf("policy %s on %s calls current_setting('%s') without missing_ok: with no tenant set, queries fail with an error instead of returning no rows", p.Name, t.Name, setting),
			fmt.Sprintf("pass missing_ok: current_setting('%s', true); in full:\n%s", setting, strings.TrimPrefix(rewrite, rewritePrefix)))
	}
	// Not in Citus mode: there a read outside a sub-select is the only shape
	// Citus accepts, and citus-policy-subselect reports the other one.
	if !c.model.Tenant.Citus && has(func(f catalog.PolicyFacts) bool { return f.ReadsSetting && !f.InitPlan }) {
		c.report(rule.PolicyNotInitPlan, t, p.Policy, fmt.Sprintf("policy %s on %s calls current_setting('%s') outside a sub-select: it is evaluated for every row instead of once per query", p.Name, t.Name, setting),
			fmt.Sprintf("wrap the read in (SELECT …): %s = %s", qcol, current))
	}
	if c.model.Tenant.Type != "text" && has(func(f catalog.PolicyFacts) bool {
		return f.ReadsSetting && !f.EmptyGuard && !(f.ColumnCast && f.ColumnCastType == "text")
	}) {
		c.report(rule.PolicyEmptySetting, t, p.Policy, fmt.Sprintf("policy %s on %s casts current_setting('%s') to %s without NULLIF(…, ''): on a pooled connection where the setting was set before it reads '' and the cast fails instead of matching no rows", p.Name, t.Name, setting, c.model.Tenant.Type),
			fmt.Sprintf("read it as NULLIF(current_setting('%s', true), '')::%s, e.g. %s = %s", setting, c.model.Tenant.Type, qcol, current))
	}
}

// otherSetting reports a policy that reads a setting other than the tenant's:
// whoever can set that setting — any SQL in the transaction, set_config needs
// no privilege — switches the policy. A restrictive policy only narrows what
// the tenant policy admits, so there it is a warning.
func (c *policyCheck) otherSetting(t *Table, p *policyInfo) {
	name := p.using.OtherSetting
	if name == "" {
		name = p.check.OtherSetting
	}
	if name == "" {
		return
	}
	what := "setting " + name
	if name == "(computed)" {
		what = "a setting whose name is computed"
	}
	sev, effect := rule.PolicyOtherSetting.Severity, "any SQL in a tenant's transaction can set it (set_config needs no privilege) and so change which rows the policy admits"
	if !p.Permissive {
		sev, effect = diag.Warning, "any SQL in a tenant's transaction can set it; as the policy is restrictive it can only narrow what the tenant policy admits, check that is intended"
	}
	d := diag.Diagnostic{Pos: p.Pos, Object: PolicyObject(t.Name, p.Name), Table: t.Name.String(), Severity: sev, Rule: rule.PolicyOtherSetting.Name,
		Message: fmt.Sprintf("policy %s on %s reads %s besides the tenant setting %s: %s", p.Name, t.Name, what, c.model.Tenant.Setting, effect),
		Fix: fmt.Sprintf("compare only %s with the tenant setting; a role that must see every tenant gets BYPASSRLS (tenant.System), e.g.\nALTER POLICY %s ON %s USING (%s = %s);",
			t.TenantColumn.Name, catalog.QuoteIdent(p.Name), t.Name, catalog.QuoteIdent(t.TenantColumn.Name), TenantCurrent(c.model.Tenant))}
	c.diags.Add(d)
}

// modified reports a policy named like tenantc's that is not what tenantc
// writes: generate sees the name and leaves the policy alone, so the change
// stays. The comparison is of normalized parse trees (the catalog's form, which
// a live policy read back through pg_get_expr shares), so spelling, spacing and
// parentheses do not count. Called only when no error about the policy was
// reported already, which names what is wrong more precisely.
func (c *policyCheck) modified(t *Table, p *policyInfo) {
	var diffs []string
	if p.Command != "all" {
		diffs = append(diffs, "it is FOR "+strings.ToUpper(p.Command)+", not FOR ALL")
	}
	if !p.Permissive {
		diffs = append(diffs, "it is RESTRICTIVE")
	}
	if len(p.Roles) > 0 {
		diffs = append(diffs, "it applies TO "+strings.Join(p.Roles, ", ")+", not to PUBLIC")
	}
	wants := c.tenantPredicates(t)
	if len(wants) == 0 {
		return // cannot happen: tenantc's own predicate parses
	}
	isWant := func(expr string) bool { return slices.Contains(wants, expr) }
	if !isWant(p.Using) {
		diffs = append(diffs, "its USING is ("+p.Using+")")
	}
	// Without WITH CHECK, a FOR ALL policy checks new rows against USING:
	// the same policy as tenantc's when USING is tenantc's.
	if check := p.Check; !isWant(check) && !(check == "" && p.Command == "all" && isWant(p.Using)) {
		diffs = append(diffs, "its WITH CHECK is ("+check+")")
	}
	if len(diffs) == 0 {
		return
	}
	c.report(rule.TenantPolicyModified, t, p.Policy,
		fmt.Sprintf("policy %s on %s has tenantc's name but is not what tenantc writes (%s = %s for ALL, PUBLIC, USING and WITH CHECK): %s; tenantc generate leaves a policy of that name alone, so the change stays unreviewed",
			p.Name, t.Name, t.TenantColumn.Name, TenantCurrent(c.model.Tenant), strings.Join(diffs, "; ")),
		fmt.Sprintf("DROP POLICY %s ON %s;\n%s\n-- or give your policy another name, so it is judged as your own", PolicyName, t.Name, c.tenantPolicySQL(t)))
}

// tenantPredicates are the normalized forms of tenantc's predicate for t: as
// tenantc writes it and, for a text key, as PostgreSQL stores it — NULLIF of
// text is text, so the catalog drops the no-op ::text cast.
func (c *policyCheck) tenantPredicates(t *Table) []string {
	col := catalog.QuoteIdent(t.TenantColumn.Name) + " = "
	cur := TenantCurrent(c.model.Tenant)
	forms := []string{col + cur}
	if short, ok := strings.CutSuffix(TenantRead(c.model.Tenant), "::text"); ok {
		if !c.model.Tenant.Citus {
			short = "(SELECT " + short + ")"
		}
		forms = append(forms, col+short)
	}
	var out []string
	for _, f := range forms {
		if n, err := sqlexpr.Normalize(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// multiplePermissive reports sets of permissive policies that apply to one
// command for one role: PostgreSQL ORs them.
func (c *policyCheck) multiplePermissive(t *Table, infos []*policyInfo) {
	var permissive []*policyInfo
	roleSet := []string{""} // "": a role no policy names, which only PUBLIC policies reach
	for _, p := range infos {
		if !p.Permissive {
			continue
		}
		permissive = append(permissive, p)
		for _, r := range p.Roles {
			if !slices.Contains(roleSet, r) {
				roleSet = append(roleSet, r)
			}
		}
	}
	if len(permissive) < 2 {
		return
	}
	type group struct {
		policies []*policyInfo
		cmds     []string
		roles    []string
	}
	var groups []*group
	for _, cmd := range commands {
		for _, role := range roleSet {
			var ps []*policyInfo
			for _, p := range permissive {
				if p.applies(cmd) && (len(p.Roles) == 0 || role != "" && slices.Contains(p.Roles, role)) {
					ps = append(ps, p)
				}
			}
			if len(ps) < 2 {
				continue
			}
			i := slices.IndexFunc(groups, func(g *group) bool { return slices.Equal(g.policies, ps) })
			if i < 0 {
				groups = append(groups, &group{policies: ps})
				i = len(groups) - 1
			}
			g := groups[i]
			if !slices.Contains(g.cmds, cmd) {
				g.cmds = append(g.cmds, cmd)
			}
			r := role
			if r == "" {
				r = "PUBLIC"
			}
			if !slices.Contains(g.roles, r) {
				g.roles = append(g.roles, r)
			}
		}
	}
	for _, g := range groups {
		names := make([]string, len(g.policies))
		for i, p := range g.policies {
			names[i] = p.Name
		}
		cmds := strings.ToUpper(strings.Join(g.cmds, ", "))
		last := g.policies[len(g.policies)-1] // the one that made them several
		c.diags.Add(diag.Diagnostic{Pos: last.Pos, Object: t.Name.String(), Table: t.Name.String(), Severity: rule.MultiplePermissive.Severity, Rule: rule.MultiplePermissive.Name,
			Message: fmt.Sprintf("table %s has %d permissive policies for %s and role %s (%s): PostgreSQL ORs them, so a row any one admits is visible, and evaluates each for every row", t.Name, len(names), cmds, strings.Join(g.roles, ", "), strings.Join(names, ", ")),
			Fix:     "merge them into one policy, or make all but the tenant policy AS RESTRICTIVE so they narrow it instead of widening it"})
	}
}
