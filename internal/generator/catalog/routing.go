package catalog

import "github.com/tenantc/tenantc/internal/generator/source"

// Routing is what a distributed database (Citus) needs to know to send a
// statement to one shard rather than to all of them: every relation the
// statement reads or writes, by mention, and the equalities its WHERE and
// JOIN … ON clauses require (top-level AND terms only: an equality under OR or
// NOT restricts nothing). The tenancy stage, which knows each table's tenant
// column, decides from it whether every scoped table is pinned to one tenant.
type Routing struct {
	Rels       []RoutedRel
	Equalities []Equality
}

// RoutedRel is one mention of a relation of the schema in a FROM item, JOIN,
// or the target of INSERT, UPDATE, DELETE or MERGE. The names of the
// statement's CTEs are not relations and are left out.
type RoutedRel struct {
	Name Name
	// Visible is how the rest of the query refers to it: its alias, else its
	// own (unqualified) name.
	Visible string
	Aliased bool
	// Level numbers the query level (SELECT, sub-select, CTE body, UPDATE …)
	// the mention belongs to; two mentions of one level are joined.
	Level int
	// Inserted is true for the target of an INSERT, which Citus routes by the
	// value the row gets for the distribution column (tenantc's default fills
	// it from the tenant setting): it needs no predicate.
	Inserted bool
	// Verb is what the statement does to the relation here, for messages:
	// "reads", or "updates", "deletes from", "merges into" for a target.
	Verb string
	Pos  source.Pos
}

// Equality is "Left = Right" as a required condition of the statement.
type Equality struct {
	Left, Right Operand
	Pos         source.Pos
}

// Operand is one side of an Equality: a column of a relation, or a value the
// query fixes (a parameter or a constant).
type Operand struct {
	// Column is the column's name; empty for a value.
	Column string
	// Rel is the index in Routing.Rels of the column's relation when the
	// query's syntax decides it (a qualifier), else -1.
	Rel int
	// Candidates lists, for an unqualified column, the Rels indexes of the
	// relations it may belong to, one list per query level, innermost first:
	// the column is the one of the first relation in the first level that has
	// it (where PostgreSQL finds it).
	Candidates [][]int
	// Value is set for a value: "$1" for a parameter (sqlc's @name and
	// sqlc.arg(name) are parameters too: "@name"), or the constant as written.
	Value string
}
