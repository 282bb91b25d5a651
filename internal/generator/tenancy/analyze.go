package tenancy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// Names of the objects tenantc writes into every protected table. They are how a
// later run recognises its own work, so they never change.
const (
	PolicyName      = "tenantc_tenant_isolation"
	TriggerName     = "tenantc_tenant_immutable"
	TriggerFunction = "tenantc_forbid_tenant_change"
)

// Config is what the analysis needs from tenantc.yaml.
type Config struct {
	Root    string // tenant.table, as written
	Column  string // tenant.column
	Setting string // tenant.setting
	Global  []string
	// Store names the tables of the organization store when it is enabled:
	// its own and, for Better Auth, those Better Auth owns. They are global
	// (the store reaches them through a role that bypasses RLS and checks
	// every actor itself), unless one is the tenant root. Names absent from
	// the schema are ignored.
	Store []catalog.Name
	// File is the config file global tables and the root are reported against.
	File string
	// RootPos and GlobalPos locate Root and each Global entry in File.
	RootPos   source.Pos
	GlobalPos []source.Pos
	// RootOptional is true when no config names the tenant table (Root is
	// the default) and nothing needs one: a schema without it is then a plain
	// sqlc project, reported with a warning at ProjectFile, not an error.
	RootOptional bool
	// ProjectFile is the file the project is known by, where a warning about
	// the project as a whole is reported: tenantc.yaml, else the sqlc config,
	// else the schema directory.
	ProjectFile string
	// Citus is true for distribute: citus: the tenant comparison takes the
	// shape Citus accepts in a policy on a distributed table (no sub-select).
	Citus bool
}

// KeyTypes are the tenant key types the policies know how to cast to.
var KeyTypes = []string{"uuid", "bigint", "integer", "text"}

// Analyze classifies every table of cat and reports what could let tenants cross.
func Analyze(cat *catalog.Catalog, cfg Config) (*Model, diag.List) {
	a := &analysis{cat: cat, cfg: cfg, model: &Model{Catalog: cat}}
	a.model.Tenant = Tenant{Column: cfg.Column, Setting: cfg.Setting, Citus: cfg.Citus}
	if !a.resolveRoot() {
		// Without a tenant key nothing else can be judged; say only that.
		return a.model, a.diags
	}
	a.classify()
	for _, t := range a.model.Tables {
		switch t.Kind {
		case Scoped:
			a.checkScoped(t)
		case Owned:
			a.checkOwned(t)
		case Unclassified:
			a.reportOn(t, rule.Unclassified, t.Pos, fmt.Sprintf("table %s has no %s column and is not declared global: every tenant can read it", t.Name, cfg.Column),
				fmt.Sprintf("add it to global: in %s if every tenant may read it, or add the column and give each row its tenant:\n%s",
					a.configFile(), a.addTenantColumn(t.Name, BackfillPlaceholder, "")))
		}
		if t.Kind == Root || t.Kind == Scoped {
			a.checkPolicies(t)
		}
	}
	if cfg.Citus {
		a.checkCitus() // citus.go
	}
	a.checkViews()
	a.checkFunctions()
	a.checkFunctionBodies()
	a.diags.Sort()
	return a.model, a.diags
}

type analysis struct {
	cat   *catalog.Catalog
	cfg   Config
	model *Model
	diags diag.List
	root  *catalog.Table
}

func (a *analysis) report(r rule.Rule, pos source.Pos, msg, fix string) {
	a.reportAs(r, r.Severity, pos, msg, fix)
}

func (a *analysis) reportAs(r rule.Rule, sev diag.Severity, pos source.Pos, msg, fix string) {
	a.diags.Add(diag.Diagnostic{Pos: pos, Severity: sev, Rule: r.Name, Message: msg, Fix: fix})
}

