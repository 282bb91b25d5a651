package livecat

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// Citus is what a Citus coordinator says about how its tables are spread
// (pg_dist_partition), for tenantc check.
type Citus struct {
	// Version is the citus extension's version, e.g. "13.2-1".
	Version string
	// Tables are the Citus tables of the database, in oid order: every table
	// pg_dist_partition lists (distributed, reference, Citus local), of any
	// schema.
	Tables []*DistTable
	// Setter is true when the tenant setter function exists (SetterFunction,
	// taking the setting's name and the tenant) and SetterExecutable lists
	// the roles asked about ([ReadCitus]) that may execute it.
	Setter           bool
	SetterExecutable map[string]bool
}

// SetterFunction is the function that sets the tenant on Citus: set_config
// does not reach the workers, a SET LOCAL run with
// citus.propagate_set_commands = 'local' does, and the function runs both.
const SetterFunction = "public.tenantc_set_tenant(text, text)"

// DistKind is how Citus holds a table.
type DistKind string

const (
	// Distributed is hash-distributed by a column into shards over the workers.
	Distributed DistKind = "distributed"
	// AppendRange is distributed by a column with append or range shards.
	AppendRange DistKind = "append/range distributed"
	// Reference is a full copy on every node.
	Reference DistKind = "reference"
	// SingleShard is distributed without a column: one shard (schema-based
	// sharding, or create_distributed_table(t, null)).
	SingleShard DistKind = "single-shard distributed"
	// CitusLocal is a table Citus knows but keeps on the coordinator alone.
	CitusLocal DistKind = "Citus local"
)

// DistTable is one row of pg_dist_partition.
type DistTable struct {
	Name catalog.Name
	// Method is partmethod: h (hash), r (range), a (append), n (none).
	Method string
	// Column is the distribution column; empty for reference, local and
	// single-shard tables.
	Column string
	// Colocation is colocationid: tables with the same one keep the rows of
	// one distribution value on the same node.
	Colocation int
	// RepModel is repmodel: t (two-phase commit: reference tables), s
	// (streaming), c (coordinator, legacy statement replication).
	RepModel string
}

// Kind classifies the table from its method, column and replication model.
func (d *DistTable) Kind() DistKind {
	switch {
	case d.Method == "h":
		return Distributed
	case d.Method == "r" || d.Method == "a":
		return AppendRange
	case d.RepModel == "t":
		return Reference
	case d.Colocation != 0:
		return SingleShard
	}
	return CitusLocal
}

// Table finds a table by name, or returns nil when Citus does not know it.
func (c *Citus) Table(n catalog.Name) *DistTable {
	for _, t := range c.Tables {
		if t.Name == n {
			return t
		}
	}
	return nil
}

// ReadCitus reads the Citus metadata of the database conn is connected to,
// or returns nil when it has no citus extension. roles are the roles whose
// right to execute the setter is asked. The metadata tables are readable by
// every role (Citus grants SELECT on them to PUBLIC).
func ReadCitus(ctx context.Context, conn *pgx.Conn, roles ...string) (*Citus, error) {
	var version string
	err := conn.QueryRow(ctx, "SELECT extversion::text FROM pg_catalog.pg_extension WHERE extname = 'citus'").Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("livecat: citus: %w", err)
	}
	c := &Citus{Version: version, SetterExecutable: map[string]bool{}}
	// column_to_column_name turns partkey (a stored Var) into the column's
	// name; reference and local tables have no partkey.
	rows, _ := conn.Query(ctx, `
SELECT n.nspname::text, cl.relname::text, p.partmethod::text,
	CASE WHEN p.partkey IS NULL OR p.partkey = '' THEN '' ELSE pg_catalog.column_to_column_name(p.logicalrelid, p.partkey)::text END,
	p.colocationid, p.repmodel::text
FROM pg_catalog.pg_dist_partition p
JOIN pg_catalog.pg_class cl ON cl.oid = p.logicalrelid
JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
ORDER BY p.logicalrelid::oid`)
	var d DistTable
	if _, err := pgx.ForEachRow(rows, []any{&d.Name.Schema, &d.Name.Name, &d.Method, &d.Column, &d.Colocation, &d.RepModel}, func() error {
		t := d
		c.Tables = append(c.Tables, &t)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("livecat: citus: pg_dist_partition: %w", err)
	}
	setter, err := Setter(ctx, conn, roles...)
	if err != nil {
		return nil, err
	}
	c.Setter = setter != nil
	if setter != nil {
		c.SetterExecutable = setter
	}
	return c, nil
}

// Setter reports whether SetterFunction exists (nil when it does not) and,
// for each of roles, whether it may execute it.
func Setter(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, roles ...string) (map[string]bool, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT pg_catalog.to_regprocedure($1) IS NOT NULL", SetterFunction).Scan(&exists); err != nil {
		return nil, fmt.Errorf("livecat: setter: %w", err)
	}
	if !exists {
		return nil, nil
	}
	out := map[string]bool{}
	for _, r := range roles {
		var ok bool
		if err := q.QueryRow(ctx, "SELECT pg_catalog.has_function_privilege($1, $2, 'EXECUTE')", r, SetterFunction).Scan(&ok); err != nil {
			return nil, fmt.Errorf("livecat: setter: %w", err)
		}
		out[r] = ok
	}
	return out, nil
}
