package audit

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// citusObject is the object the findings about the extension itself are on.
const citusObject = "extension citus"

// checkCitus judges how a Citus coordinator spreads the tables (c, nil
// without the citus extension) against the model and tenantc.yaml:
// every scoped table hash-distributed by its tenant column, all in one
// colocation group (so one tenant's rows of every table are on one node and
// joins and foreign keys between them stay local), the tenant table and the
// global tables reference tables (the tenant table may instead be
// distributed by its key in that same group), and no policy with a sub-select
// on a Citus table.
func checkCitus(m *tenancy.Model, cfg *config.Config, c *livecat.Citus) diag.List {
	var diags diag.List
	report := func(r rule.Rule, object, msg, fix string) {
		diags.Add(diag.Diagnostic{Object: object, Severity: r.Severity, Rule: r.Name, Message: msg, Fix: fix})
	}
	switch {
	case c == nil && cfg.Citus():
		report(rule.CitusMissing, citusObject,
			"tenantc.yaml says distribute: citus but the database has no citus extension: no table is distributed",
			"check the coordinator of the Citus cluster (--database-url of the coordinator), or remove distribute: citus from tenantc.yaml for a plain PostgreSQL")
		return diags
	case c == nil:
		return nil
	case !cfg.Citus():
		report(rule.CitusNotConfigured, citusObject,
			fmt.Sprintf("the database has the citus extension (%s) but tenantc.yaml does not say distribute: citus: the runtime would set the tenant with set_config, which does not reach the workers (every tenant sees no rows there, or the rows of a tenant an earlier transaction left), and tenantc's policies use a sub-select Citus refuses on distributed tables", c.Version),
			"add distribute: citus to tenantc.yaml, run tenantc generate and apply the new migrations (distribution, policies without sub-selects, the tenant setter); the runtime then sets the tenant through public.tenantc_set_tenant")
	}
	if m == nil || m.Tenant.Key == "" {
		return diags
	}
	root := m.Table(m.Tenant.Root)

	// The colocation group the scoped tables belong in: the tenant table's
	// when it is distributed by its key, else the one most of them are in
	// (the first table's among equals).
	group, anchor := 0, (*tenancy.Table)(nil)
	if d := distOf(c, root); d != nil && d.Kind() == livecat.Distributed && root.TenantColumn != nil && d.Column == root.TenantColumn.Name {
		group, anchor = d.Colocation, root
	} else {
		count := map[int]int{}
		first := map[int]*tenancy.Table{}
		for _, t := range m.Tables {
			if d := distOf(c, t); t.Kind == tenancy.Scoped && d != nil && d.Kind() == livecat.Distributed && d.Column == t.TenantColumn.Name {
				count[d.Colocation]++
				if first[d.Colocation] == nil {
					first[d.Colocation] = t
				}
				if anchor == nil || count[d.Colocation] > count[group] {
					group, anchor = d.Colocation, first[d.Colocation]
				}
			}
		}
	}
	colocate := ""
	if anchor != nil {
		colocate = ", colocate_with => " + literal(anchor.Name.String())
	}

	for _, t := range m.Tables {
		d := distOf(c, t)
		obj := livecat.TableObject(t.Name)
		switch t.Kind {
		case tenancy.Scoped:
			col := t.TenantColumn.Name
			switch {
			case d == nil || d.Kind() == livecat.CitusLocal || d.Kind() == livecat.Reference || d.Kind() == livecat.SingleShard:
				what := "is not distributed: it stays on the coordinator"
				undo := ""
				if d != nil {
					what = fmt.Sprintf("is a %s table, not distributed by %s", d.Kind(), col)
					if d.Kind() == livecat.Reference {
						what += ": every node holds every tenant's rows"
					}
					undo = fmt.Sprintf("SELECT undistribute_table(%s);\n", literal(t.Name.String()))
				}
				report(rule.CitusNotDistributed, obj,
					fmt.Sprintf("scoped table %s %s, so it does not scale out with the tenants and joins with the distributed tables are refused or pulled to the coordinator", t.Name, what),
					fmt.Sprintf("%sSELECT create_distributed_table(%s, %s%s);", undo, literal(t.Name.String()), literal(col), colocate))
			case d.Kind() != livecat.Distributed || d.Column != col:
				how := fmt.Sprintf("by column %s", d.Column)
				if d.Kind() != livecat.Distributed {
					how = fmt.Sprintf("with %s shards by column %s", d.Kind(), d.Column)
				}
				report(rule.CitusWrongColumn, obj,
					fmt.Sprintf("scoped table %s is distributed %s, not by hash of its tenant column %s: one tenant's rows are spread over the shards, so no query can be routed by tenant and joins with the other scoped tables are not colocated", t.Name, how, col),
					fmt.Sprintf("SELECT alter_distributed_table(%s, distribution_column := %s%s);", literal(t.Name.String()), literal(col), strings.Replace(colocate, "=>", ":=", 1)))
			case anchor != nil && d.Colocation != group:
				report(rule.CitusNotColocated, obj,
					fmt.Sprintf("scoped table %s is in colocation group %d, not with %s (group %d): a tenant's rows of the two tables can be on different nodes, so joins and foreign keys between them are refused or move rows across the cluster", t.Name, d.Colocation, anchor.Name, group),
					fmt.Sprintf("SELECT update_distributed_table_colocation(%s%s);", literal(t.Name.String()), colocate))
			}
		case tenancy.Root:
			switch {
			case d != nil && d.Kind() == livecat.Reference:
			case d != nil && d.Kind() == livecat.Distributed && t.TenantColumn != nil && d.Column == t.TenantColumn.Name:
				// Distributed by its key: the anchor of the scoped tables.
			default:
				what := "is not a reference table"
				if d != nil {
					what = fmt.Sprintf("is a %s table", d.Kind())
					if d.Column != "" {
						what += " by column " + d.Column
					}
				}
				report(rule.CitusNotReference, obj,
					fmt.Sprintf("the tenant table %s %s: the scoped tables' foreign keys to it and joins with it need it on every node (a reference table) or distributed by its key with them", t.Name, what),
					fmt.Sprintf("SELECT create_reference_table(%s);  -- after undistribute_table(%s) if Citus knows it already", literal(t.Name.String()), literal(t.Name.String())))
			}
		case tenancy.Global:
			if d != nil && d.Kind() == livecat.Reference {
				continue
			}
			what := "is not a reference table: it stays on the coordinator"
			if d != nil {
				what = fmt.Sprintf("is a %s table, not a reference table", d.Kind())
			}
			report(rule.CitusNotReference, obj,
				fmt.Sprintf("global table %s %s, so the workers do not have it: joins of distributed tables with it and foreign keys to it from them are refused", t.Name, what),
				fmt.Sprintf("SELECT create_reference_table(%s);", literal(t.Name.String())))
		}
	}

	// Policies with a sub-select on Citus tables: Citus refuses to create
	// them, so one exists only if it was made before the table was
	// distributed, or with DDL propagation off, and the shards may lack it.
	// With distribute: citus the tenancy analysis reports every such policy
	// already (citus-policy-subselect); this is for a project that does not
	// say citus, where each one is a finding of its own next to
	// citus-not-configured.
	for _, t := range m.Catalog.Tables {
		if m.Tenant.Citus {
			break
		}
		d := c.Table(t.Name)
		if d == nil || d.Kind() == livecat.CitusLocal {
			continue
		}
		for _, p := range t.Policies {
			for _, clause := range []struct{ name, sql string }{{"USING", p.Using}, {"WITH CHECK", p.Check}} {
				if clause.sql == "" || !hasSubselect(clause.sql) {
					continue
				}
				report(rule.CitusSubselectPolicy, livecat.PolicyObject(t.Name, p.Name),
					fmt.Sprintf("policy %s on %s table %s has a sub-select in its %s (%s): Citus refuses such a policy on a distributed table (\"unexpected non-SELECT command in SubLink\"), so it was created before the table was distributed or without DDL propagation, and its shards on the workers may not enforce it", p.Name, d.Kind(), t.Name, clause.name, clause.sql),
					fmt.Sprintf("replace it with one without the (SELECT …) wrapper, the shape tenantc writes with distribute: citus (tenantc generate), e.g. USING (tenant_id = NULLIF(current_setting('%s', true), '')::%s); Citus propagates a policy created on the coordinator to every shard", m.Tenant.Setting, m.Tenant.Type))
				break // one finding per policy
			}
		}
	}
	diags.Sort()
	return diags
}