// reportOn reports a finding about table t, which per-table rule overrides
// (rules: {NAME: {tables: […]}}) can then match.
func (a *analysis) reportOn(t *Table, r rule.Rule, pos source.Pos, msg, fix string) {
	a.reportOnAs(t, r, r.Severity, pos, msg, fix)
}

func (a *analysis) reportOnAs(t *Table, r rule.Rule, sev diag.Severity, pos source.Pos, msg, fix string) {
	a.diags.Add(diag.Diagnostic{Pos: pos, Table: t.Name.String(), Severity: sev, Rule: r.Name, Message: msg, Fix: fix})
}

func (a *analysis) configFile() string {
	if a.cfg.File == "" {
		return "tenantc.yaml"
	}
	return a.cfg.File
}

func (a *analysis) keyType() string {
	if a.model.Tenant.Type == "" {
		return "uuid"
	}
	return a.model.Tenant.Type
}

// resolveRoot finds the tenant table and its key, and reports whether it could.
func (a *analysis) resolveRoot() bool {
	pos := a.cfg.RootPos
	if !pos.IsValid() {
		// The default root is reported on the file the project is known by:
		// a tenantc.yaml that does not exist must not be blamed.
		pos = source.Pos{File: cmp.Or(a.cfg.ProjectFile, a.configFile())}
	}
	name, err := catalog.ParseName(a.cfg.Root)
	if err != nil {
		a.report(rule.TenantRoot, pos, "tenant.table: "+err.Error(), "")
		return false
	}
	a.model.Tenant.Root = name
	a.root = a.cat.Table(name)
	if a.root == nil && a.cfg.RootOptional && a.tenantColumnTable() == nil {
		// Not a tenancy project (yet): sqlc's code alone is generated. The
		// note says how to become one, on one line.
		a.reportAs(rule.TenantRoot, diag.Warning, source.Pos{File: a.cfg.ProjectFile},
			fmt.Sprintf("no tenant table (%s is not in the schema): nothing is protected, no row level security or repositories are generated; to declare yours, set tenant: {table: <table>} in tenantc.yaml", name), "")
		return false
	}
	if a.root == nil {
		what := "tenant.table"
		if t := a.tenantColumnTable(); !a.cfg.RootPos.IsValid() && t != nil {
			// A table with the tenant column means tenancy was meant: its
			// rows must not go unprotected for want of the root.
			what = fmt.Sprintf("the default tenant.table; %s has the tenant column %s, so its rows need one", t.Name, a.cfg.Column)
		} else if !a.cfg.RootPos.IsValid() { // the store needs a tenant table
			what = "the default tenant.table, which the store needs; tenantc.yaml sets no other"
		}
		a.report(rule.TenantRoot, pos, fmt.Sprintf("tenant table %s (%s) is not in the schema", name, what),
			fmt.Sprintf("create it, e.g. CREATE TABLE %s (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);\nor set tenant.table in %s", name, a.configFile()))
		return false
	}
	pk := a.root.PrimaryKey
	if pk == nil || len(pk.Columns) != 1 {
		a.report(rule.TenantRoot, a.root.Pos, fmt.Sprintf("tenant table %s needs a single-column primary key for tenant columns to reference", name), "")
		return false
	}
	key := a.root.Column(pk.Columns[0])
	if key == nil {
		return false
	}
	a.model.Tenant.Key = key.Name
	a.model.Tenant.Type = key.Type.String()
	if !slices.Contains(KeyTypes, a.model.Tenant.Type) {
		a.report(rule.TenantRoot, key.Pos, fmt.Sprintf("tenant key %s.%s has type %s; tenantc supports %s", name, key.Name, key.Type, strings.Join(KeyTypes, ", ")), "")
		return false
	}
	return true
}

// tenantColumnTable is the first table with the tenant column, or nil.
func (a *analysis) tenantColumnTable() *catalog.Table {
	for _, t := range a.cat.Tables {
		if t.Column(a.cfg.Column) != nil {
			return t
		}
	}
	return nil
}

