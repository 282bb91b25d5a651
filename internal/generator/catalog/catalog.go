// Package catalog is the schema as the parsed SQL leaves it: plain Go values with
// no parse trees, in the order the statements created them. The parse package
// builds it; every later stage reads it.
package catalog

import (
	"strings"

	"github.com/tenantc/tenantc/internal/generator/source"
)

// Name is a schema-qualified object name exactly as PostgreSQL stores it:
// unquoted identifiers already folded to lower case, quoted ones kept as written.
type Name struct {
	Schema string
	Name   string
}

// String renders the name as SQL, quoting each part only where PostgreSQL needs it.
func (n Name) String() string {
	if n.Schema == "" {
		return QuoteIdent(n.Name)
	}
	return QuoteIdent(n.Schema) + "." + QuoteIdent(n.Name)
}

// Catalog holds every object the schema defines.
type Catalog struct {
	Schemas   []string
	Tables    []*Table
	Views     []*View
	Functions []*Function
	Enums     []*Enum
}

// Table finds a table by name, or returns nil.
func (c *Catalog) Table(n Name) *Table {
	for _, t := range c.Tables {
		if t.Name == n {
			return t
		}
	}
	return nil
}

// Enum finds an enum type by name, or returns nil.
func (c *Catalog) Enum(n Name) *Enum {
	for _, e := range c.Enums {
		if e.Name == n {
			return e
		}
	}
	return nil
}

// Table is a table, partitioned table or partition.
type Table struct {
	Name Name
	Pos  source.Pos // the table name in CREATE TABLE

	Columns     []*Column
	PrimaryKey  *Key // nil when the table has none
	Uniques     []*Key
	ForeignKeys []*ForeignKey
	Indexes     []*Index // every index, including those of keys
	Policies    []*Policy
	Triggers    []*Trigger

	RLSEnabled bool
	RLSForced  bool
	Owner      string // from ALTER TABLE … OWNER TO; empty when never set

	// PartitionBy is the partitioning clause of a partitioned table, e.g.
	// "RANGE (created_at)"; empty otherwise.
	PartitionBy string
	// PartitionOf names the parent of a partition; nil otherwise.
	PartitionOf *Name

	// Distribution is how Citus distributes the table, from a
	// create_distributed_table or create_reference_table call in the schema
	// (or, for a live database, pg_dist_partition); nil for a local table.
	Distribution *Distribution
}

// Column finds a column by name, or returns nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Policy finds a policy by name, or returns nil.
func (t *Table) Policy(name string) *Policy {
	for _, p := range t.Policies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Trigger finds a trigger by name, or returns nil.
func (t *Table) Trigger(name string) *Trigger {
	for _, tr := range t.Triggers {
		if tr.Name == name {
			return tr
		}
	}
	return nil
}

// Column is a table column.
type Column struct {
	Name    string
	Type    Type
	NotNull bool
	// Default is the DEFAULT expression as normalized SQL; empty when none.
	Default string
	// Generated is the expression of a GENERATED ALWAYS AS (…) STORED column.
	Generated string
	// Identity is "ALWAYS" or "BY DEFAULT" for identity columns.
	Identity string
	Pos      source.Pos
}

// Type is a column type.
type Type struct {
	// Schema is set only for user-defined types named with a schema.
	Schema string
	// Name is the SQL spelling PostgreSQL documents: "uuid", "bigint", "text",
	// "timestamp with time zone", or a user type's name.
	Name string
	// Mods are type modifiers as written, e.g. "(255)" or "(10,2)".
	Mods  string
	Array bool
}

// String renders the type as SQL.
func (t Type) String() string {
	var b strings.Builder
	if t.Schema != "" {
		b.WriteString(QuoteIdent(t.Schema))
		b.WriteByte('.')
		b.WriteString(QuoteIdent(t.Name))
	} else if first, rest, ok := strings.Cut(t.Name, " "); ok && (first == "timestamp" || first == "time") {
		// Precision goes after the first word: timestamp(3) with time zone.
		b.WriteString(first + t.Mods + " " + rest)
	} else if builtinType(t.Name) {
		b.WriteString(t.Name + t.Mods)
	} else {
		b.WriteString(QuoteIdent(t.Name) + t.Mods)
	}
	if t.Array {
		b.WriteString("[]")
	}
	return b.String()
}

func builtinType(name string) bool { return strings.Contains(name, " ") || !needsQuote(name) }

// Key is a primary key or unique constraint, or a unique index.
type Key struct {
	Name    string
	Columns []string
	// Index is true for a unique index (CREATE UNIQUE INDEX), false for a
	// constraint: they are dropped and re-created by different statements.
	Index bool
	Pos   source.Pos
}

// ForeignKey is a FOREIGN KEY constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   Name
	RefColumns []string // resolved to the referenced primary key when omitted
	// OnDelete and OnUpdate are the referential actions as SQL ("CASCADE",
	// "SET NULL", "SET DEFAULT", "RESTRICT"); "" is NO ACTION. A fix that
	// replaces the key must keep them. An ON DELETE SET NULL / SET DEFAULT
	// limited to some columns keeps them: "SET NULL (project_id)".
	OnDelete, OnUpdate string
	Pos                source.Pos
}

