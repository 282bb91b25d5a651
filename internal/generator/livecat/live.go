// Package livecat reads the catalog of a live PostgreSQL database into the same
// plain values the SQL parser builds (package catalog), so every rule that
// judges a parsed schema judges a live one too — one rule, one place — and
// into [Live], which holds what SQL text cannot say: roles, owners, grants,
// foreign tables and who is connected.
//
// # Positions
//
// A live object has no file position. Read gives each catalog object a
// [source.Pos] whose File is "db:" followed by the object's name ("db:public.projects",
// "db:policy p on public.projects") and whose Line is 0. Rules that report at
// an object's Pos (package tenancy) so name the object; [Locate] moves that name
// into [diag.Diagnostic.Object] and clears the position.
//
// # Expressions
//
// Defaults, generated columns, index predicates and expression elements, and
// policy USING and WITH CHECK clauses are read with pg_get_expr and normalized
// by [sqlexpr.NormalizeStored], which undoes what the server adds when it
// prints a stored expression (a type on every literal, an alias on sub-select
// columns, = ANY for IN): the expression tenantc generates reads back exactly
// as the parser normalizes it. Two spellings cannot be told apart once
// stored: a literal with an explicit cast ('1 day'::interval) reads back
// without it, and a varchar column used as text reads v::text.
package livecat

