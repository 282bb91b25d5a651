// Package tenancy decides, for every table of the catalog, how it belongs to a
// tenant, and reports every way the schema could let one tenant see or touch
// another's rows. Its output is plain Go values; later stages never look at SQL.
package tenancy

import (
	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// Kind says how a table belongs to a tenant.
type Kind int

const (
	// Unclassified tables have no tenant column, no foreign-key path to a tenant
	// and are not declared global: every tenant can read them.
	Unclassified Kind = iota
	// Root is the tenant table itself: one row per tenant.
	Root
	// Scoped tables carry the tenant column; tenantc writes their policies.
	Scoped
	// Owned tables have no tenant column but reach a scoped table (or the root)
	// through foreign keys; RLS cannot protect them until they get the column.
	Owned
	// Global tables are shared by every tenant and never get policies.
	Global
)

func (k Kind) String() string {
	return [...]string{"unclassified", "tenant root", "scoped", "indirectly owned", "global"}[k]
}

// Tenant describes how the schema names a tenant.
type Tenant struct {
	// Root is the tenant table.
	Root catalog.Name
	// Key is the root's primary-key column, which the tenant column references.
	Key string
	// Column is the column that scopes a row to a tenant.
	Column string
	// Setting is the transaction-local setting the policies read.
	Setting string
	// Type is the SQL type of the tenant key: uuid, bigint, integer or text.
	Type string
	// Citus is true for distribute: citus (Config.Citus): the policies
	// compare the column with the setting without the (SELECT …) wrapper,
	// which Citus refuses in a policy on a distributed table.
	Citus bool
}

// Table is one table of the catalog with its classification.
type Table struct {
	*catalog.Table
	Kind Kind
	// TenantColumn is the column the policy compares with the setting: the tenant
	// column of a scoped table, the key column of the root; nil otherwise.
	TenantColumn *catalog.Column
	// Path is, for an owned table, the chain of tables its foreign keys follow to
	// the first scoped table or the root, starting with the table itself.
	Path []catalog.Name
	// Store is true for a table of the organization store (Config.Store):
	// global, or the root when tenant.table names it.
	Store bool
}

// Model is the tenancy of a whole schema.
type Model struct {
	Tenant  Tenant
	Catalog *catalog.Catalog
	// Tables lists every table in the order the schema created them.
	Tables []*Table
}

// Table finds a table by name, or returns nil.
func (m *Model) Table(n catalog.Name) *Table {
	for _, t := range m.Tables {
		if t.Name == n {
			return t
		}
	}
	return nil
}

// Protected returns the tables tenantc writes policies for: the root and every
// scoped table, partitions included, in schema order.
func (m *Model) Protected() []*Table {
	var out []*Table
	for _, t := range m.Tables {
		if t.Kind == Root || t.Kind == Scoped {
			out = append(out, t)
		}
	}
	return out
}
