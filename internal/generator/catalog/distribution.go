package catalog

import "github.com/tenantc/tenantc/internal/generator/source"

// DistributionMethod says how Citus spreads a table over its nodes.
type DistributionMethod string

const (
	// Distributed is a hash-distributed table (create_distributed_table):
	// each row lives on the shard its distribution column hashes to.
	Distributed DistributionMethod = "distributed"
	// Reference is a reference table (create_reference_table): a full copy
	// on every node.
	Reference DistributionMethod = "reference"
)

// Colocation values of create_distributed_table's colocate_with that name no
// table: 'default' groups the table with others of the same distribution
// column type and shard count, 'none' starts a group of its own.
const (
	ColocateDefault = "default"
	ColocateNone    = "none"
)

// Distribution is one table's Citus distribution, as the schema's last
// create_distributed_table / create_reference_table call on it left it.
// undistribute_table removes it (Table.Distribution becomes nil). It lives
// on the table, so renames and drops carry it along.
type Distribution struct {
	Method DistributionMethod
	// Column is the distribution column as written in the call (Citus looks
	// it up without case folding); empty for a reference table.
	Column string
	// ColocateWith is ColocateDefault, ColocateNone or the table the call
	// colocates with (ColocateTable); empty for a reference table.
	ColocateWith string
	// ColocateTable is the resolved table of a colocate_with naming one.
	ColocateTable *Name
	// Pos is the call.
	Pos source.Pos
}
