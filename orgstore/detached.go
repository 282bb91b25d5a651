package orgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/tenant"
)

// AdoptedOrganization is the organization whose tenant row
// Store.ResolveTenant creates: one another service (Better Auth) made. It is
// what Config.TenantDefaultsFor derives the tenant's columns from.
type AdoptedOrganization struct {
	ID, Name, Slug string
}

// DetachedTenants returns the tenants that have no organization, by tenant
// id: those whose organization was deleted while the bridge detaches
// (store.on_organization_delete: detach, the default — the tenant row and
// its data stay, its bridge column is NULL), and those the store never
// bridged (rows of the tenants table made before the bridge column existed,
// or by the application without an organization). It runs no actor check:
// it is for operators and background jobs, which decide what becomes of a
// detached tenant's data (export, delete, keep). With the organizations
// table as the tenant root (Schema.Tenants.Table empty) there is no bridge
// and the result is empty. One query, on the bridge column's unique index.
func (s *Store[O, U, M, I, T]) DetachedTenants(ctx context.Context) ([]tenant.ID, error) {
	t := s.cfg.Schema.Tenants
	if t.Table == "" {
		return nil, nil
	}
	var out []tenant.ID
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		rows, err := q.Query(ctx, fmt.Sprintf("SELECT %s::text FROM %s WHERE %s IS NULL ORDER BY 1",
			ident(t.ID), ident(t.Table), ident(t.OrganizationID)))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tenant.ID, error) {
			var id string
			err := r.Scan(&id)
			return tenant.ID(id), err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("orgstore: listing detached tenants: %w", err)
	}
	return out, nil
}

// tenantDefaults returns the column values of the tenant row adopted for
// org: Config.TenantDefaultsFor's, over Config.TenantDefaults.
func (s *Store[O, U, M, I, T]) tenantDefaults(ctx context.Context, q tenant.Querier, org string) (map[string]any, error) {
	if s.cfg.TenantDefaultsFor == nil {
		return s.cfg.TenantDefaults, nil
	}
	o := s.cfg.Schema.Organizations
	a := AdoptedOrganization{ID: org}
	if err := q.QueryRow(ctx, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s::text = $1",
		ident(o.Name), ident(o.Slug), ident(o.Table), ident(o.ID)), org).Scan(&a.Name, &a.Slug); err != nil {
		return nil, fmt.Errorf("orgstore: reading organization %s for its tenant: %w", org, err)
	}
	derived, err := s.cfg.TenantDefaultsFor(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("orgstore: Config.TenantDefaultsFor of organization %s: %w", org, err)
	}
	out := make(map[string]any, len(s.cfg.TenantDefaults)+len(derived))
	for k, v := range s.cfg.TenantDefaults {
		out[k] = v
	}
	for k, v := range derived {
		out[k] = v
	}
	return out, nil
}
