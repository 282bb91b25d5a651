package tenancy

import (
	"fmt"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// CheckQueries checks the queries of the query files against the model: a query
// runs inside a transaction the runtime has scoped to one tenant, so it must not
// touch the tenant setting, other settings, the role or the schema, and its
// filters should be ones PostgreSQL can serve with an index under RLS. The
// diagnostics are sorted.
func CheckQueries(m *Model, queries []*catalog.Query) diag.List {
	if m == nil {
		return nil
	}
	c := &queryCheck{model: m, switches: tenantSwitches(m.Catalog, m.Tenant.Setting)}
	for _, q := range queries {
		if q != nil {
			c.check(q)
		}
	}
	c.diags.Sort()
	return c.diags
}

type queryCheck struct {
	model *Model
	diags diag.List
	// switches are the schema's functions that switch the tenant, and how.
	switches map[*catalog.Function]string
}

// report adds a diagnostic at pos, or at the query's annotation when pos is unknown.
func (c *queryCheck) report(r rule.Rule, q *catalog.Query, pos source.Pos, msg, fix string) {
	if !pos.IsValid() {
		pos = q.Pos
	}
	c.diags.Add(diag.Diagnostic{Pos: pos, Severity: r.Severity, Rule: r.Name, Message: msg, Fix: fix})
}

func (c *queryCheck) check(q *catalog.Query) {
	setting := c.model.Tenant.Setting
	isTenant := func(name string) bool { return setting != "" && strings.EqualFold(name, setting) }
	for _, s := range q.Settings {
		call := settingCall(s)
		where := s.Pos
		if isTenant(s.Setting) {
			if s.Function == "set_config" {
				c.report(rule.QueryTenantSetting, q, where,
					fmt.Sprintf("query %s sets the tenant setting with %s: the runtime sets the tenant; a query that does it itself can switch tenants", q.Name, call),
					fmt.Sprintf("remove it: the tenant runtime sets it, with set_config('%s', $1, true), in the transaction the query runs in", setting))
			} else {
				c.report(rule.QueryTenantSetting, q, where,
					fmt.Sprintf("query %s reads the tenant setting with %s: the tenant is the runtime's to set and RLS already limits the query to it; a query that reads the setting itself depends on how and whether it is set (unset it is NULL, or '' once anything set it on the connection)", q.Name, call),
					"remove it: the policies filter by tenant already; if the query needs the tenant id as a value, take it as a parameter, e.g. sqlc.arg(tenant_id)")
			}
		}
		if s.Function == "set_config" {
			c.report(rule.QuerySetConfig, q, where,
				fmt.Sprintf("query %s calls %s: a query must not change settings; with is_local false the value stays on the pooled connection for the next tenant's queries, and set_config can set the tenant setting too", q.Name, call),
				"remove it; a setting the application needs belongs on its role (ALTER ROLE … SET name = value), and the tenant setting is the runtime's")
		}
	}
	for _, t := range q.Tables {
		if t.Written && t.Name.Name == "pg_settings" && (t.Name.Schema == "public" || t.Name.Schema == "pg_catalog") {
			c.report(rule.QuerySetConfig, q, t.Pos,
				fmt.Sprintf("query %s updates pg_settings, which calls set_config for every row it changes", q.Name),
				"remove it; a setting the application needs belongs on its role (ALTER ROLE … SET name = value)")
		}
	}

	if s := q.Session; s != nil {
		c.checkSession(q, s, isTenant(s.Setting))
	}
	c.checkCalls(q)

	if d := q.DDL; d != nil {
		c.report(rule.QueryDDL, q, d.Pos,
			fmt.Sprintf("query %s is DDL (%s): schema changes in a query file escape tenantc's analysis (a table created here gets no policies) and run with the application role's rights", q.Name, d.Statement),
			"move it to a migration in the schema directory, where tenantc checks it and generates the table's RLS; the application role should not own tables or hold DDL rights")
	}

	for _, p := range q.Patterns {
		t := c.patternTable(p)
		// Only scoped tables: the tenant root shows a tenant one row, which its
		// policy finds by primary key.
		if t == nil || t.Kind != Scoped {
			continue
		}
		c.report(rule.QueryPatternFilter, q, p.Pos,
			fmt.Sprintf("query %s filters %s.%s with %s, which is not LEAKPROOF: under RLS PostgreSQL cannot use an index for it and filters every row of the tenant (measured: 12 ms instead of 0.06 ms with an index)", q.Name, t.Name, p.Column, p.Op),
			patternFix(t, p))
	}
}

func (c *queryCheck) checkSession(q *catalog.Query, s *catalog.SessionChange, tenant bool) {
	what := s.Statement
	if (what == "SET" || what == "SET LOCAL" || what == "RESET") && s.Setting != "" {
		what += " " + s.Setting
	}
	where := s.Pos
	if tenant {
		c.report(rule.QueryTenantSetting, q, where,
			fmt.Sprintf("query %s runs %s: the runtime sets the tenant; a query that does it itself can switch tenants", q.Name, what),
			fmt.Sprintf("remove it: the tenant runtime sets it, with set_config('%s', $1, true), in the transaction the query runs in", c.model.Tenant.Setting))
	}
	switch s.Setting {
	case "role", "session_authorization":
		c.report(rule.QueryRoleChange, q, where,
			fmt.Sprintf("query %s runs %s: a role change can pick a role that bypasses RLS, and it outlives the query on a pooled connection", q.Name, what),
			"remove it; connect as the application role, which must not have BYPASSRLS, and let the runtime scope each transaction to a tenant")
		return
	}
	switch {
	case s.Statement == "RESET ALL" || strings.HasPrefix(s.Statement, "DISCARD"):
		c.report(rule.QueryRoleChange, q, where,
			fmt.Sprintf("query %s runs %s: it resets the session, the role and the tenant setting included, in the middle of the tenant transaction", q.Name, what),
			"remove it: the runtime's tenant setting is transaction-local and ends with the transaction, so there is nothing to reset")
	default:
		c.report(rule.QueryRoleChange, q, where,
			fmt.Sprintf("query %s runs %s: it changes the session, and the change outlives the query (SET LOCAL: for the rest of the tenant transaction; SET: on the pooled connection, for the next tenant's queries)", q.Name, what),
			"remove it; a setting the application needs belongs on its role: ALTER ROLE … SET name = value (PostgreSQL cannot prepare SET with a parameter either)")
	}
}

// settingCall shows a setting call as SQL for messages.
func settingCall(s catalog.SettingCall) string {
	name := "…"
	if s.Setting != "" {
		name = "'" + strings.ReplaceAll(s.Setting, "'", "''") + "'"
	}
	switch s.Function {
	case "show":
		return "SHOW " + s.Setting
	case "set_config":
		return "set_config(" + name + ", …)"
	}
	return s.Function + "(" + name + ")"
}

// patternTable finds the table of a pattern filter's column: the one the query's
// syntax names when it has the column, else the first candidate in scope that
// has it (the one PostgreSQL picks), else the syntactic one.
func (c *queryCheck) patternTable(p catalog.PatternFilter) *Table {
	var named *Table
	if p.Table != (catalog.Name{}) {
		named = c.model.Table(p.Table)
		if named != nil && named.Column(p.Column) != nil {
			return named
		}
	}
	for _, n := range p.Candidates {
		if t := c.model.Table(n); t != nil && t.Column(p.Column) != nil {
			return t
		}
	}
	return named
}

// patternFix says, as SQL, how to make a pattern filter indexable under RLS:
// only LEAKPROOF operators (=, <, >= … on text) may be index conditions there,
// and an expression index on lower(col) does not help, as lower() is not.
func patternFix(t *Table, p catalog.PatternFilter) string {
	tn := t.Name.String()
	col := catalog.QuoteIdent(p.Column)
	tc := catalog.QuoteIdent(t.TenantColumn.Name)
	folded := catalog.QuoteIdent(p.Column + "_lower")
	switch {
	case p.Op == "lower()" || p.Op == "upper()":
		fn := strings.TrimSuffix(p.Op, "()")
		folded = catalog.QuoteIdent(p.Column + "_" + fn)
		return fmt.Sprintf("an index on %s(%s) does not help: %s() is not LEAKPROOF either, so under RLS PostgreSQL does not use it in an index condition. Store the folded value and compare it with =, which is LEAKPROOF:\n"+
			"ALTER TABLE %s ADD COLUMN %s text GENERATED ALWAYS AS (%s(%s)) STORED;\n"+
			"CREATE INDEX ON %s (%s, %s);\n"+
			"then filter with %s = %s($1)",
			fn, col, fn, tn, folded, fn, col, tn, tc, folded, folded, fn)
	case strings.HasPrefix(p.Op, "NOT ") || strings.HasPrefix(p.Op, "!"):
		return "a negated pattern cannot use an index even without RLS: narrow the rows first with = or a range on indexed columns, or match the rows to keep instead"
	}
	return fmt.Sprintf("for a prefix match ('abc%%') compare a range instead: text comparisons are LEAKPROOF and use a btree index under RLS:\n"+
		"CREATE INDEX ON %s (%s, %s COLLATE \"C\");\n"+
		"then filter with %s COLLATE \"C\" >= $1 AND %s COLLATE \"C\" < $2  -- $2: the prefix with its last character incremented\n"+
		"for a case-insensitive prefix, do that on a stored lower-case copy: ALTER TABLE %s ADD COLUMN %s text GENERATED ALWAYS AS (lower(%s)) STORED;\n"+
		"a substring or regular-expression search cannot use any index under RLS, pg_trgm's included: keep it to queries that narrow the rows by an indexed condition first",
		tn, tc, col, col, col, tn, folded, col)
}

// QueryTable returns the table a query belongs to and whether it is
// tenant-scoped. The table is the first scoped table or tenant root the query
// names, directly or through a view; failing that the first table of the model
// it names; nil when it names none. scoped is true when it names a scoped table
// or the root, directly or through views: such a query must run inside a tenant
// transaction.
func QueryTable(m *Model, q *catalog.Query) (t *Table, scoped bool) {
	if m == nil || q == nil {
		return nil, false
	}
	var first *Table
	a := &analysis{cat: m.Catalog, model: m}
	for _, qt := range q.Tables {
		if mt := m.Table(qt.Name); mt != nil {
			if mt.Kind == Scoped || mt.Kind == Root {
				return mt, true
			}
			if first == nil {
				first = mt
			}
			continue
		}
		if m.Catalog == nil {
			continue
		}
		for _, v := range m.Catalog.Views {
			if v.Name != qt.Name {
				continue
			}
			for _, n := range a.protectedReads(v, map[catalog.Name]bool{}) {
				if mt := m.Table(n); mt != nil {
					return mt, true
				}
			}
		}
	}
	return first, false
}
