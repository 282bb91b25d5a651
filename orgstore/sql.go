package orgstore

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
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
	if sc.Organizations.Table == "" || sc.Members.Table == "" {
		return nil, fmt.Errorf("orgstore: the schema needs organizations and members tables")
	}
	// Checked here, once: every statement below and newID read IDs as one of
	// the two.
	if !sc.IDs.valid() {
		return nil, fmt.Errorf("orgstore: Schema.IDs is %s: want %s or %s", sc.IDs, DatabaseIDs, Random32IDs)
	}
	st := &statements{schema: sc}
	m := sc.Members
	st.memberRoles = fmt.Sprintf("SELECT %s::text, %s FROM %s WHERE %s = $1 AND %s = $2",
		ident(m.ID), ident(m.Role), ident(m.Table), ident(m.OrganizationID), ident(m.UserID))
	if r := sc.Roles; r.Table != "" {
		st.customRoles = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = $1",
			ident(r.Role), ident(r.Permissions), ident(r.Table), ident(r.OrganizationID))
	}
	o := sc.Organizations
	st.lockOrganization = fmt.Sprintf("SELECT %s::text FROM %s WHERE %s = $1 FOR UPDATE", ident(o.ID), ident(o.Table), ident(o.ID))
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

// rolesDest is the Scan target of every roles column (a member's, an
// invitation's), of the schema's type: text[] (native) or comma-joined text
// (Schema.RolesText). Scanning into the type, rather than into any, spares
// pgx building a []any per row, which costs a page of members a measurable
// share of its time (BenchmarkListMembers).
type rolesDest struct {
	list []pgtype.Text
	text pgtype.Text
}

// rolesTarget is what to pass Scan for d.
func (st *statements) rolesTarget(d *rolesDest) any {
	if st.schema.RolesText {
		return &d.text
	}
	return &d.list
}

// roles is d's roles, as decodeRoles reads them: NULL and empty roles left
// out, a NULL column none.
func (st *statements) roles(d *rolesDest) []string {
	if st.schema.RolesText {
		if !d.text.Valid {
			return nil
		}
		return st.decodeRoles(d.text.String)
	}
	if d.list == nil {
		return nil
	}
	out := make([]string, 0, len(d.list))
	for _, r := range d.list {
		if r.Valid && r.String != "" {
			out = append(out, r.String)
		}
	}
	return out
}

// decodeRoles reads a list scanned into any: text[], or comma-joined text.
// Roles columns are scanned into a rolesDest; this reads what has no fixed
// type (a custom role's permissions).
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
	if st.schema.IDs != Random32IDs {
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

// insertList is an INSERT's column list and VALUES list, built together so
// that a column the schema lacks leaves out its value with it. Values are SQL
// expressions over named parameters (@email, or now()), which the caller
// passes as one pgx.NamedArgs: the statement uses the names it has and
// ignores the others, so no positional $N has to follow which optional
// columns a schema has.
type insertList struct{ cols, vals []string }

// add appends column col (unquoted) with the value expression val.
func (l *insertList) add(col, val string) {
	l.cols = append(l.cols, ident(col))
	l.vals = append(l.vals, val)
}

// addID appends the id column col, whose value is the @id parameter
// (statements.newID's), when the store makes ids; otherwise the column's
// default makes it.
func (l *insertList) addID(sc Schema, col string) {
	if sc.IDs == Random32IDs {
		l.add(col, "@id")
	}
}

// String renders "(columns) VALUES (values)".
func (l insertList) String() string {
	return "(" + strings.Join(l.cols, ", ") + ") VALUES (" + strings.Join(l.vals, ", ") + ")"
}