// distOf is t's row of pg_dist_partition, nil for a table Citus does not know.
func distOf(c *livecat.Citus, t *tenancy.Table) *livecat.DistTable {
	if t == nil {
		return nil
	}
	return c.Table(t.Name)
}

// hasSubselect reports whether a policy expression holds a sub-select.
func hasSubselect(expr string) bool {
	n := sqlexpr.Parse(expr)
	if n == nil {
		return strings.Contains(strings.ToUpper(expr), "SELECT")
	}
	found := false
	sqlexpr.Walk(n, func(m proto.Message) bool {
		if _, ok := m.(*pg_query.SubLink); ok {
			found = true
		}
		return !found
	})
	return found
}

// literal quotes s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// setterName is SetterFunction without its argument types, for calling it.
var setterName, _, _ = strings.Cut(livecat.SetterFunction, "(")

// probeSetter is how the probe sets the tenant: on Citus through the setter
// (Check has made sure it exists and the role may run it), and on a plain
// PostgreSQL in Citus mode through the setter too when it exists, since that
// is the path the runtime takes; set_config otherwise.
func probeSetter(ctx context.Context, conn *pgx.Conn, cfg *config.Config, c *livecat.Citus, role string) (string, error) {
	if c != nil {
		return setterName, nil
	}
	if !cfg.Citus() {
		return "", nil
	}
	exec, err := livecat.Setter(ctx, conn, role)
	if err != nil || !exec[role] {
		return "", err
	}
	return setterName, nil
}

// citusRefusal is the probe's finding when it cannot set a tenant on Citus:
// without the setter (or the right to run it) it could only use set_config,
// which does not reach the workers, so every attempt would see no rows and
// the probe would report nothing — the worst kind of pass. Nil when the
// probe can run.
func citusRefusal(c *livecat.Citus, role string) *diag.Diagnostic {
	switch {
	case c == nil:
		return nil
	case !c.Setter:
		d := probeNotRun(role, fmt.Sprintf("the database runs Citus and has no tenant setter %s: set_config does not reach the workers, so every cross-tenant attempt would see no rows and the probe would pass whatever the policies say", livecat.SetterFunction),
			"add distribute: citus to tenantc.yaml, run tenantc generate and apply its migrations, which create the setter, then probe again")
		return &d
	case !c.SetterExecutable[role]:
		d := probeNotRun(role, fmt.Sprintf("role %s may not execute the tenant setter %s, and on Citus set_config does not reach the workers: the probe could not set a tenant", role, livecat.SetterFunction),
			fmt.Sprintf("GRANT EXECUTE ON FUNCTION %s TO %s;  -- the runtime needs it too", livecat.SetterFunction, catalog.QuoteIdent(role)))
		return &d
	}
	return nil
}
