package store

import (
	"fmt"
	"slices"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
)

// onDeleteSQL is the bridge foreign key's ON DELETE action for a
// store.on_organization_delete value.
func onDeleteSQL(policy string) string {
	if policy == config.OnDeleteCascade {
		return "CASCADE"
	}
	return "SET NULL"
}

// rebridge is the migration of an existing bridge foreign key to the
// configured ON DELETE action (store.on_organization_delete changed, or a
// project made before the setting existed, whose bridge cascades).
type rebridge struct {
	// Table is the tenant table's quoted name; Constraint the foreign key's
	// quoted name; Organizations the organizations table's quoted name.
	Table, Constraint, Organizations string
	// From is the action the schema has ("" for NO ACTION), To the configured one.
	From, To string
	// Guard: the bridge guard exists already and its function is replaced,
	// so that the table owner's ON DELETE SET NULL passes it.
	Guard bool
	// Fn is the guard function, replaced when Guard.
	Fn guardFn
}

// FromSQL is From as an ON DELETE clause's action.
func (r rebridge) FromSQL() string {
	if r.From == "" {
		return "NO ACTION"
	}
	return r.From
}

// planRebridge returns the change of bridge's foreign key to organizations
// when its ON DELETE action is not want; nil when there is nothing to
// change, no bridge, or no such foreign key (one the project wrote
// differently is its own).
func planRebridge(bridge *catalog.Table, orgs catalog.Name, want string, guardExists bool) *rebridge {
	if bridge == nil || bridge.Column(BridgeColumn) == nil {
		return nil
	}
	for _, fk := range bridge.ForeignKeys {
		if fk.RefTable != orgs || !slices.Equal(fk.Columns, []string{BridgeColumn}) {
			continue
		}
		if fk.OnDelete == want {
			return nil
		}
		return &rebridge{
			Table: bridge.Name.String(), Constraint: catalog.QuoteIdent(fk.Name), Organizations: orgs.String(),
			From: fk.OnDelete, To: want,
			Guard: guardExists && bridge.Trigger(BridgeTrigger) != nil,
			Fn:    guardFn{Function: catalog.Name{Schema: bridge.Name.Schema, Name: BridgeFunction}.String()},
		}
	}
	return nil
}

// checkOnDelete refuses store.on_organization_delete when the organizations
// table is the tenant root: there is no bridge, deleting an organization is
// deleting the tenant, and what happens to its data is up to the tenant
// foreign keys.
func checkOnDelete(opts Options) diag.List {
	root, err := catalog.ParseName(opts.Root)
	if !opts.Store.OnOrganizationDeleteSet || err != nil || root != flavorOf(opts.Store.Flavor).orgs().qname() {
		return nil
	}
	var diags diag.List
	diags.Add(diag.Diagnostic{Pos: opts.Store.Pos.OnOrganizationDelete, Severity: diag.Error,
		Message: fmt.Sprintf("store.on_organization_delete needs a tenant table of your own: tenant.table %s is the organizations table, so deleting an organization deletes the tenant root and its ON DELETE actions decide about the data", root),
		Fix:     "remove store.on_organization_delete, or set tenant.table to a tenants table of your own, which the store bridges to through its org_id column"})
	return diags
}
