package sqlexpr

import (
	"testing"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// facts lists the facts a case expects to be true; all others must be false.
type facts struct {
	compares, required, topOr, cast, reads, initPlan, missingOK, guard, alwaysTrue, failOpen bool
	castType, other                                                                          string
}

func (f facts) want() catalog.PolicyFacts {
	return catalog.PolicyFacts{
		ComparesTenant: f.compares, TenantRequired: f.required, TopLevelOr: f.topOr,
		ColumnCast: f.cast, ColumnCastType: f.castType, ReadsSetting: f.reads,
		InitPlan: f.initPlan, MissingOK: f.missingOK, EmptyGuard: f.guard, AlwaysTrue: f.alwaysTrue,
		FailOpen: f.failOpen, OtherSetting: f.other,
	}
}

func TestPolicyFacts(t *testing.T) {
	// What a policy that reads nothing has: the vacuous facts.
	none := facts{initPlan: true, missingOK: true, guard: true}
	clean := facts{compares: true, required: true, reads: true, initPlan: true, missingOK: true, guard: true}
	for _, tc := range []struct {
		name, expr string
		want       facts
	}{
		{"tenantc's policy", "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)", clean},
		{"tenantc's policy as pg_policies shows it",
			`(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS "nullif"))`, clean},
		{"qualified column, setting in upper case, pg_catalog function, reversed",
			"(SELECT NULLIF(pg_catalog.current_setting('APP.TENANT_ID', true), '')::uuid) = projects.tenant_id", clean},
		{"another conjunct", "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) AND NOT archived", clean},
		{"OR inside a conjunct is no bypass",
			"tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) AND (status = 'a' OR status = 'b')",
			facts{compares: true, required: true, topOr: true, reads: true, initPlan: true, missingOK: true, guard: true}},
		{"cast column, no missing_ok, no sub-select", "tenant_id::text = current_setting('app.tenant_id')",
			facts{compares: true, required: true, cast: true, castType: "text", reads: true}},
		{"function on the column", "lower(tenant_id::text) = (SELECT current_setting('app.tenant_id', true))",
			facts{compares: true, required: true, cast: true, reads: true, initPlan: true, missingOK: true}},
		{"cast to bigint spelled int8", "tenant_id::int8 = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint)",
			facts{compares: true, required: true, cast: true, castType: "bigint", reads: true, initPlan: true, missingOK: true, guard: true}},
		{"no guard", "tenant_id = (SELECT current_setting('app.tenant_id', true)::uuid)",
			facts{compares: true, required: true, reads: true, initPlan: true, missingOK: true}},
		{"missing_ok false", "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', false), '')::uuid)",
			facts{compares: true, required: true, reads: true, initPlan: true, guard: true}},
		{"missing_ok as a string", "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', 'on'), '')::uuid)", clean},
		{"OR bypass", "tenant_id = current_setting('app.tenant_id', true)::uuid OR current_setting('app.bypass_rls', true) = 'on'",
			facts{compares: true, topOr: true, reads: true, missingOK: true, other: "app.bypass_rls"}},
		{"OR bypass below AND", "x > 0 AND (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) OR is_public)",
			facts{compares: true, topOr: true, reads: true, initPlan: true, missingOK: true, guard: true}},
		{"under CASE", "CASE WHEN is_public THEN true ELSE tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) END",
			facts{compares: true, reads: true, initPlan: true, missingOK: true, guard: true}},
		{"membership sub-select is not a comparison with the setting",
			"tenant_id IN (SELECT m.tenant_id FROM members m WHERE m.user_id = current_setting('app.user_id', true))",
			facts{initPlan: true, missingOK: true, guard: true, other: "app.user_id"}},
		{"sub-select with FROM reading the setting",
			"tenant_id = (SELECT t.id FROM tenants t WHERE t.slug = current_setting('app.tenant_id', true))",
			facts{reads: true, initPlan: true, missingOK: true}},
		{"another setting", "tenant_id = current_setting('app.other', true)::uuid", facts{initPlan: true, missingOK: true, guard: true, other: "app.other"}},
		{"a computed setting name", "tenant_id = (SELECT NULLIF(current_setting('app.' || 'tenant_id', true), '')::uuid)",
			facts{initPlan: true, missingOK: true, guard: true, other: "(computed)"}},

		// Fail-open value sides (issue 8): the value can be the row's own tenant.
		{"CASE bypass with a correlated reference in the sub-select",
			"tenant_id = (SELECT CASE WHEN current_setting('app.bypass_rls', true) = 'on' THEN projects.tenant_id ELSE NULLIF(current_setting('app.tenant_id', true), '')::uuid END)",
			facts{compares: true, failOpen: true, reads: true, initPlan: true, missingOK: true, guard: true, other: "app.bypass_rls"}},
		{"CASE bypass as pg_policies shows it",
			`(tenant_id = ( SELECT CASE WHEN (current_setting('app.bypass_rls'::text, true) = 'on'::text) THEN projects.tenant_id ELSE (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid END AS "case"))`,
			facts{compares: true, failOpen: true, reads: true, initPlan: true, missingOK: true, guard: true, other: "app.bypass_rls"}},
		{"COALESCE with the column",
			"tenant_id = COALESCE(NULLIF(current_setting('app.tenant_id', true), '')::uuid, tasks.tenant_id)",
			facts{compares: true, failOpen: true, reads: true, missingOK: true, guard: true}},
		{"COALESCE with the column inside the sub-select",
			"tenant_id = (SELECT COALESCE(NULLIF(current_setting('app.tenant_id', true), '')::uuid, tenant_id))",
			facts{compares: true, failOpen: true, reads: true, initPlan: true, missingOK: true, guard: true}},
		{"a nested sub-select's own column is no correlated reference",
			"tenant_id = (SELECT COALESCE(NULLIF(current_setting('app.tenant_id', true), '')::uuid, (SELECT p.tenant_id FROM projects p LIMIT 1)))",
			clean},
		{"column compared with a constant", "tenant_id = '00000000-0000-0000-0000-000000000000'", none},
		{"true", "true", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"1 = 1", "1 = 1", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"'a' = 'a'", "'a' = 'a'", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"'t'::boolean", "'t'::boolean", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"NOT false", "NOT false", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"true AND 2 > 1", "true AND 2 > 1", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"1 IS NOT NULL", "1 IS NOT NULL", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"tenant_id = tenant_id", "tenant_id = tenant_id", facts{initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"tenant OR true", "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) OR true",
			facts{compares: true, topOr: true, reads: true, initPlan: true, missingOK: true, guard: true, alwaysTrue: true}},
		{"1 = 2", "1 = 2", none},
		{"'1'::int = 1 is not judged", "'1'::int = 1", none},
		{"NULL", "NULL", none},
		{"a column", "is_public", none},
		{"empty", "", none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PolicyFacts(tc.expr, "tenant_id", "app.tenant_id")
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.want.want(); got != want {
				t.Errorf("PolicyFacts(%q)\n got %+v\nwant %+v", tc.expr, got, want)
			}
		})
	}
}

func TestPolicyFactsRootKey(t *testing.T) {
	got, err := PolicyFacts("id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint)", "id", "app.tenant_id")
	if err != nil || !got.ComparesTenant || !got.TenantRequired || got.ColumnCast {
		t.Fatalf("%+v %v", got, err)
	}
	// The tenant column of another table does not count.
	got, _ = PolicyFacts("tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint)", "id", "app.tenant_id")
	if got.ComparesTenant {
		t.Fatalf("%+v", got)
	}
}

func TestPolicyFactsError(t *testing.T) {
	if _, err := PolicyFacts("tenant_id = ", "tenant_id", "app.tenant_id"); err == nil {
		t.Fatal("want an error for an expression that does not parse")
	}
	if _, err := PolicyFacts("1; DROP TABLE x", "tenant_id", "app.tenant_id"); err == nil {
		t.Fatal("want an error for two statements")
	}
}

// FuzzPolicyFacts: any text gives facts or an error, never a panic.
func FuzzPolicyFacts(f *testing.F) {
	for _, s := range []string{
		"tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)",
		"tenant_id::text = current_setting('app.tenant_id') OR - x",
		"CASE WHEN a THEN tenant_id = current_setting('app.tenant_id')::uuid END",
		"NOT (1 = 1) AND current_setting()",
		"tenant_id = ANY (ARRAY[current_setting('app.tenant_id', true)::uuid])",
		"EXISTS (SELECT 1 WHERE tenant_id = current_setting('app.tenant_id', true)::uuid)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = PolicyFacts(expr, "tenant_id", "app.tenant_id")
	})
}