import (
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// Live is what a database knows beyond its schema's SQL text.
type Live struct {
	// CurrentUser is the role the connection runs as (current_user).
	CurrentUser string
	// DatabaseOwner owns the database read; it is implicitly a member of
	// pg_database_owner, and so is every role that is a member of it.
	DatabaseOwner string
	// ServerVersion is server_version_num, e.g. 150020.
	ServerVersion int
	// Schemas are the schemas read, in creation order.
	Schemas []*Schema
	// Roles are every role of the cluster, by name.
	Roles []*Role
	// Relations are the tables, partitioned tables, views, materialized views
	// and foreign tables of the schemas read, in creation order.
	Relations []*Relation
	// Functions are the functions and procedures of the schemas read, in
	// creation order; the catalog's Functions in the same order.
	Functions []*Function
	// Rules are the rewrite rules of the schemas read other than a view's
	// own (_RETURN), in creation order.
	Rules []*RewriteRule
	// Settings are the defaults ALTER ROLE … SET and ALTER DATABASE … SET
	// give a new session of the database read: those of this database and
	// those of every database.
	Settings []*RoleSetting
	// Sequences are the sequences of the schemas read, in creation order.
	Sequences []*Sequence
	// DefaultPrivileges are the ALTER DEFAULT PRIVILEGES entries of the
	// database read (pg_default_acl): for every schema or for one of those
	// read.
	DefaultPrivileges []*DefaultPrivilege
}

// Sequence is a sequence with its privileges and the tables that draw from
// it: a serial column's default (nextval), an identity column, or any
// column default calling nextval on it.
type Sequence struct {
	Name   catalog.Name
	Owner  string
	Grants []Grant
	// Tables are the tables whose columns use it, sorted.
	Tables []catalog.Name
}

// DefaultPrivilege is one pg_default_acl entry: the privileges the objects
// of one kind that Role creates get when they are created.
type DefaultPrivilege struct {
	// Role is the creating role the entry is for (FOR ROLE).
	Role string
	// Schema is the schema of an IN SCHEMA entry; "" for every schema.
	Schema string
	// Kind is the object kind: "r" tables, "S" sequences, "f" functions,
	// "T" types, "n" schemas.
	Kind   string
	Grants []Grant
}

// DefaultGrants returns the privileges a kind of object (as in
// DefaultPrivilege.Kind) that role creates in schema gets: the entry for
// every schema (or, without one, PostgreSQL's built-in default — the owner
// alone for tables and sequences) plus the schema's own entry. The owner's
// own privileges are left out.
func (l *Live) DefaultGrants(role, schema, kind string) []Grant {
	var out []Grant
	for _, d := range l.DefaultPrivileges {
		if d.Role != role || d.Kind != kind || d.Schema != "" && d.Schema != schema {
			continue
		}
		for _, g := range d.Grants {
			if g.Grantee != role {
				out = append(out, g)
			}
		}
	}
	return out
}

// Sequence finds a sequence by name, or returns nil.
func (l *Live) Sequence(n catalog.Name) *Sequence {
	for _, s := range l.Sequences {
		if s.Name == n {
			return s
		}
	}
	return nil
}

// Schema is a schema with its owner and privileges.
type Schema struct {
	Name   string
	Owner  string
	Grants []Grant
}

// Role is a role of the cluster.
type Role struct {
	Name      string
	Superuser bool
	BypassRLS bool
	Login     bool
	// Inherit is rolinherit: the role uses the privileges of the roles it is a
	// member of without SET ROLE (before PostgreSQL 16, for every membership).
	Inherit bool
	// CreateRole is rolcreaterole: before PostgreSQL 16 such a role can grant
	// itself membership in any role but a superuser, a BYPASSRLS role included.
	CreateRole bool
	// Replication is rolreplication: a replication connection streams every
	// row of every table, policies notwithstanding.
	Replication bool
	// Memberships are the roles this role was granted directly.
	Memberships []Membership
}

// Membership is one GRANT role TO member.
type Membership struct {
	Role string
	// Inherit says whether the member uses the role's privileges without SET
	// ROLE: rolinherit before PostgreSQL 16, the grant's INHERIT option since.
	Inherit bool
}

// RelKind is the kind of a relation.
type RelKind string

// The relation kinds Read reads.
const (
	KindTable            RelKind = "table"
	KindPartitionedTable RelKind = "partitioned table"
	KindView             RelKind = "view"
	KindMaterializedView RelKind = "materialized view"
	KindForeignTable     RelKind = "foreign table"
)

// Relation is a table, view, materialized view or foreign table.
type Relation struct {
	Name  catalog.Name
	Kind  RelKind
	Owner string
	// Grants are the relation's privileges: its ACL, or the owner's default
	// privileges when it has none.
	Grants []Grant
	// Columns names the columns, in order.
	Columns []string
	// Server is a foreign table's foreign server; empty otherwise.
	Server string
	// ColumnGrants are the column privileges (GRANT UPDATE (col) …) by
	// column, for the columns that have any.
	ColumnGrants map[string][]Grant
	// InactiveTriggers names the triggers that do not fire in an ordinary
	// session: disabled, or enabled for replica sessions only.
	InactiveTriggers []string
}

// Function is a function or procedure with what the catalog does not model.
type Function struct {
	Name catalog.Name
	// Args are the input argument types, as in DROP FUNCTION name(args).
	Args      string
	Procedure bool
	// Trigger is true for a function returning trigger or event_trigger, which
	// only fires as a trigger and cannot be called.
	Trigger         bool
	Owner           string
	SecurityDefiner bool
	// SearchPath is the value of its SET search_path; empty when not fixed.
	SearchPath string
	// Grants are its privileges (EXECUTE): its ACL, or the default — the owner
	// and PUBLIC — when it has none.
	Grants []Grant
}

// Signature renders the function as SQL names it in ALTER and GRANT:
// public.f(uuid, text).
func (f *Function) Signature() string { return f.Name.String() + "(" + f.Args + ")" }

// Grant is one privilege granted to one role.
type Grant struct {
	// Grantee is the role granted; empty for PUBLIC.
	Grantee string
	// Privilege is SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES,
	// TRIGGER, CREATE, USAGE or EXECUTE.
	Privilege string
	Grantable bool
}

// GranteeSQL renders the grantee as GRANT and REVOKE name it.
func (g Grant) GranteeSQL() string {
	if g.Grantee == "" {
		return "PUBLIC"
	}
	return catalog.QuoteIdent(g.Grantee)
}

// Role finds a role by name, or returns nil.
func (l *Live) Role(name string) *Role {
	for _, r := range l.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Relation finds a relation by name, or returns nil.
func (l *Live) Relation(n catalog.Name) *Relation {
	for _, r := range l.Relations {
		if r.Name == n {
			return r
		}
	}
	return nil
}

// Schema finds a schema by name, or returns nil.
func (l *Live) Schema(name string) *Schema {
	for _, s := range l.Schemas {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// MemberOf returns every role that role is a member of, directly or through
// other roles, sorted: the roles it can SET ROLE to, whose objects it may
// alter as their owner. The role itself is not included.
func (l *Live) MemberOf(role string) []string {
	return l.closure(role, func(Membership) bool { return true })
}

// PrivilegesOf returns the roles whose privileges role uses without SET ROLE
// (through inheriting memberships), sorted, the role itself not included.
func (l *Live) PrivilegesOf(role string) []string {
	return l.closure(role, func(m Membership) bool { return m.Inherit })
}

func (l *Live) closure(role string, follow func(Membership) bool) []string {
	seen := map[string]bool{role: true}
	queue := []string{role}
	var out []string
	for len(queue) > 0 {
		r := l.Role(queue[0])
		queue = queue[1:]
		if r == nil {
			continue
		}
		memberships := r.Memberships
		if r.Name == l.DatabaseOwner && l.DatabaseOwner != "" {
			memberships = append(slices.Clone(memberships), Membership{Role: "pg_database_owner", Inherit: true})
		}
		for _, m := range memberships {
			if follow(m) && !seen[m.Role] {
				seen[m.Role] = true
				out = append(out, m.Role)
				queue = append(queue, m.Role)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Holds returns the grants among grants that role holds: granted to it, to
// PUBLIC, or to a role whose privileges it inherits. The owner's implicit
// rights are not grants; ask about ownership separately.
func (l *Live) Holds(role string, grants []Grant) []Grant {
	via := append([]string{role}, l.PrivilegesOf(role)...)
	var out []Grant
	for _, g := range grants {
		if g.Grantee == "" || slices.Contains(via, g.Grantee) {
			out = append(out, g)
		}
	}
	return out
}

// CanBecome reports whether role is, or can SET ROLE to, other: it is other or
// a member of it.
func (l *Live) CanBecome(role, other string) bool {
	return role == other || slices.Contains(l.MemberOf(role), other)
}

// posPrefix marks a source.Pos that names a database object instead of a file.
const posPrefix = "db:"

// Pos returns the position Read gives an object: its name, no line.
func Pos(object string) source.Pos { return source.Pos{File: posPrefix + object} }

// ObjectOf returns the object a Pos made by [Pos] names.
func ObjectOf(p source.Pos) (string, bool) {
	if p.Line != 0 || !strings.HasPrefix(p.File, posPrefix) {
		return "", false
	}
	return strings.TrimPrefix(p.File, posPrefix), true
}

// Locate moves the object named by each diagnostic's live position into its
// Object and clears the position, in place, and returns the list.
func Locate(l diag.List) diag.List {
	for i := range l {
		if obj, ok := ObjectOf(l[i].Pos); ok {
			l[i].Pos = source.Pos{}
			if l[i].Object == "" {
				l[i].Object = obj
			}
		}
	}
	return l
}

// The names of objects, as Pos and diagnostics give them.

// TableObject names a table: public.projects.
func TableObject(t catalog.Name) string { return t.String() }

// ColumnObject names a column: column public.projects.tenant_id.
func ColumnObject(t catalog.Name, col string) string {
	return "column " + t.String() + "." + catalog.QuoteIdent(col)
}

// ConstraintObject names a constraint of a table.
func ConstraintObject(t catalog.Name, name string) string {
	return "constraint " + catalog.QuoteIdent(name) + " on " + t.String()
}

// IndexObject names an index of a table.
func IndexObject(t catalog.Name, name string) string {
	return "index " + catalog.QuoteIdent(name) + " on " + t.String()
}

// PolicyObject names a policy of a table.
func PolicyObject(t catalog.Name, name string) string {
	return "policy " + catalog.QuoteIdent(name) + " on " + t.String()
}

// TriggerObject names a trigger of a table.
func TriggerObject(t catalog.Name, name string) string {
	return "trigger " + catalog.QuoteIdent(name) + " on " + t.String()
}

// RelationObject names a view, materialized view or foreign table by kind:
// "view public.v".
func RelationObject(kind RelKind, n catalog.Name) string {
	if kind == KindTable || kind == KindPartitionedTable {
		return n.String()
	}
	return string(kind) + " " + n.String()
}

// FunctionObject names a function with its argument types.
func FunctionObject(f *Function) string {
	if f.Procedure {
		return "procedure " + f.Signature()
	}
	return "function " + f.Signature()
}

// RoleObject names a role.
func RoleObject(name string) string { return "role " + catalog.QuoteIdent(name) }

// SequenceObject names a sequence: sequence public.posts_id_seq.
func SequenceObject(n catalog.Name) string { return "sequence " + n.String() }

// DefaultPrivilegesObject names the default privileges of the objects role
// creates in schema.
func DefaultPrivilegesObject(role, schema string) string {
	return "default privileges for role " + catalog.QuoteIdent(role) + " in schema " + catalog.QuoteIdent(schema)
}

// SchemaObject names a schema.
func SchemaObject(name string) string { return "schema " + catalog.QuoteIdent(name) }
