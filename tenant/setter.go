package tenant

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultSetterFunction is the function tenantc's migrations create for
// distribute: citus (see [WithSetterFunction]).
const DefaultSetterFunction = "public.tenantc_set_tenant"

// ErrCitusSetter is matched (errors.Is) by the error [Verify] returns when
// the database runs Citus and the DB sets the tenant with set_config: Citus
// does not send set_config to its workers, so on every distributed table
// each tenant would see no rows and write none.
var ErrCitusSetter = errors.New("tenant: the database runs Citus, whose workers never see a tenant set with set_config " +
	"(every tenant would see no rows of a distributed table)")

// maxIdentifier is PostgreSQL's NAMEDATALEN - 1: a longer name is truncated
// by the server, so it would call another function than the one named.
const maxIdentifier = 63

// WithSetterFunction makes the DB set the tenant by calling the function
// name(setting text, tenant text) instead of set_config: the statement that
// rides with each transaction's first statement becomes
// SELECT name($1::text, $2::text), with the same arguments. Use it on Citus
// (tenantc.yaml distribute: citus), with [DefaultSetterFunction], which
// tenantc's migrations create there.
//
// Citus does not forward set_config(…, true) to its workers, so a tenant
// would see no rows of a distributed table. It forwards SET LOCAL, only
// when citus.propagate_set_commands is 'local', and only inside a
// transaction block; the function sets both, transaction-local, so the
// tenant still ends with the transaction. The fast path ([DB.Scope]) has no
// block of its own (a pgx batch is one implicit transaction, which Citus
// does not count as a block), so with this option it sends BEGIN, the call,
// the statements and COMMIT, all in its one batch: still one round trip.
// When a statement fails, the server skips the rest, COMMIT too, and the
// runtime sends ROLLBACK before the connection goes back to the pool: one
// more round trip, on errors only. [Run] and [RunSQL] begin a transaction
// anyway and change only the statement.
//
// [Verify] refuses a Citus database without this option
// ([ErrCitusSetter]), and with it, a function that is missing, has another
// signature, or that the role may not execute. It all works on plain
// PostgreSQL too, so one code path can be tested everywhere.
//
// What it costs, measured on plain PostgreSQL 15 on a shared 2-core machine
// (BenchmarkSetter: a fast-path get of one row by key, pgx's statement cache
// warm, the two ways alternating call by call): about 1.1 to 1.3 times the
// set_config fast path, 10 to 20 µs more per call, and 59 allocations where
// set_config takes 41. The plpgsql call and its EXECUTE take about 6 µs on
// the server (1.5 µs for set_config); BEGIN and COMMIT the rest. In Run the
// difference is the call's alone. The round trips are the same.
//
// name is one or two lower-case identifiers ([a-z_][a-z0-9_]*, up to 63
// characters each), "function" or "schema.function"; a schema-qualified name
// does not depend on the connection's search_path. It is quoted into the
// statement, never taken from a request. An invalid name is reported by
// every use of the DB.
func WithSetterFunction(name string) Option {
	return func(c *config) {
		if err := validFunction(name); err != nil {
			c.err = err
			return
		}
		c.setter = name
	}
}

func validFunction(name string) error {
	parts := strings.Split(name, ".")
	ok := len(parts) <= 2
	for _, p := range parts {
		if p == "" || len(p) > maxIdentifier || p[0] >= '0' && p[0] <= '9' {
			ok = false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				ok = false
			}
		}
	}
	if !ok {
		return fmt.Errorf("tenant: invalid setter function name %q: want function or schema.function, lower-case letters, digits and _, up to %d characters each (tenantc's is %s)",
			name, maxIdentifier, DefaultSetterFunction)
	}
	return nil
}

// setterSQL is the statement calling the validated function name. Each part
// is quoted, so a name that is also a keyword still names the function; the
// casts pick the (text, text) function whatever other overloads exist, and
// give the parameters their types in every exec mode. The text depends on
// the name only, so pgx prepares it once per connection.
func setterSQL(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = `"` + p + `"`
	}
	return "SELECT " + strings.Join(parts, ".") + "($1::text, $2::text)"
}

// setterFacts is what verifySQL reads about the setter function; all false
// when none is configured.
type setterFacts struct {
	citus      bool    // the citus extension is installed in this database
	signature  *string // "schema.function(text, text)", nil when there is no name(text, text)
	schema     string  // its schema
	execute    bool    // the role may EXECUTE it
	usage      bool    // the role has USAGE on its schema
	propagates bool    // its body or its SET clauses mention citus.propagate_set_commands
}

// setterErrors judges the setting statement against the database.
func (f setterFacts) setterErrors(setting, setter string) []error {
	if setter == "" {
		if f.citus {
			return []error{fmt.Errorf("%w: set distribute: citus in tenantc.yaml, apply the migrations it generates (they create %s), "+
				"and pass tenant.WithSetterFunction(tenant.DefaultSetterFunction) to NewDB or NewSQLDB", ErrCitusSetter, DefaultSetterFunction)}
		}
		return nil
	}
	if f.signature == nil {
		return []error{fmt.Errorf("tenant: setter function %s(text, text) does not exist in this database, so no tenant can be set "+
			"(apply the migrations tenantc generates with distribute: citus, or check WithSetterFunction's name)", setter)}
	}
	var errs []error
	if !f.execute || !f.usage {
		var grants []string
		if !f.usage {
			grants = append(grants, fmt.Sprintf("USAGE on its schema (GRANT USAGE ON SCHEMA %s TO <role>)", f.schema))
		}
		if !f.execute {
			grants = append(grants, fmt.Sprintf("EXECUTE (GRANT EXECUTE ON FUNCTION %s TO <role>)", *f.signature))
		}
		errs = append(errs, fmt.Errorf("tenant: the role may not call setter function %s: it lacks %s", *f.signature, strings.Join(grants, " and ")))
	}
	if f.citus && !f.propagates {
		errs = append(errs, fmt.Errorf("tenant: setter function %s never sets citus.propagate_set_commands, so on Citus %s would not reach the workers "+
			"(every tenant would see no rows); use the function tenantc generates for distribute: citus", *f.signature, setting))
	}
	return errs
}
