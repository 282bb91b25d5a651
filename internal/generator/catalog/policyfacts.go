package catalog

// PolicyFacts is what one policy expression (a USING or a WITH CHECK clause)
// does with the tenant column and the tenant setting. sqlexpr.PolicyFacts reads
// them from normalized SQL; the policy rules of tenantc vet and tenantc check
// judge them, so both commands judge a policy alike whether it came from a
// migration or from pg_policies.
//
// A "read of the setting" is a call current_setting(setting) or
// current_setting(setting, missing_ok), schema-qualified or not.
type PolicyFacts struct {
	// ComparesTenant: the expression holds an equality between the tenant column
	// (bare, or under a cast or function) and a value computed from a read of
	// the setting without reading a table: tenant_id = current_setting(…)::uuid,
	// tenant_id = (SELECT NULLIF(current_setting(…, true), '')::uuid), ….
	ComparesTenant bool
	// FailOpen: in such an equality the value side can be the row's own tenant
	// column (COALESCE(<setting>, tenant_id), a CASE or sub-select with a
	// branch naming the column, correlated references included): whenever that
	// branch is taken the comparison is tenant_id = tenant_id, true for every
	// row. Such an equality compares the tenant but never makes it required.
	FailOpen bool
	// TenantRequired: such an equality is the whole expression or one of its
	// top-level AND terms, so every row the expression admits satisfies it.
	TenantRequired bool
	// TopLevelOr: the expression is an OR, or an OR is among its top-level AND
	// terms (reached through AND and OR alone). With ComparesTenant and not
	// TenantRequired it means something is OR-ed with the tenant equality, e.g.
	// … OR current_setting('app.bypass_rls', true) = 'on'.
	TopLevelOr bool
	// ColumnCast: in a tenant equality the column side is not the bare column
	// (tenant_id::text = …, lower(tenant_id) = …): no index on the column serves it.
	ColumnCast bool
	// ColumnCastType is the type the column is cast to when the column side is
	// exactly column::type, in catalog spelling ("text", "uuid"); a cast to the
	// column's own type changes nothing. Empty otherwise.
	ColumnCastType string

	// ReadsSetting: the expression reads the setting at least once.
	ReadsSetting bool
	// InitPlan: every read of the setting is inside a scalar sub-select,
	// (SELECT …), which PostgreSQL evaluates once per query as an InitPlan
	// instead of once per row. True when the setting is not read.
	InitPlan bool
	// MissingOK: every read of the setting passes missing_ok true, so an unset
	// setting yields NULL (no rows) instead of an error. True when not read.
	MissingOK bool
	// EmptyGuard: every read of the setting is the first argument of
	// NULLIF(…, ''), so the '' a reused connection holds after the setting was
	// set once becomes NULL instead of failing the cast to uuid or bigint. True
	// when not read.
	EmptyGuard bool

	// OtherSetting names the first setting other than the tenant's the
	// expression reads with current_setting, as written; "(computed)" when the
	// name is not a constant. Empty when it reads no other setting. A policy
	// that depends on another setting can be switched by whoever sets it
	// (e.g. app.bypass_rls).
	OtherSetting string

	// AlwaysTrue: the expression is true for every row whatever the settings:
	// true, 1 = 1, 'a' = 'a', x OR true, NOT false, tenant_id = tenant_id, ….
	AlwaysTrue bool
}