// classify gives every table its kind.
func (a *analysis) classify() {
	global := map[catalog.Name]bool{}
	for i, g := range a.cfg.Global {
		pos := source.Pos{File: a.configFile()}
		if i < len(a.cfg.GlobalPos) {
			pos = a.cfg.GlobalPos[i]
		}
		n, err := catalog.ParseName(g)
		if err != nil {
			a.report(rule.GlobalUnknown, pos, "global: "+err.Error(), "")
			continue
		}
		if a.cat.Table(n) == nil {
			a.report(rule.GlobalUnknown, pos, fmt.Sprintf("global table %s is not in the schema", n), "remove it from global: or fix its name")
		}
		global[n] = true
	}
	for _, ct := range a.cat.Tables {
		t := &Table{Table: ct, Store: slices.Contains(a.cfg.Store, ct.Name)}
		col := ct.Column(a.cfg.Column)
		switch {
		case a.root != nil && ct == a.root:
			t.Kind = Root
			t.TenantColumn = ct.Column(a.model.Tenant.Key)
		case t.Store:
			// Not even a tenant column makes a store table scoped: the store
			// owns its tables and their access rules.
			t.Kind = Global
		case global[ct.Name]:
			t.Kind = Global
			if col != nil {
				a.reportOn(t, rule.GlobalTenantColumn, col.Pos, fmt.Sprintf("table %s is declared global but has the tenant column %s: every tenant can read every row", ct.Name, col.Name),
					fmt.Sprintf("remove %s from global: in %s to give it tenant policies", ct.Name, a.configFile()))
			}
		case col != nil:
			t.Kind = Scoped
			t.TenantColumn = col
		}
		a.model.Tables = append(a.model.Tables, t)
	}
	// A table without the column belongs to a tenant if a chain of foreign keys
	// reaches one; breadth-first so the reported path is the shortest.
	for _, t := range a.model.Tables {
		if t.Kind == Unclassified {
			t.Path = a.pathToTenant(t)
			if t.Path != nil {
				t.Kind = Owned
			}
		}
	}
}

func (a *analysis) pathToTenant(start *Table) []catalog.Name {
	prev := map[catalog.Name]catalog.Name{}
	queue := []catalog.Name{start.Name}
	seen := map[catalog.Name]bool{start.Name: true}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		t := a.model.Table(n)
		if t == nil {
			continue
		}
		if n != start.Name && (t.Kind == Scoped || t.Kind == Root) {
			path := []catalog.Name{n}
			for p := n; p != start.Name; {
				p = prev[p]
				path = append([]catalog.Name{p}, path...)
			}
			return path
		}
		if t.Kind == Global {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if !seen[fk.RefTable] {
				seen[fk.RefTable] = true
				prev[fk.RefTable] = n
				queue = append(queue, fk.RefTable)
			}
		}
	}
	return nil
}

