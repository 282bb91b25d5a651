package crud

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/pgquery"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

func TestGoName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tasks", "Tasks"},
		{"project_tasks", "ProjectTasks"},
		{"activity_events_2026", "ActivityEvents2026"},
		{"user_id", "UserId"}, // no initialisms: these names are tenantc's own, never sqlc's
		{"userId", "UserId"},  // quoted mixed case keeps its inner capitals
		{"Tasks", "Tasks"},
		{"TASKS", "TASKS"},
		{"a__b", "AB"},          // runs of separators are one
		{"_tasks_", "Tasks"},    // leading and trailing ones vanish
		{"my tasks", "MyTasks"}, // any non-letter, non-digit separates
		{"my-tasks", "MyTasks"},
		{"a.b", "AB"},
		{`say "hi"`, "SayHi"},
		{"a$b", "AB"},
		{"2fa_codes", "T2faCodes"}, // a Go name cannot start with a digit
		{"2026", "T2026"},
		{"", "T"}, // nothing left: still a valid exported name
		{"__", "T"},
		{"order", "Order"}, // keywords are fine in Go once capitalized
		{"select", "Select"},
		{"größe", "Größe"},              // unicode letters stay
		{"éclair_types", "ÉclairTypes"}, // and are capitalized
		{"日本_tasks", "日本Tasks"},         // no upper case: not exported, but the Go compiler would say so
	} {
		assert.Equal(t, tc.want, GoName(tc.in), "GoName(%q)", tc.in)
	}
}

func TestArgName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tenant_id", "tenant_id"},
		{"TenantID", "tenantid"}, // folded
		{"userId", "userid"},     // Better Auth's columns
		{"my col", "my_col"},     // other characters become _
		{"a-b.c", "a_b_c"},
		{`say "hi"`, "say__hi_"},
		{"a$b", "a_b"},
		{"größe", "gr__e"},     // non-ASCII too: sqlc.arg takes a plain identifier
		{"2fa", "c_2fa"},       // digit first
		{"", "c_"},             // empty
		{"order", "order_"},    // reserved: sqlc.arg(order) does not parse
		{"user", "user_"},      // reserved: sqlc.arg(user) is CURRENT_USER
		{"ORDER", "order_"},    // folded, then reserved
		{"left", "left_"},      // TYPE_FUNC_NAME_KEYWORD
		{"between", "between"}, // COL_NAME_KEYWORD: parses as a column
		{"name", "name"},       // unreserved
		{"order_", "order_"},
	} {
		assert.Equal(t, tc.want, argName(tc.in), "argName(%q)", tc.in)
	}
}

// TestArgNameParses: sqlc finds sqlc.arg(x)'s name as a column reference in
// PostgreSQL's parse tree; every argName, the reserved words included, must
// parse as one, naming itself.
func TestArgNameParses(t *testing.T) {
	names := []string{"tenant_id", "TenantID", "my col", "2fa", "", "größe", "between", "name", "values",
		"order", "user", "select", "default", "null", "true", "current_user", "system_user", "left", "join", "collation"}
	for _, in := range names {
		arg := argName(in)
		tree, err := pgquery.Parse("SELECT sqlc.arg(" + arg + ")")
		require.NoError(t, err, "sqlc.arg(%s) for %q", arg, in)
		call := tree.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val.GetFuncCall()
		require.NotNil(t, call, "sqlc.arg(%s) is a function call", arg)
		ref := call.Args[0].GetColumnRef()
		require.NotNil(t, ref, "sqlc.arg(%s)'s argument is a column reference", arg)
		assert.Equal(t, arg, ref.Fields[0].GetString_().Sval)
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct {
		name catalog.Name
		want string
	}{
		{catalog.Name{Schema: "public", Name: "tasks"}, "tenantc_tasks.sql"},
		{catalog.Name{Schema: "app", Name: "tasks"}, "tenantc_app_tasks.sql"},
		{catalog.Name{Schema: "My App", Name: "Tasks"}, "tenantc_my_app_tasks.sql"},
		{catalog.Name{Schema: "public", Name: "order"}, "tenantc_order.sql"}, // no _ for a keyword in a file name
		{catalog.Name{Schema: "public", Name: "2fa"}, "tenantc_c_2fa.sql"},
	} {
		assert.Equal(t, tc.want, FileName(&tenancy.Table{Table: &catalog.Table{Name: tc.name}}), "FileName(%v)", tc.name)
	}
}
