// Package audit is tenantc check: it judges a live database. The catalog read
// by package livecat goes through the same rules as the SQL of a project
// (tenancy.Analyze and tenancy.CheckPolicies: one rule, one place); this
// package adds the rules only a database can answer — who the application
// connects as, what it owns and may do, what runs with whose rights — and a
// probe that tries, inside a transaction it always rolls back, to cross from
// one throwaway tenant to another.
//
// Every finding is a diag.Diagnostic with a rule name (its stable code), a
// severity, the database object in Object (never a file position), a message
// and, where SQL fixes it, that SQL.
package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/severity"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/store"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Options tune one check.
type Options struct {
	// Config is the project's configuration (tenantc.yaml): the tenant table,
	// column and setting, the global tables, the store, rule severities. Nil
	// means the defaults, as for a project without tenantc.yaml.
	Config *config.Config
	// Role is the application role, the one the rules about roles and the
	// probe are about; empty means Config's roles.app when tenantc.yaml has
	// roles:, else the connected role (current_user).
	Role string
	// Schemas are the schemas to read; none means every non-system schema.
	Schemas []string
	// Rules overrides rule severities after the config's.
	Rules map[string]diag.Severity
	// Probe also runs the live probe ([Probe]).
	Probe bool
}

// Result is what a check found.
type Result struct {
	Catalog *catalog.Catalog
	Live    *livecat.Live
	Model   *tenancy.Model
	// Citus is the coordinator's distribution metadata; nil without the
	// citus extension.
	Citus *livecat.Citus
	// Role is the application role judged.
	Role string
	// Diagnostics are the findings, severities applied, sorted.
	Diagnostics diag.List
}

// ErrUnknownRole is returned when the application role does not exist.
var ErrUnknownRole = errors.New("audit: no such role")

// Check reads the database conn is connected to and judges it. The error is
// for a check that could not run: a rule override names no rule (a
// diag.ErrorList, located in tenantc.yaml), the catalog could not be read,
// the role does not exist. Findings are in Result.Diagnostics.
func Check(ctx context.Context, conn *pgx.Conn, opts Options) (*Result, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	if opts.Role == "" && cfg.Roles.Enabled {
		// The project names its application role: judge that one, as
		// --role would, not the connected role.
		opts.Role = cfg.Roles.App
	}
	overrides := severity.Merge(cfg, opts.Rules)
	if err := overrides.Unknown().Err(); err != nil {
		return nil, err
	}
	connectedAs, atConnect, err := freshSetting(ctx, conn, cfg.Tenant.Setting)
	if err != nil {
		return nil, err
	}
	cat, live, err := livecat.Read(ctx, conn, opts.Schemas)
	if err != nil {
		return nil, err
	}
	res := &Result{Catalog: cat, Live: live, Role: opts.Role}
	if res.Role == "" {
		res.Role = live.CurrentUser
	}
	if live.Role(res.Role) == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRole, res.Role)
	}

	citus, err := livecat.ReadCitus(ctx, conn, res.Role)
	if err != nil {
		return nil, err
	}
	res.Citus = citus

	model, diags := tenancy.Analyze(cat, tenancyConfig(cfg, cat))
	res.Model = model
	diags = append(diags, checkCitus(model, cfg, citus)...)
	diags = append(diags, tenancy.CheckPolicies(model)...)
	diags = append(diags, overrides.UnknownTables(cat)...)
	a := &auditor{model: model, cat: cat, live: live, role: res.Role, cfg: cfg, connectedAs: connectedAs, freshValue: atConnect}
	diags = append(diags, a.rules()...)
	diags = lockedStore(supersede(diags), cfg)
	switch {
	case opts.Role == "" && a.canBypass(res.Role):
		diags = append(withoutRoleFindings(diags), connectionBypass(live.Role(res.Role), opts.Probe))
	case opts.Probe && model.Tenant.Key == "":
		diags = append(diags, probeNotRun(res.Role, fmt.Sprintf("the tenant table %s was not found, so there is no tenant to probe as", cfg.Tenant.Table),
			"set tenant.table in tenantc.yaml to your tenant table, or apply the migration that creates it"))
	case opts.Probe && a.canBypass(res.Role):
		diags = append(diags, probeNotRun(res.Role, fmt.Sprintf("role %s ignores row level security, so every cross-tenant attempt would succeed whatever the policies say", res.Role),
			"probe as the role your application connects as (--role APP_ROLE), one without BYPASSRLS or SUPERUSER"))
	case opts.Probe && citusRefusal(citus, res.Role) != nil:
		diags = append(diags, *citusRefusal(citus, res.Role))
	case opts.Probe:
		setter, err := probeSetter(ctx, conn, cfg, citus, res.Role)
		if err != nil {
			return nil, err
		}
		probed, err := Probe(ctx, conn, model, ProbeOptions{Role: res.Role, Store: StoreTables(cfg), Setter: setter})
		if err != nil {
			return nil, err
		}
		diags = append(diags, probed...)
	}
	livecat.Locate(diags)
	for i := range diags {
		// The tenant table missing from the database: tenancy reports it at
		// tenant.table in tenantc.yaml, which stays; the object is the table.
		if diags[i].Object == "" && diags[i].Rule == rule.TenantRoot.Name && model.Tenant.Root.Name != "" {
			diags[i].Object = livecat.TableObject(model.Tenant.Root)
		}
	}
	res.Diagnostics = overrides.Apply(diags)
	res.Diagnostics.Sort()
	return res, nil
}

// withoutRoleFindings drops the findings about what the judged role may do.
func withoutRoleFindings(diags diag.List) diag.List {
	var out diag.List
	for _, d := range diags {
		if !roleDependent[d.Rule] {
			out = append(out, d)
		}
	}
	return out
}

