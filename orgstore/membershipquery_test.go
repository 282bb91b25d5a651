package orgstore

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

// TestMembershipQueryDoc runs the query tenant.MembershipQuery's doc gives
// as its example — read from the doc comment itself, so the two cannot
// drift — on the real Better Auth 1.7.25 schema with the store's bridge
// (tenants.org_id): a member gets the tenant, anyone else ErrForbidden.
func TestMembershipQueryDoc(t *testing.T) {
	ctx := context.Background()
	query := docExample(t, "../tenant/http.go", "MembershipQuery")
	fx := &fixture{Flavor: flavorBetterAuth, Schema: BetterAuth(), DB: pgtest.NewDatabase(t), emails: map[UserID]string{}}
	fx.open(t, betterAuthDump(t), `CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text);`,
		renderOnDelete(t, "store_better_auth.up.sql.tmpl", "SET NULL"))
	s := fx.store(t, Config{})
	member, outsider := baUser(t, fx), baUser(t, fx)
	org, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: member})
	require.NoError(t, err)

	members := tenant.MembershipQuery(fx.System, query)
	id, err := members.Member(ctx, string(member), string(org.ID))
	require.NoError(t, err, query)
	assert.Equal(t, org.TenantID, id)
	_, err = members.Member(ctx, string(outsider), string(org.ID))
	assert.ErrorIs(t, err, tenant.ErrForbidden)
}

// docExample returns the indented code block of the doc comment of function
// fn in file.
func docExample(t *testing.T, file, fn string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn && fd.Doc != nil {
			var lines []string
			for _, c := range fd.Doc.List {
				if code, ok := strings.CutPrefix(c.Text, "//\t"); ok {
					lines = append(lines, code)
				}
			}
			require.NotEmpty(t, lines, "%s's doc has no code block", fn)
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("no documented func %s in %s", fn, file)
	return ""
}
