package tenancy

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// CheckCitusQueries judges, for distribute: citus, how Citus would route each
// query (measured on Citus 13.2: with "tenant_id = <value>" in the query it
// runs one task; with the tenant filter only in the policy it runs one task per
// shard, 32 by default). The policy's comparison is invisible to Citus'
// router, so every scoped table a query reads, updates or deletes from must be
// pinned to one tenant by the query itself: its tenant column equal to a
// value, or to the tenant column of a table that is (citus-fan-out). Scoped
// tables of one query level must be joined on their tenant columns, or the
// join is not colocated (citus-join-off-tenant). INSERT's target is routed by
// the row's tenant, which tenantc's default fills in: no predicate needed.
// The diagnostics are sorted.
func CheckCitusQueries(m *Model, queries []*catalog.Query) diag.List {
	if m == nil {
		return nil
	}
	var diags diag.List
	for _, q := range queries {
		if q != nil && q.Routing != nil {
			diags = append(diags, checkRouting(m, q)...)
		}
	}
	diags.Sort()
	return diags
}

// routeClasses is a union-find over columns of mentions ("3.tenant_id") and
// values ("=$1"): the classes of what the query's equalities make equal.
type routeClasses map[string]string

func (u routeClasses) find(x string) string {
	for {
		p, ok := u[x]
		if !ok || p == x {
			return x
		}
		if gp, ok := u[p]; ok {
			u[x] = gp // path halving
		}
		x = p
	}
}

func (u routeClasses) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u[ra] = rb
	}
}

func columnKey(rel int, col string) string { return fmt.Sprintf("%d.%s", rel, col) }

func checkRouting(m *Model, q *catalog.Query) diag.List {
	r := q.Routing
	tables := make([]*Table, len(r.Rels))
	for i, rel := range r.Rels {
		tables[i] = m.Table(rel.Name)
	}
	// resolve finds the mention a column operand belongs to: its qualifier's,
	// else the first candidate of the innermost level that has the column.
	resolve := func(op catalog.Operand) int {
		if op.Rel >= 0 {
			return op.Rel
		}
		for _, level := range op.Candidates {
			for _, i := range level {
				if t := tables[i]; t != nil && t.Column(op.Column) != nil {
					return i
				}
			}
		}
		return -1
	}
	key := func(op catalog.Operand) string {
		if op.Column == "" {
			return "=" + op.Value
		}
		if i := resolve(op); i >= 0 {
			return columnKey(i, op.Column)
		}
		return ""
	}
	u := routeClasses{}
	pinned := map[string]bool{} // classes holding a value, by root, after all unions
	// tenantParam: the repositories fill every parameter a tenant column is
	// compared with from the scope (sqlc types it tenant.ID), so all of them
	// are one value, the scope's tenant, whatever their names or numbers.
	tenantParam := func(param, col catalog.Operand) bool {
		if param.Column != "" || (!strings.HasPrefix(param.Value, "$") && !strings.HasPrefix(param.Value, "@")) || col.Column == "" {
			return false
		}
		i := resolve(col)
		return i >= 0 && tables[i] != nil && tables[i].TenantColumn != nil &&
			(tables[i].Kind == Scoped || tables[i].Kind == Root) && tables[i].TenantColumn.Name == col.Column
	}
	for _, e := range r.Equalities {
		a, b := key(e.Left), key(e.Right)
		switch {
		case tenantParam(e.Left, e.Right):
			a = "=tenant"
		case tenantParam(e.Right, e.Left):
			b = "=tenant"
		}
		if a != "" && b != "" {
			u.union(a, b)
			for _, k := range []string{a, b} {
				if strings.HasPrefix(k, "=") {
					pinned[k] = true
				}
			}
		}
	}
	// Keyed by class: unions may have moved the roots since.
	for k := range pinned {
		pinned[u.find(k)] = true
	}

	var diags diag.List
	report := func(rl rule.Rule, i int, msg, fix string) {
		diags.Add(diag.Diagnostic{Pos: r.Rels[i].Pos, Table: r.Rels[i].Name.String(), Severity: rl.Severity, Rule: rl.Name, Message: msg, Fix: fix})
	}
	scoped := func(i int) bool {
		return tables[i] != nil && tables[i].Kind == Scoped && tables[i].TenantColumn != nil && !r.Rels[i].Inserted
	}
	class := func(i int) string { return u.find(columnKey(i, tables[i].TenantColumn.Name)) }
	ref := func(i int) string {
		return catalog.QuoteIdent(r.Rels[i].Visible) + "." + catalog.QuoteIdent(tables[i].TenantColumn.Name)
	}

	// Joins first: a table joined off its tenant column is reported as that,
	// not also as a fan-out, since joining it on the tenant column pins it
	// with the table it is joined to.
	offJoin := map[int]bool{}
	byLevel := map[int][]int{}
	var levels []int
	for i := range r.Rels {
		if scoped(i) {
			l := r.Rels[i].Level
			if byLevel[l] == nil {
				levels = append(levels, l)
			}
			byLevel[l] = append(byLevel[l], i)
		}
	}
	for _, l := range levels {
		rels := byLevel[l]
		// The anchor is the first table the query pins, else the first one.
		anchor := rels[0]
		for _, i := range rels {
			if pinned[class(i)] {
				anchor = i
				break
			}
		}
		for _, i := range rels {
			if i == anchor || class(i) == class(anchor) {
				continue
			}
			offJoin[i] = true
			report(rule.CitusJoinOffTenant, i,
				fmt.Sprintf("query %s joins %s (%s) with %s (%s) without equating their tenant columns: on Citus this is not a colocated join (one tenant's rows of both tables are on one shard only when the join says so), so Citus refuses it (measured on 13.2: \"the query contains a join that requires repartitioning\") or, with citus.enable_repartition_joins, moves rows between nodes",
					q.Name, r.Rels[i].Name, r.Rels[i].Visible, r.Rels[anchor].Name, r.Rels[anchor].Visible),
				fmt.Sprintf("add AND %s = %s to the join condition (the tenant's rows match only their own tenant's anyway)", ref(i), ref(anchor)))
		}
	}
	for i := range r.Rels {
		if !scoped(i) || offJoin[i] || pinned[class(i)] {
			continue
		}
		t := tables[i]
		arg := strings.ToLower(t.TenantColumn.Name)
		report(rule.CitusFanOut, i,
			fmt.Sprintf("query %s %s %s without an equality on its tenant column %s: on Citus the policy filters the rows but does not route the query, so it runs on every shard (32 by default) instead of one",
				q.Name, cmp.Or(r.Rels[i].Verb, "reads"), r.Rels[i].Name, t.TenantColumn.Name),
			fmt.Sprintf("add AND %s = sqlc.arg(%s) to the WHERE clause (the repositories fill the tenant parameter from the scope, tenant.IDFrom(ctx)); or, if the query is meant to run on every shard, turn the rule off for the table: rules: {%s: {severity: off, tables: [%s]}}",
				ref(i), arg, rule.CitusFanOut.Name, configTableName(t.Name)))
	}
	return diags
}