// connectionBypass is the one finding for a check without --role connected
// as a role that ignores row level security. Said once, with its cause first:
// as a cascade of "policy differs" findings (one per table and attempt) the
// cause came last and the fix pointed at the policies.
func connectionBypass(r *livecat.Role, probe bool) diag.Diagnostic {
	what := "has BYPASSRLS"
	if r.Superuser {
		what = "is a superuser"
	}
	msg := fmt.Sprintf("check is connected as role %s, which %s and so ignores row level security, and no --role names the application role: the role findings would be about %s, not about your application", r.Name, what, r.Name)
	if probe {
		msg += ", and the probe, which would cross tenants on every table whatever the policies say, did not run"
	}
	return diag.Diagnostic{
		Object: livecat.RoleObject(r.Name), Severity: rule.ConnectionBypassesRLS.Severity, Rule: rule.ConnectionBypassesRLS.Name,
		Message: msg,
		Fix:     fmt.Sprintf("tenantc check --database-url … --role APP_ROLE  -- the role your application connects as (LOGIN, no BYPASSRLS, not the owner); if that is %s itself, give the application a role of its own", r.Name),
	}
}

// probeNotRun is the probe's finding when --probe asked for a probe that
// cannot tell anything: a probe that was skipped must not pass as one that
// found nothing.
func probeNotRun(role, why, fix string) diag.Diagnostic {
	return diag.Diagnostic{
		Object: livecat.RoleObject(role), Severity: rule.ProbeIncomplete.Severity, Rule: rule.ProbeIncomplete.Name,
		Message: "the probe did not run: " + why, Fix: fix,
	}
}

// freshSetting returns the role conn is connected as and the value the
// tenant setting has in its session outside a transaction — what every
// statement the application runs outside tenant.Run sees. It is read only
// when conn is idle; inside a transaction the value says nothing about a
// fresh connection.
func freshSetting(ctx context.Context, conn *pgx.Conn, setting string) (role, value string, err error) {
	if conn.PgConn().TxStatus() != 'I' {
		return "", "", nil
	}
	if err := conn.QueryRow(ctx, "SELECT current_user::text, coalesce(current_setting($1, true), '')", setting).Scan(&role, &value); err != nil {
		return "", "", fmt.Errorf("audit: %w", err)
	}
	return role, value, nil
}

// migrationTables are the bookkeeping tables of the migration tools tenantc
// supports: they hold no tenant data, and check treats them as global.
var migrationTables = map[source.Format][]string{
	source.GolangMigrate: {"schema_migrations"},
	source.Dbmate:        {"schema_migrations"},
	source.Goose:         {"goose_db_version"},
	source.SQLMigrate:    {"gorp_migrations"},
	source.Tern:          {"schema_version"},
}

// tenancyConfig is the tenancy configuration of the project, as generate and
// vet derive it (tenancy.ConfigOf), plus, when the live catalog has it, the
// migration tool's own table as global.
func tenancyConfig(cfg *config.Config, cat *catalog.Catalog) tenancy.Config {
	tc := tenancy.ConfigOf(cfg, store.Owned(cfg))
	for _, name := range migrationTables[cfg.Migrations.Format] {
		n := catalog.Name{Schema: "public", Name: name}
		if cat.Table(n) != nil && !slices.ContainsFunc(tc.Global, func(g string) bool {
			gn, err := catalog.ParseName(g)
			return err == nil && gn == n
		}) {
			tc.Global = append(tc.Global, name)
		}
	}
	return tc
}

// supersede drops the findings a more precise one makes redundant (see
// superseded), and those tenancy reports that a live database answers better:
// security-definer-function (replaced by security-definer-search-path and
// security-definer-executable, which see the grants) and
// view-without-security-invoker on a materialized view (replaced by
// materialized-view-tenant-data, which sees whether the application can read
// it). A table with a permissive foreign policy is not also reported for
// having several permissive policies: foreign-policy says that already.
func supersede(diags diag.List) diag.List {
	type key struct{ rule, object string }
	drop := map[key]bool{}
	foreignPermissive := map[string]bool{} // table → it has a permissive foreign policy
	for _, d := range diags {
		obj := objectOf(d)
		for _, r := range superseded[d.Rule] {
			drop[key{r, obj}] = true
		}
		if d.Rule == rule.ForeignPolicy.Name && d.Severity == rule.ForeignPolicy.Severity {
			foreignPermissive[tableOf(obj)] = true
		}
	}
	var out diag.List
	for _, d := range diags {
		obj := objectOf(d)
		switch {
		case drop[key{d.Rule, obj}]:
		case d.Rule == rule.SecurityDefiner.Name:
		case d.Rule == rule.ViewInvoker.Name && strings.HasPrefix(obj, string(livecat.KindMaterializedView)+" "):
		case d.Rule == rule.MultiplePermissive.Name && foreignPermissive[tableOf(obj)]:
		default:
			out = append(out, d)
		}
	}
	return out
}

// objectOf is the object a diagnostic is about, wherever it says it.
func objectOf(d diag.Diagnostic) string {
	if d.Object != "" {
		return d.Object
	}
	if obj, ok := livecat.ObjectOf(d.Pos); ok {
		return obj
	}
	return ""
}

// tableOf returns the table an object belongs to: the table of a policy,
// constraint, index or trigger ("policy p on public.t" → "public.t"), the
// object itself otherwise.
func tableOf(obj string) string {
	for _, kind := range []string{"policy ", "constraint ", "index ", "trigger "} {
		if strings.HasPrefix(obj, kind) {
			if _, table, ok := strings.Cut(obj, " on "); ok {
				return table
			}
		}
	}
	return obj
}