// FKAction renders PostgreSQL's one-letter referential action code (as in
// pg_constraint.confdeltype and the parse tree) as SQL; "" for NO ACTION.
func FKAction(code string) string {
	switch code {
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	case "r":
		return "RESTRICT"
	}
	return ""
}

// Index is an index: a CREATE INDEX, or the index PostgreSQL creates for a
// primary key or unique constraint (those are in Table.PrimaryKey and
// Table.Uniques as keys too).
type Index struct {
	Name   string
	Unique bool
	// Columns lists the key elements; an expression element is kept as its SQL
	// text in parentheses, so it can never equal a column name.
	Columns []string
	// Where is the predicate of a partial index; empty otherwise.
	Where string
	Pos   source.Pos
}

// Policy is a CREATE POLICY.
type Policy struct {
	Name       string
	Command    string // all, select, insert, update or delete
	Permissive bool
	Roles      []string // empty means PUBLIC
	Using      string   // normalized SQL; empty when absent
	Check      string   // normalized SQL; empty when absent
	Pos        source.Pos
}

// Trigger is a CREATE TRIGGER on a table.
type Trigger struct {
	Name     string
	Function Name
	Pos      source.Pos
}

// View is a view or materialized view.
type View struct {
	Name            Name
	Materialized    bool
	SecurityInvoker bool
	// Reads lists the tables and views the query names, in order, without repeats.
	Reads []Name
	Pos   source.Pos
}

// Function is a function or procedure.
type Function struct {
	Name            Name
	SecurityDefiner bool
	// SearchPath is the value of a SET search_path clause; empty when not fixed.
	SearchPath string
	Language   string
	Pos        source.Pos
	// Body is what the function's SET clauses and body do that the tenancy
	// rules judge: SQL and PL/pgSQL bodies are read, other languages not.
	Body FunctionBody
}

// FunctionBody is what a function does to settings and which functions it
// calls, read from its definition: its SET clauses, and its body when the
// language is SQL or PL/pgSQL.
type FunctionBody struct {
	// Sets lists the changes of settings: set_config calls, SET, SET LOCAL,
	// RESET and RESET ALL statements, updates of pg_settings, dynamic SQL
	// (EXECUTE of a computed string, DO), and SET clauses of the definition
	// (CREATE FUNCTION … SET name = value), in the order written.
	Sets []SettingChange
	// Calls lists the functions and procedures the body calls by name, without
	// repeats, in the order written. An unqualified name has no Schema: the
	// search path decides which function it is. Built-in functions are listed
	// too.
	Calls []Name
	// Unread says why a body in SQL or PL/pgSQL could not be read (a live
	// database holds one that no longer parses); empty when it was read.
	Unread string
}

// SettingChange is one way a function changes a setting.
type SettingChange struct {
	// Setting is the setting's name as written (names are case-insensitive);
	// empty when the name is computed at run time, or for a change of every
	// setting (RESET ALL, dynamic SQL, an update of pg_settings).
	Setting string
	// Via says how: "set_config", "SET", "SET LOCAL", "RESET", "RESET ALL",
	// "SET clause", "EXECUTE", "DO" or "UPDATE pg_settings".
	Via string
}

// Enum is a CREATE TYPE … AS ENUM.
type Enum struct {
	Name   Name
	Values []string
	Pos    source.Pos
}