func (a *analysis) checkScoped(t *Table) {
	if t.PartitionOf != nil {
		return // a partition takes its columns, keys and indexes from its parent, reported there
	}
	col := t.TenantColumn
	tn, cn := t.Name.String(), catalog.QuoteIdent(col.Name)
	if typ := col.Type.String(); a.model.Tenant.Type != "" && typ != a.model.Tenant.Type {
		a.reportOn(t, rule.TenantColumnType, col.Pos, fmt.Sprintf("tenant column %s.%s has type %s but the tenant key %s.%s is %s", t.Name, col.Name, typ, a.model.Tenant.Root, a.model.Tenant.Key, a.model.Tenant.Type),
			fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s;", tn, cn, a.model.Tenant.Type, cn, a.model.Tenant.Type))
	}
	if !col.NotNull {
		a.reportOn(t, rule.NullableTenant, col.Pos, fmt.Sprintf("tenant column %s.%s is nullable: a row with no tenant is visible to no tenant", t.Name, col.Name),
			fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s IS NULL;  -- or delete the rows no tenant owns\nALTER TABLE %s ALTER COLUMN %s SET NOT NULL;", tn, cn, BackfillPlaceholder, cn, tn, cn))
	}
	if a.root != nil && !slices.ContainsFunc(t.ForeignKeys, func(fk *catalog.ForeignKey) bool {
		return fk.RefTable == a.root.Name && slices.Equal(fk.Columns, []string{col.Name})
	}) {
		a.reportOn(t, rule.TenantFK, col.Pos, fmt.Sprintf("tenant column %s.%s has no foreign key to %s", t.Name, col.Name, a.root.Name),
			fmt.Sprintf("ALTER TABLE %s ADD FOREIGN KEY (%s) REFERENCES %s (%s);", tn, cn, a.root.Name, catalog.QuoteIdent(a.model.Tenant.Key)))
	}
	if !HasLeadingIndex(t.Table, col.Name) {
		a.reportOn(t, rule.TenantIndex, t.Pos, fmt.Sprintf("no index of %s starts with %s; tenantc's migration adds %s", t.Name, col.Name, catalog.QuoteIdent(TenantIndexName(t.Table, col.Name))),
			tenantIndexFix(t, col.Name))
	}
	a.checkSequenceColumns(t)
	keys := t.Uniques
	if t.PrimaryKey != nil {
		keys = append([]*catalog.Key{t.PrimaryKey}, keys...)
	}
	for _, k := range keys {
		if slices.Contains(k.Columns, col.Name) || a.cfg.Citus { // Citus refuses the key: citus-key-without-tenant
			continue
		}
		what := "unique key"
		if k == t.PrimaryKey {
			what = "primary key"
		}
		fix := fmt.Sprintf("make it (%s, %s)", cn, QuoteList(k.Columns))
		if lookupKey(k) {
			fix = fmt.Sprintf("if %s is looked up before the tenant is known (an API key, a session token, a login email), keep it globally unique and mark the table in %s:\n  rules: {%s: {severity: off, tables: [%s]}}\notherwise make it (%s, %s)",
				k.Columns[0], a.configFile(), rule.KeyWithoutTenant.Name, configTableName(t.Name), cn, QuoteList(k.Columns))
		}
		a.reportOn(t, rule.KeyWithoutTenant, k.Pos, fmt.Sprintf("%s %s of %s (%s) does not include %s: a duplicate-key error tells one tenant that another has that value", what, k.Name, t.Name, strings.Join(k.Columns, ", "), col.Name), fix)
	}
	for _, fk := range t.ForeignKeys {
		ref := a.model.Table(fk.RefTable)
		if ref == nil || ref.Kind != Scoped {
			continue
		}
		if SameTenantFK(fk, col.Name, ref.TenantColumn.Name) {
			continue
		}
		fix := compositeFK(t.Name, col.Name, fk, ref.Table, ref.TenantColumn.Name)
		what := "does not include " + col.Name
		if slices.Contains(fk.Columns, col.Name) {
			what = fmt.Sprintf("does not pair %s with %s.%s", col.Name, ref.Name, ref.TenantColumn.Name)
		}
		a.reportOn(t, rule.CrossTenantFK, fk.Pos, fmt.Sprintf("foreign key %s from %s to %s %s: foreign-key checks ignore RLS, so a row can reference another tenant's row", fk.Name, t.Name, ref.Name, what), fix)
	}
}

// lookupWords are the parts of a column name that say the column is what a
// request is identified by before its tenant is known.
var lookupWords = []string{"key", "token", "hash", "secret", "email"}

// lookupKey reports whether k is one column named like a credential or a
// login (key_hash, token, email): such a column is often looked up to find
// the tenant, so it must stay unique across tenants.
func lookupKey(k *catalog.Key) bool {
	if len(k.Columns) != 1 || strings.HasPrefix(k.Columns[0], "(") {
		return false
	}
	name := strings.ToLower(k.Columns[0])
	return slices.ContainsFunc(lookupWords, func(w string) bool { return strings.Contains(name, w) })
}

// configTableName is how tenantc.yaml names a table: bare in public.
func configTableName(n catalog.Name) string {
	if n.Schema == "" || n.Schema == "public" {
		return catalog.QuoteIdent(n.Name)
	}
	return n.String()
}

// checkSequenceColumns reports the columns of a scoped table that draw from a
// sequence (serial, identity, DEFAULT nextval(…)): one sequence serves every
// tenant, so the gaps between a tenant's own ids count other tenants' inserts.
func (a *analysis) checkSequenceColumns(t *Table) {
	for _, c := range t.Columns {
		how := sequenceUse(c)
		if how == "" {
			continue
		}
		tn, cn := t.Name.String(), catalog.QuoteIdent(c.Name)
		drop := "DROP DEFAULT"
		if c.Identity != "" {
			drop = "DROP IDENTITY"
		}
		a.reportOn(t, rule.ScopedSerial, c.Pos, fmt.Sprintf("column %s.%s takes its values from a sequence (%s) that every tenant shares: a tenant that sees the values 1041 and then 1057 learns that other tenants inserted 15 rows in between", t.Name, c.Name, how),
			fmt.Sprintf("use a value that tells nothing: ALTER TABLE %s ALTER COLUMN %s %s, ALTER COLUMN %s TYPE uuid USING gen_random_uuid(), ALTER COLUMN %s SET DEFAULT gen_random_uuid();\nor number rows per tenant: PRIMARY KEY (%s, <number>) with the number counted per tenant", tn, cn, drop, cn, cn, catalog.QuoteIdent(t.TenantColumn.Name)))
	}
}

// sequenceUse says how a column draws from a sequence, or returns "".
func sequenceUse(c *catalog.Column) string {
	switch {
	case c.Identity != "":
		return "GENERATED " + c.Identity + " AS IDENTITY"
	case strings.Contains(strings.ToLower(c.Default), "nextval("):
		return "DEFAULT " + c.Default
	}
	return ""
}

func (a *analysis) checkOwned(t *Table) {
	parts := make([]string, len(t.Path))
	for i, n := range t.Path {
		parts[i] = n.String()
	}
	a.reportOn(t, rule.IndirectlyOwned, t.Pos, fmt.Sprintf("table %s belongs to a tenant only through foreign keys (%s) and has no %s column: every tenant can read all of it", t.Name, strings.Join(parts, " → "), a.cfg.Column),
		a.ownedFix(t))
}

// checkPolicies reports policies on protected tables that tenantc did not write.
func (a *analysis) checkPolicies(t *Table) {
	for _, p := range t.Policies {
		if p.Name == PolicyName {
			continue
		}
		a.diags = append(a.diags, citusSubselect(a.model, t, p)...)
		if p.Permissive {
			a.reportOn(t, rule.ForeignPolicy, p.Pos, fmt.Sprintf("permissive policy %s on %s was not written by tenantc: it is OR-ed with the tenant policy, so any row it admits is visible across tenants", p.Name, t.Name),
				fmt.Sprintf("DROP POLICY %s ON %s;  -- or make it AS RESTRICTIVE to only narrow access", catalog.QuoteIdent(p.Name), t.Name))
		} else {
			a.reportOnAs(t, rule.ForeignPolicy, diag.Warning, p.Pos, fmt.Sprintf("restrictive policy %s on %s was not written by tenantc; it narrows the tenant policy, check that is intended", p.Name, t.Name), "")
		}
	}
}

func (a *analysis) checkViews() {
	for _, v := range a.cat.Views {
		if v.SecurityInvoker {
			continue
		}
		var scoped []string
		for _, r := range a.protectedReads(v, map[catalog.Name]bool{}) {
			scoped = append(scoped, r.String())
		}
		if len(scoped) == 0 {
			continue
		}
		if v.Materialized {
			a.report(rule.ViewInvoker, v.Pos, fmt.Sprintf("materialized view %s stores rows of %s with no RLS: every tenant can read all of them", v.Name, strings.Join(scoped, ", ")),
				"replace it with a view WITH (security_invoker = true), or revoke it from the application role")
			continue
		}
		a.report(rule.ViewInvoker, v.Pos, fmt.Sprintf("view %s reads %s with its owner's rights: if the owner can bypass RLS, every tenant's rows show", v.Name, strings.Join(scoped, ", ")),
			fmt.Sprintf("ALTER VIEW %s SET (security_invoker = true);", v.Name))
	}
}

// protectedReads returns the protected tables v reads, directly or through other
// views: a view nested in an owner-rights view runs with that owner's rights too.
func (a *analysis) protectedReads(v *catalog.View, seen map[catalog.Name]bool) []catalog.Name {
	var out []catalog.Name
	seen[v.Name] = true
	for _, r := range v.Reads {
		if t := a.model.Table(r); t != nil && (t.Kind == Scoped || t.Kind == Root) {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
			continue
		}
		for _, inner := range a.cat.Views {
			if inner.Name == r && !seen[r] {
				for _, n := range a.protectedReads(inner, seen) {
					if !slices.Contains(out, n) {
						out = append(out, n)
					}
				}
			}
		}
	}
	return out
}

func (a *analysis) checkFunctions() {
	for _, f := range a.cat.Functions {
		if !f.SecurityDefiner {
			continue
		}
		fix := "make it SECURITY INVOKER, or have it filter by tenant itself and be owned by a role without BYPASSRLS"
		if f.SearchPath == "" {
			fix += fmt.Sprintf(";\nfix its search_path too: ALTER FUNCTION %s SET search_path = pg_catalog, public;", f.Name)
		}
		a.report(rule.SecurityDefiner, f.Pos, fmt.Sprintf("function %s is SECURITY DEFINER: it runs with its owner's rights and can bypass tenant policies", f.Name), fix)
	}
}

// HasLeadingIndex reports whether an index usable for "col = value" exists.
func HasLeadingIndex(t *catalog.Table, col string) bool {
	return slices.ContainsFunc(t.Indexes, func(ix *catalog.Index) bool {
		return ix.Where == "" && len(ix.Columns) > 0 && ix.Columns[0] == col
	})
}

// HasKeyOn reports whether cols (in any order) are exactly a primary or unique key,
// as a foreign key's target must be.
func HasKeyOn(t *catalog.Table, cols []string) bool {
	same := func(k *catalog.Key) bool {
		return len(k.Columns) == len(cols) && !slices.ContainsFunc(cols, func(c string) bool { return !slices.Contains(k.Columns, c) })
	}
	return (t.PrimaryKey != nil && same(t.PrimaryKey)) || slices.ContainsFunc(t.Uniques, same)
}

// SameTenantFK reports whether the foreign key pairs the tenant columns of both
// tables, which keeps the referenced row inside the same tenant.
func SameTenantFK(fk *catalog.ForeignKey, col, refCol string) bool {
	for i, c := range fk.Columns {
		if c == col && i < len(fk.RefColumns) && fk.RefColumns[i] == refCol {
			return true
		}
	}
	return false
}

// TenantIndexName is the name of the index tenantc creates when a table has no
// index led by its tenant column: PostgreSQL's own default name for it.
func TenantIndexName(t *catalog.Table, col string) string {
	name := t.Name.Name + "_" + col + "_idx"
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// QuoteList renders key columns as SQL; expression elements, kept in
// parentheses by the catalog, are already SQL.
func QuoteList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		if strings.HasPrefix(c, "(") {
			q[i] = c
		} else {
			q[i] = catalog.QuoteIdent(c)
		}
	}
	return strings.Join(q, ", ")
}
