package orgstore

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// statements holds the SQL of one schema, built once by New. The operations'
// own statements live beside them in org.go, member.go, team.go and invite.go;
// here are the names and the statements everyone shares.
type statements struct {
	schema Schema

	// memberRoles: $1 organization, $2 user → member id, roles.
	memberRoles string
	// customRoles: $1 organization → role, permissions; "" without the table.
	customRoles string
	// lockOrganization: $1 organization → id, locking the row for the
	// transaction (serialises owner changes of one organization).
	lockOrganization string

	org    orgSQL
	member memberSQL
	team   teamSQL
	invite inviteSQL
}

func buildStatements(sc Schema) (*statements, error) {
	if sc.Organizations.Name == "" || sc.Members.Name == "" {
		return nil, fmt.Errorf("orgstore: the schema needs organizations and members tables")
	}
	st := &statements{schema: sc}
	m := sc.Members
	st.memberRoles = fmt.Sprintf("SELECT %s::text, %s FROM %s WHERE %s = $1 AND %s = $2",
		ident(m.ID), ident(m.Role), ident(m.Name), ident(m.OrganizationID), ident(m.UserID))
	if r := sc.Roles; r.Name != "" {
		st.customRoles = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = $1",
			ident(r.Role), ident(r.Permissions), ident(r.Name), ident(r.OrganizationID))
	}
	o := sc.Organizations
	st.lockOrganization = fmt.Sprintf("SELECT %s::text FROM %s WHERE %s = $1 FOR UPDATE", ident(o.ID), ident(o.Name), ident(o.ID))
	st.org = buildOrgSQL(sc)
	st.member = buildMemberSQL(sc)
	st.team = buildTeamSQL(sc)
	st.invite = buildInviteSQL(sc)
	return st, nil
}

// ident quotes a name for SQL, always: Better Auth's camelCase names need it,
// and quoting a lower-case name changes nothing.
func ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// decodeRoles reads a roles column: text[] (native) or comma-joined text
// (Better Auth), scanned into any.
func (st *statements) decodeRoles(v any) []string {
	switch v := v.(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, r := range v {
			if s, ok := r.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return v
	case string:
		var out []string
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, r)
			}
		}
		return out
	}
	return nil
}

// decodePermissions reads a custom role's permissions: text[] of statements
// (native), or Better Auth's JSON object of resource → actions
// ({"member":["create"]}).
func (st *statements) decodePermissions(v any) []Permission {
	if s, ok := v.(string); ok && st.schema.RolesText {
		var byResource map[string][]string
		if err := json.Unmarshal([]byte(s), &byResource); err != nil {
			return nil // unreadable grants grant nothing
		}
		var out []Permission
		for res, actions := range byResource {
			for _, a := range actions {
				out = append(out, Permission(res+":"+a))
			}
		}
		slices.Sort(out)
		return out
	}
	var out []Permission
	for _, p := range st.decodeRoles(v) {
		out = append(out, Permission(p))
	}
	return out
}

// newID returns a new id made in Go, or "" when the column default makes it.
// Better Auth's ids are 32 random alphanumeric characters.
func (st *statements) newID() string {
	if st.schema.IDs != "random32" {
		return ""
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// encodeRoles is the value to write into a roles column.
func (st *statements) encodeRoles(roles []string) any {
	if st.schema.RolesText {
		return strings.Join(roles, ",")
	}
	return roles
}
