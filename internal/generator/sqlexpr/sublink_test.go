package sqlexpr

import "testing"

func TestHasSubLink(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"", false},
		{"tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid", false},
		{"tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)", true},
		{"EXISTS (SELECT 1 FROM m WHERE m.t = tenant_id)", true},
		{"tenant_id IN (SELECT t FROM m)", true},
		{"tenant_id = ANY (ARRAY(SELECT t FROM m))", true},
		{"tenant_id <> ALL (SELECT t FROM m)", true},
		{"a AND (b OR NOT EXISTS (SELECT))", true},
		{"name <> 'SELECT 1 FROM t' AND \"select\" IS NULL", false},
		{"tenant_id IN ('a', 'b')", false},
	} {
		got, err := HasSubLink(tc.expr)
		if err != nil || got != tc.want {
			t.Errorf("HasSubLink(%q) = %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
	if _, err := HasSubLink("a; b"); err == nil {
		t.Error("HasSubLink of two statements: no error")
	}
}
