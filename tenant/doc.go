// Package tenant is the runtime of tenantc: it runs SQL for one tenant under
// the row level security policies tenantc generates.
/*
Those policies compare each row's tenant column with the transaction-local
setting app.tenant_id and fail closed: with the setting unset or empty, a
protected table has no rows and accepts no writes. This package sets that
setting, for exactly one transaction at a time, and nothing else; the database
does the isolating. It imports pgx and the standard library only.

# Tenants in a context

A tenant travels in the [context.Context] of a request, put there by
[WithID] (usually by [Middleware]) and read by [IDFrom]. [ID] is the tenant
key in text form, the value set_config receives; the zero ID "" means no
tenant. Every entry point checks for a tenant first and returns [ErrNoTenant]
before a connection is acquired or a byte is sent, so forgetting the tenant is
an error, never a query that runs without one.

An ID has one spelling per tenant: the one PostgreSQL writes. Several texts
name one uuid ("AAAA…", "{aaaa…}", no hyphens) and several name one bigint
("042", "+42", " 42"); PostgreSQL would take them all for the same tenant,
but Go would not, and a comparison, map or cache key in the application
would treat one tenant as two — a deny list or a per-tenant limit skipped by
changing case. Rewriting such an ID to the canonical form is not safe
either, since this package does not know the key's type and for a text key
"AAAA" and "aaaa" are two tenants. So every entry point refuses an ID
PostgreSQL would read as a uuid or an integer but write differently, with
[ErrInvalidID], before sending anything ([ValidID]; [IDFrom] reports no
tenant for it, and [Middleware] refuses it from a resolver). Resolvers
turn request input into IDs with [ParseUUID] and [ParseInt]. A text key
that looks like a number or a uuid must be written in that canonical form
too.

# Scopes

Generated repositories take a [*Scope], not a pgx connection. A Scope has only
unexported fields and comes from one of three places, so its type says how
the statements it runs are scoped:

  - [Run] runs a function in one transaction for ctx's tenant. Use it when
    statements must be atomic or see one another's writes.
  - [DB.Scope] is the single-statement fast path: each statement reads the
    tenant from its own ctx and travels in a batch with its set_config.
  - [System] runs a function in one transaction for no tenant, on a separate
    pool whose role has BYPASSRLS. It is the only way across tenants, and
    named so it can be found with grep. [SystemQuery] and [SystemQueryRow]
    are its single-statement form: one statement, no explicit transaction,
    one round trip, refused as System refuses.

A Scope from Run or System is held by each statement for its whole life —
an Exec from send to result, a QueryRow through its Scan, each call on the
rows of a Query — and Run takes it before COMMIT or ROLLBACK, so a statement
a goroutine still has in flight is waited for, and one begun later gets
[ErrScopeClosed]. Without that, a goroutine that outlived Run could send its
statement on a connection already back in the pool: into another tenant's
transaction. Rows left open are never waited for (the scope is not held
between calls); they are cut off, and the busy connection is destroyed.
Because the scope is held during a call, code that pgx runs inside one — a
custom sql.Scanner or pgx.QueryRewriter — must not use the same scope: it
would wait for itself.

[Scope.Querier] returns a [Querier], the method set of sqlc's pgx/v5 DBTX, for
sqlc's New. Handing a repository the bare pool is therefore a compile error
rather than a silent "zero rows" bug — or, on a bypassing role, an
"all rows" one.

	err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
		q := queries.New(s.Querier())
		project, err := q.CreateProject(ctx, name)
		if err != nil {
			return err
		}
		return q.AddTask(ctx, project.ID, "first task")
	})

	// One statement: no transaction needed.
	projects, err := queries.New(db.Scope().Querier()).ListProjects(ctx)

# Round trips

The setting never costs a round trip of its own. The fast path sends
[set_config, statement] as one pgx batch, which PostgreSQL runs as one
implicit transaction ending at its Sync: one round trip, the same as the bare
statement. Run does not send BEGIN when it starts; the first statement fn runs
carries BEGIN and set_config in the same batch, and COMMIT follows fn. Counted
on the wire after pgx's statement cache is warm (see the package's tests):

	bare statement, no tenant            1
	DB.Scope fast path                   1   (with a setter function, see Citus)
	Run with one statement               2   [BEGIN, set_config, statement], COMMIT
	pgx.Tx: BEGIN, set_config, …, COMMIT 4
	DB.Scope batch (SendBatch)           1   [set_config, q1, …, qn]
	DB.Scope CopyFrom                    1   [set_config, INSERTs of 100 rows]
	Run with one batch or CopyFrom       2
	System CopyFrom (real COPY)          3   BEGIN, COPY, COMMIT
	SystemQuery, SystemQueryRow          1   the statement alone, autocommitted

A tenant scope's CopyFrom inserts its rows as one batch of INSERTs:
PostgreSQL refuses COPY FROM into a table whose row level security applies
to the role.

In [pgx.QueryExecModeDescribeExec] pgx describes every statement (or batch)
in a round trip of its own before running it: the bare statement and the fast
path take 2, Run 3, the pgx.Tx 6.

# database/sql

For sqlc's sql_package database/sql (its default), [SQLDB] wraps a *sql.DB
opened with pgx's stdlib driver, and [RunSQL] runs a function in one
transaction for ctx's tenant; its [SQLScope] is what the repositories
generated for database/sql take, and [SQLScope.Querier] is the method set of
sqlc's database/sql DBTX. There is no fast path: sqlc's database/sql code
reads *sql.Rows and *sql.Row, which only database/sql can make, so a
statement cannot travel in a batch with its set_config. RunSQL fails closed
as Run does (no tenant, a nil or ended scope, a context naming another
tenant, a swallowed failed statement) and costs BEGIN, set_config and COMMIT
as round trips of their own: four for one statement, one more per statement.
[VerifySQL] is [Verify] for an SQLDB.

	err := tenant.RunSQL(ctx, sqlDB, func(ctx context.Context, s *tenant.SQLScope) error {
		_, err := queries.NewTenantRepos(s).Projects.CreateProject(ctx, name)
		return err
	})

# Why transaction-local

set_config(…, true) ends with its transaction, however it ends. A connection
returns to the pool with no tenant; if it is returned inside a transaction
(a failed COMMIT, rows left open, a context cancelled mid-statement), pgxpool
destroys it instead. Session-level SET is never used: it would outlive the
request on a pooled connection, and PgBouncer's transaction pooling does not
support it.

# Citus

Citus does not send set_config to its workers: on a distributed table a
tenant set that way sees no rows and writes none. It forwards SET LOCAL, and
only with citus.propagate_set_commands = 'local' and inside a transaction
block. With tenantc.yaml's distribute: citus the migrations create a
function that sets both, [DefaultSetterFunction], and [WithSetterFunction]
makes a [DB] or [SQLDB] call it wherever it would call set_config. Run and
RunSQL open a transaction block anyway; the fast path, whose pgx batch is
an implicit transaction but not a block, then sends [BEGIN, the call,
statement, COMMIT] as its one batch. So the round trips above do not change
(a failed statement adds a ROLLBACK), and the setting stays
transaction-local. It costs 10 to 20 µs per fast-path call, about 1.2 times
a get by key (see WithSetterFunction). [Verify] refuses a Citus database
without it ([ErrCitusSetter]) and, with it, a function that is missing or
that the role may not execute; [DB.SetterFunction] tells which way a DB
sets the tenant. All of it works on plain PostgreSQL too, so the Citus code
path runs in every test; on a real cluster, CITUS_URL runs the package's
TestCitusSetter.

	db := tenant.NewDB(pool, tenant.WithSetterFunction(tenant.DefaultSetterFunction))

# Query exec modes and PgBouncer

Both scoped paths work in all five query exec modes ([pgx.QueryExecMode]),
because a pgx batch does. Statements take the connection's DefaultQueryExecMode; per-query options
such as a QueryExecMode argument are refused, since a batch cannot honour them
(query rewriters such as [pgx.NamedArgs] are fine).

Behind PgBouncer in transaction pooling, each batch and each Run transaction
stays on one server connection, and the setting never outlives it. Use
[pgx.QueryExecModeExec], [pgx.QueryExecModeCacheDescribe] or
[pgx.QueryExecModeSimpleProtocol] unless PgBouncer is 1.21 or newer with
max_prepared_statements set.

# Roles

Superusers and roles with BYPASSRLS skip the policies even with FORCE ROW
LEVEL SECURITY, and a table's owner can switch them off. Others get there
in one step: CREATEROLE (up to PostgreSQL 15 it grants itself any role),
REPLICATION (a replication connection sees every row), a role it can SET
ROLE to — inherited or not — with any of these, and pg_execute_server_program,
pg_read_server_files and pg_write_server_files, which reach the files under
the tables. Call [Verify] when a service starts: it fails if the
application's role is any of these ([ErrUnsafeRole]), or if the tenant
setting has a default — a role or database default, options=-c, PGOPTIONS
— that every statement sent without a tenant would see ([ErrTenantDefault]). [System]
checks the opposite for its own pool: a role without BYPASSRLS would not see
across tenants but find every protected table empty, so System refuses it.

# HTTP

[Middleware] finds each request's tenant through a chain of [Resolver]s, the
first match winning, and puts it in the request's context. [APIKey] resolves
agents by key ([Keys]); people are resolved by [ActiveOrganization], [Header],
[Subdomain] or [PathValue], which all check membership through [Members]
before accepting a tenant, because a tenant named by a request or remembered
in a session is a claim, not a credential. No match is 401, a non-member 403.
[MembershipQuery] implements Members with one SQL query on a [SystemDB]; an
organization id its query cannot read as its type (a malformed uuid) is a
non-member's 403 too, while a failing database is a 500. A resolver's id not
in canonical form ([ErrInvalidID], also [ParseUUID]'s error) is a 400: the
request is malformed. Every refusal is logged through log/slog
([Middleware.Logger], default [slog.Default]) with its full cause, 500s at
level Error, so a broken membership query cannot fail silently.

[BetterAuthSession] resolves people signed in through Better Auth: it
verifies Better Auth's signed session cookie (or bearer token) and, in one
query, reads the session, its active organization, the user's membership and
the tenant; a removed member whose session still names the organization gets
403. It is a [ContextResolver]: the handler finds the user with [UserFrom].

# Generated code

Generated files refer to [SupportPackageIsVersion1], so a runtime too old for
them fails to compile instead of misbehaving.
*/
package tenant
