package catalog

import "github.com/tenantc/tenantc/internal/generator/source"

// Query is one named statement of a sqlc query file: what sqlc calls it, the SQL
// it runs, the tables it names and the constructs the tenancy checks look for.
// Like the rest of the catalog it holds plain values, no parse trees.
type Query struct {
	// Name and Cmd come from the annotation, e.g. "-- name: ListTasks :many".
	Name string
	Cmd  string // ":one", ":many", ":exec", ":execrows", … as written
	// SQL is the statement as written, from its first token to its end, without
	// the terminating semicolon. sqlc's @name parameters are left as they are.
	SQL string
	// Pos locates the "-- name:" comment.
	Pos source.Pos
	// Command is "select", "insert", "update", "delete" or "other" (MERGE, SET,
	// DDL …), from the statement itself: WITH … INSERT is "insert".
	Command string
	// Tables lists every relation the statement names, in source order without
	// repeats: FROM and JOIN items, subqueries, CTE bodies, INSERT, UPDATE, DELETE
	// and MERGE targets, USING. Unqualified names are resolved to schema "public";
	// names of the statement's CTEs are not relations and are left out. A name may
	// be a view.
	Tables []QueryTable
	// Derived is set when the statement reads a relation of its own: a CTE,
	// a sub-select or a function in FROM. sqlc names such a relation's
	// columns as those of a table of the default schema, public, so a
	// column override "public.*.col" would type them too.
	Derived bool

	// Settings holds the calls of set_config and current_setting, and SHOW.
	Settings []SettingCall
	// Session is set when the statement changes the role or the session: SET,
	// RESET, SET ROLE, SET SESSION AUTHORIZATION, DISCARD.
	Session *SessionChange
	// DDL is set when the statement is DDL: CREATE, ALTER, DROP, TRUNCATE, GRANT,
	// REVOKE, COMMENT, SECURITY LABEL, SELECT … INTO and the like.
	DDL *DDL
	// Calls holds the calls of functions and procedures the statement makes
	// by name (CALL included), in source order; sqlc's own sqlc.* are left out.
	Calls []FunctionCall
	// Patterns holds the pattern filters on columns in WHERE, JOIN … ON and
	// HAVING clauses (sub-selects included).
	Patterns []PatternFilter
	// Routing holds the relations and required equalities a distributed
	// database routes the statement by (see Routing); nil for a statement
	// that reads no relation.
	Routing *Routing
}

// QueryTable is a relation a query names.
type QueryTable struct {
	Name Name
	// Written is true when the query inserts, updates, deletes, merges into,
	// truncates or copies into it anywhere, data-modifying CTEs included.
	Written bool
	Pos     source.Pos // its first mention
}

// SettingCall is a call of set_config or current_setting, or a SHOW statement.
type SettingCall struct {
	// Function is "set_config", "current_setting" or "show".
	Function string
	// Setting is the setting's name when the query gives it as a literal, as
	// written (setting names are case-insensitive); empty when it is computed or
	// passed as a parameter.
	Setting string
	Pos     source.Pos
}

// FunctionCall is a call of a function or procedure in a query.
type FunctionCall struct {
	// Name is the function's name; an unqualified one has no Schema (the
	// search path decides which function it is).
	Name Name
	Pos  source.Pos
}

// SessionChange is a statement that changes the session's role or settings.
type SessionChange struct {
	// Statement names it the way it is written, upper case: "SET ROLE",
	// "RESET ROLE", "RESET ALL", "SET SESSION AUTHORIZATION", "SET",
	// "SET LOCAL", "RESET", "SET TRANSACTION", "DISCARD ALL" …
	Statement string
	// Setting is the variable it sets or resets, lower case as PostgreSQL folds
	// it ("role", "session_authorization", "app.tenant_id", "timezone"); empty for
	// RESET ALL, DISCARD and SET TRANSACTION.
	Setting string
	Pos     source.Pos
}

// DDL is a statement that changes the schema or privileges.
type DDL struct {
	// Statement is the statement's leading keywords in upper case, e.g.
	// "CREATE TABLE", "DROP INDEX", "TRUNCATE", "GRANT", "SELECT … INTO".
	Statement string
	Pos       source.Pos
}

// PatternFilter is a condition on a column that PostgreSQL cannot evaluate
// before the row-level security policy, because its operator or function is not
// LEAKPROOF: LIKE, ILIKE, SIMILAR TO, the regular-expression operators and their
// negations, and lower() or upper() applied to the column.
type PatternFilter struct {
	// Op is "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "SIMILAR TO",
	// "NOT SIMILAR TO", "~", "~*", "!~", "!~*" (with " ANY" or " ALL" appended for
	// op ANY (array)), or "lower()" / "upper()". A LIKE on lower(col) is one
	// filter, reported as the LIKE.
	Op     string
	Column string
	// Table is the column's table when the query's syntax decides it: a
	// qualifier naming a table or its alias, or an unqualified column in a
	// query level whose FROM holds exactly one item, a table. Zero otherwise.
	Table Name
	// Candidates lists, for an unqualified column, every table in scope, the
	// innermost query level first, for a caller that knows the columns of each to
	// find the one PostgreSQL would pick.
	Candidates []Name
	Pos        source.Pos
}

// QueryCmds lists the query commands sqlc accepts after the name.
var QueryCmds = []string{":one", ":many", ":exec", ":execrows", ":execresult", ":execlastid", ":copyfrom", ":batchexec", ":batchmany", ":batchone"}
