package livecat

import (
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// RewriteRule is a CREATE RULE: its action runs with the rights of the owner
// of the relation it is on, whoever wrote the statement that fired it.
type RewriteRule struct {
	Name string
	// Relation is the table or view the rule is on, of kind Kind.
	Relation catalog.Name
	Kind     RelKind
	// Event is SELECT, INSERT, UPDATE or DELETE.
	Event   string
	Instead bool
	// Enabled is false for a rule that does not fire in an ordinary session
	// (ALTER TABLE … DISABLE RULE, or ENABLE REPLICA RULE).
	Enabled bool
	// Refs are the relations its condition and actions name, other than
	// Relation, in creation order.
	Refs []catalog.Name
}

// RuleObject names a rewrite rule: rule r on public.t.
func RuleObject(rl *RewriteRule) string {
	return "rule " + catalog.QuoteIdent(rl.Name) + " on " + rl.Relation.String()
}

// RoleSetting is one default of pg_db_role_setting: a setting a new session
// starts with.
type RoleSetting struct {
	// Role is the role it applies to; empty for every role (ALTER DATABASE …
	// SET, or ALTER ROLE ALL … SET).
	Role string
	// Database is the database it applies in; empty for every database.
	Database string
	Name     string
	Value    string
}

// SQL is the statement that sets the default, as \drds would list it.
func (s *RoleSetting) SQL() string {
	return s.target() + " SET " + s.Name + " = " + quoteLiteral(s.Value)
}

// ResetSQL is the statement that removes the default.
func (s *RoleSetting) ResetSQL() string {
	return s.target() + " RESET " + s.Name + ";"
}

// target is the ALTER … that names where the default applies: every role,
// a database, a role, or a role in one database.
func (s *RoleSetting) target() string {
	switch {
	case s.Role == "" && s.Database == "":
		return "ALTER ROLE ALL"
	case s.Role == "":
		return "ALTER DATABASE " + catalog.QuoteIdent(s.Database)
	case s.Database == "":
		return "ALTER ROLE " + catalog.QuoteIdent(s.Role)
	}
	return "ALTER ROLE " + catalog.QuoteIdent(s.Role) + " IN DATABASE " + catalog.QuoteIdent(s.Database)
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Reachable returns the grants among grants that role can use: granted to
// it, to PUBLIC, or to any role it can SET ROLE to — inheriting or not, since
// SET ROLE works through a NOINHERIT membership as well (pg_has_role MEMBER).
// The owner's implicit rights are not grants; ask about ownership separately.
func (l *Live) Reachable(role string, grants []Grant) []Grant {
	via := append([]string{role}, l.MemberOf(role)...)
	var out []Grant
	for _, g := range grants {
		if g.Grantee == "" || slices.Contains(via, g.Grantee) {
			out = append(out, g)
		}
	}
	return out
}

// ruleRefs are the relations rule rw's condition and actions name, but for
// the one it is on.
const ruleRefs = `pg_catalog.pg_class dc
		JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
		WHERE dc.relkind IN ('r', 'p', 'v', 'm', 'f') AND dc.oid <> rw.ev_class AND dc.oid IN (
			SELECT d.refobjid FROM pg_catalog.pg_depend d
			WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
				AND d.refclassid = 'pg_catalog.pg_class'::regclass)`

var ruleEvents = map[string]string{"1": "SELECT", "2": "UPDATE", "3": "INSERT", "4": "DELETE"}

// rewriteRules reads the rules that are not a view's definition: only
// pg_depend knows which relations their actions name.
func (r *reader) rewriteRules() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT rw.rulename::text, n.nspname::text, c.relname::text, c.relkind::text, rw.ev_type::text, rw.is_instead,
	rw.ev_enabled IN ('O', 'A'),
	ARRAY(SELECT dn.nspname::text FROM `+ruleRefs+` ORDER BY dc.oid),
	ARRAY(SELECT dc.relname::text FROM `+ruleRefs+` ORDER BY dc.oid)
FROM pg_catalog.pg_rewrite rw
JOIN pg_catalog.pg_class c ON c.oid = rw.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relnamespace = ANY ($1) AND rw.rulename <> '_RETURN'
ORDER BY rw.oid`, r.nsOIDs)
	var (
		rl                     RewriteRule
		schema, name, kind, ev string
		refSchemas, refNames   []string
	)
	_, err := pgx.ForEachRow(rows, []any{&rl.Name, &schema, &name, &kind, &ev, &rl.Instead, &rl.Enabled, &refSchemas, &refNames}, func() error {
		x := rl
		x.Relation = catalog.Name{Schema: schema, Name: name}
		x.Kind = relKinds[kind]
		x.Event = ruleEvents[ev]
		x.Refs = nil
		for i := range refNames {
			x.Refs = append(x.Refs, catalog.Name{Schema: refSchemas[i], Name: refNames[i]})
		}
		r.live.Rules = append(r.live.Rules, &x)
		return nil
	})
	return err
}

// roleSettings reads the session defaults that apply in this database.
func (r *reader) roleSettings() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT coalesce(ro.rolname::text, ''), coalesce(d.datname::text, ''), cfg
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles ro ON ro.oid = s.setrole
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
CROSS JOIN LATERAL unnest(s.setconfig) cfg
WHERE s.setdatabase = 0 OR d.datname = current_database()
ORDER BY 2, 1, 3`)
	var role, db, cfg string
	_, err := pgx.ForEachRow(rows, []any{&role, &db, &cfg}, func() error {
		name, value, _ := strings.Cut(cfg, "=")
		r.live.Settings = append(r.live.Settings, &RoleSetting{Role: role, Database: db, Name: name, Value: value})
		return nil
	})
	return err
}

// columnGrants reads column privileges: a column-level UPDATE is as good as
// the table's for the column it names.
func (r *reader) columnGrants() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT a.attrelid, a.attname::text, coalesce(g.rolname::text, ''), x.privilege_type, x.is_grantable
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
CROSS JOIN LATERAL aclexplode(a.attacl) x
LEFT JOIN pg_catalog.pg_roles g ON g.oid = x.grantee
WHERE c.relnamespace = ANY ($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
ORDER BY 1, a.attnum, 3, 4`, r.nsOIDs)
	var (
		oid uint32
		col string
		g   Grant
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &col, &g.Grantee, &g.Privilege, &g.Grantable}, func() error {
		rel := r.rels[oid]
		if rel == nil {
			return nil
		}
		if rel.ColumnGrants == nil {
			rel.ColumnGrants = map[string][]Grant{}
		}
		rel.ColumnGrants[col] = append(rel.ColumnGrants[col], g)
		return nil
	})
	return err
}

// inactiveTriggers reads which triggers an ordinary session does not fire:
// a disabled guard guards nothing.
func (r *reader) inactiveTriggers() error {
	rows, _ := r.tx.Query(r.ctx, `
SELECT t.tgrelid, t.tgname::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = ANY ($1) AND NOT t.tgisinternal AND t.tgenabled NOT IN ('O', 'A')
ORDER BY t.oid`, r.nsOIDs)
	var (
		oid  uint32
		name string
	)
	_, err := pgx.ForEachRow(rows, []any{&oid, &name}, func() error {
		if rel := r.rels[oid]; rel != nil {
			rel.InactiveTriggers = append(rel.InactiveTriggers, name)
		}
		return nil
	})
	return err
}
