package orgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantc/tenantc/tenant"
)

// slugPattern is the slug rule of the native schema's CHECK constraint:
// lower-case letters, digits and inner dashes, 1 to 63 characters, so a slug
// is safe in a URL path and as a DNS label.
var slugPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidSlug reports whether slug is a valid organization slug.
func ValidSlug(slug string) bool { return slugPattern.MatchString(slug) }

func validName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 200 {
		return fmt.Errorf("%q: %w (want 1 to 200 characters)", name, ErrInvalidName)
	}
	return nil
}

// orgSQL is the SQL of the organization operations.
type orgSQL struct {
	// insert: @name, @slug, @logo, @metadata, @id (each used when the
	// schema has the column, or makes ids) → id, created, updated.
	insert string
	// ownedBy: $1 user → organizations the user owns.
	ownedBy string
	// lockUser: $1 user; serialises a user's organization creations, so
	// MaxOrganizationsPerUser holds under concurrent requests.
	lockUser string
	// update: @id, @name, @slug, @logo, @metadata → organization; a NULL
	// value keeps the column.
	update string
	// delete: $1 id.
	delete string
	// bySlug: $1 slug, $2 user → the organization when user is a member.
	bySlug string
	// forUser: $1 user → the user's organizations.
	forUser string
	// resolve: $1 organization, $2 user → the tenant ("" when the bridge row
	// is missing); no row when user is not a member.
	resolve string
}

// bridge is how an organization's tenant is read: the select expression
// and the join that expression needs (alias o is the organization).
func bridge(sc Schema) (expr, join string) {
	o, t := sc.Organizations, sc.Tenants
	if t.Table == "" {
		return fmt.Sprintf("o.%s::text", ident(o.ID)), ""
	}
	return fmt.Sprintf("COALESCE(t.%s::text, '')", ident(t.ID)),
		fmt.Sprintf(" LEFT JOIN %s t ON t.%s = o.%s", ident(t.Table), ident(t.OrganizationID), ident(o.ID))
}

// orgColumns is the select list of scanOrganization, over alias o.
func orgColumns(sc Schema) string {
	o := sc.Organizations
	tenantExpr, _ := bridge(sc)
	logo, meta, updated := "''", "''", "o."+ident(o.CreatedAt)
	if o.Logo != "" {
		logo = fmt.Sprintf("COALESCE(o.%s, '')", ident(o.Logo))
	}
	if o.Metadata != "" {
		meta = fmt.Sprintf("COALESCE(o.%s::text, '')", ident(o.Metadata))
	}
	if o.UpdatedAt != "" {
		updated = "o." + ident(o.UpdatedAt)
	}
	return fmt.Sprintf("o.%s::text, %s, o.%s, o.%s, %s, %s, o.%s, %s",
		ident(o.ID), tenantExpr, ident(o.Name), ident(o.Slug), logo, meta, ident(o.CreatedAt), updated)
}

func buildOrgSQL(sc Schema) orgSQL {
	o, m := sc.Organizations, sc.Members
	var q orgSQL
	_, join := bridge(sc)
	cols := orgColumns(sc)

	var ins insertList
	ins.add(o.Name, "@name")
	ins.add(o.Slug, "@slug")
	if o.Logo != "" {
		ins.add(o.Logo, "NULLIF(@logo, '')")
	}
	if o.Metadata != "" {
		if sc.MetadataText {
			ins.add(o.Metadata, "@metadata::text")
		} else {
			ins.add(o.Metadata, "COALESCE(@metadata::jsonb, '{}')")
		}
	}
	ins.add(o.CreatedAt, "now()")
	updated := ident(o.CreatedAt)
	if o.UpdatedAt != "" {
		ins.add(o.UpdatedAt, "now()")
		updated = ident(o.UpdatedAt)
	}
	ins.addID(sc, o.ID)
	q.insert = fmt.Sprintf("INSERT INTO %s %s RETURNING %s::text, %s, %s",
		ident(o.Table), ins, ident(o.ID), ident(o.CreatedAt), updated)

	q.ownedBy = fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s",
		ident(m.Table), ident(m.UserID), ownerPredicate(sc, ""))
	q.lockUser = "SELECT pg_advisory_xact_lock(hashtextextended('tenantc.orgstore.user:' || $1::text, 0))"

	// update: NULL parameters keep the column.
	sets := []string{
		fmt.Sprintf("%s = COALESCE(@name, %s)", ident(o.Name), ident(o.Name)),
		fmt.Sprintf("%s = COALESCE(@slug, %s)", ident(o.Slug), ident(o.Slug)),
	}
	if o.Logo != "" {
		sets = append(sets, fmt.Sprintf("%s = CASE WHEN @logo::text IS NULL THEN %s ELSE NULLIF(@logo::text, '') END",
			ident(o.Logo), ident(o.Logo)))
	}
	if o.Metadata != "" {
		typ := "::jsonb"
		if sc.MetadataText {
			typ = "::text"
		}
		sets = append(sets, fmt.Sprintf("%s = COALESCE(@metadata%s, %s)", ident(o.Metadata), typ, ident(o.Metadata)))
	}
	if o.UpdatedAt != "" {
		sets = append(sets, fmt.Sprintf("%s = now()", ident(o.UpdatedAt)))
	}
	q.update = fmt.Sprintf("WITH o AS (UPDATE %s SET %s WHERE %s = @id RETURNING *) SELECT %s FROM o%s",
		ident(o.Table), strings.Join(sets, ", "), ident(o.ID), cols, join)

	q.delete = fmt.Sprintf("DELETE FROM %s WHERE %s = $1", ident(o.Table), ident(o.ID))
	q.bySlug = fmt.Sprintf("SELECT %s FROM %s o JOIN %s m ON m.%s = o.%s AND m.%s = $2%s WHERE o.%s = $1",
		cols, ident(o.Table), ident(m.Table), ident(m.OrganizationID), ident(o.ID), ident(m.UserID), join, ident(o.Slug))
	q.forUser = fmt.Sprintf("SELECT %s FROM %s m JOIN %s o ON o.%s = m.%s%s WHERE m.%s = $1 ORDER BY o.%s",
		cols, ident(m.Table), ident(o.Table), ident(o.ID), ident(m.OrganizationID), join, ident(m.UserID), ident(o.Slug))

	if t := sc.Tenants; t.Table == "" {
		q.resolve = fmt.Sprintf("SELECT m.%s::text FROM %s m WHERE m.%s = $1 AND m.%s = $2",
			ident(m.OrganizationID), ident(m.Table), ident(m.OrganizationID), ident(m.UserID))
	} else {
		q.resolve = fmt.Sprintf("SELECT COALESCE(t.%s::text, '') FROM %s m LEFT JOIN %s t ON t.%s = m.%s WHERE m.%s = $1 AND m.%s = $2",
			ident(t.ID), ident(m.Table), ident(t.Table), ident(t.OrganizationID), ident(m.OrganizationID),
			ident(m.OrganizationID), ident(m.UserID))
	}
	return q
}

// insertTenant is the statement creating an organization's tenant row, and
// its arguments but @org, the organization (which the caller adds): extra's
// values go into the columns its keys name. With onConflict, a row the
// organization has already is left as it is and the statement returns no
// row.
func (s *Store[O, U, M, I, T]) insertTenant(extra map[string]any, onConflict bool) (string, pgx.NamedArgs, error) {
	t := s.cfg.Schema.Tenants
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if k == "" || k == t.OrganizationID {
			return "", nil, fmt.Errorf("orgstore: tenant column %q cannot be set", k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var ins insertList
	ins.add(t.OrganizationID, "@org")
	args := pgx.NamedArgs{}
	for i, k := range keys {
		// Column names are any text; the parameters' names are their places.
		name := fmt.Sprintf("c%d", i)
		ins.add(k, "@"+name)
		args[name] = extra[k]
	}
	conflict := ""
	if onConflict {
		conflict = fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", ident(t.OrganizationID))
	}
	return fmt.Sprintf("INSERT INTO %s %s%s RETURNING %s::text", ident(t.Table), ins, conflict, ident(t.ID)), args, nil
}

// scanOrganization reads a row of orgColumns.
func scanOrganization[O ~string](row pgx.Row) (Organization[O], error) {
	var o Organization[O]
	var id, tid, meta string
	err := row.Scan(&id, &tid, &o.Name, &o.Slug, &o.Logo, &meta, &o.CreatedAt, &o.UpdatedAt)
	o.ID, o.TenantID = O(id), tenant.ID(tid)
	if meta != "" {
		o.Metadata = json.RawMessage(meta)
	}
	return o, err
}

// NewOrganization is what CreateOrganization needs.
type NewOrganization[U ~string] struct {
	Name, Slug, Logo string
	Metadata         json.RawMessage // a JSON value; empty means none
	// Creator becomes the organization's owner.
	Creator U
	// Tenant holds extra column values of the bridge's tenants row (e.g.
	// NOT NULL columns without defaults); keys are column names. Ignored when
	// the organizations table is the tenant root.
	Tenant map[string]any
}

// OrganizationChanges are what UpdateOrganization changes: the fields that
// are not nil (Metadata: not empty). An empty Logo removes the logo. (Not
// "OrganizationUpdate": that is the permission's name.)
type OrganizationChanges struct {
	Name, Slug, Logo *string
	Metadata         json.RawMessage
}

// CreateOrganization creates an organization, its tenant (the bridge row, or
// the organization itself when it is the tenant root) and the creator's
// owner membership in one transaction: a failure or a vetoing hook at any
// step leaves none of them. It returns ErrInvalidSlug, ErrSlugTaken,
// ErrInvalidName, or ErrLimitReached when the creator already owns
// MaxOrganizationsPerUser organizations. Hooks: OpCreateOrganization around
// everything, OpAddMember around the owner's membership.
func (s *Store[O, U, M, I, T]) CreateOrganization(ctx context.Context, in NewOrganization[U]) (Organization[O], Member[O, U, M], error) {
	var org Organization[O]
	var owner Member[O, U, M]
	if err := validName(in.Name); err != nil {
		return org, owner, err
	}
	if !ValidSlug(in.Slug) {
		return org, owner, fmt.Errorf("%q: %w", in.Slug, ErrInvalidSlug)
	}
	if in.Creator == "" {
		return org, owner, errors.New("orgstore: an organization needs a creator")
	}
	meta, err := metadataArg(in.Metadata)
	if err != nil {
		return org, owner, err
	}
	var tenantSQL string
	var tenantArgs pgx.NamedArgs
	if s.cfg.Schema.Tenants.Table != "" {
		if tenantSQL, tenantArgs, err = s.insertTenant(in.Tenant, false); err != nil {
			return org, owner, err
		}
	}
	creator := string(in.Creator)
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if max := s.cfg.MaxOrganizationsPerUser; max > 0 {
			if _, err := q.Exec(ctx, s.sql.org.lockUser, creator); err != nil {
				return err
			}
			var n int
			if err := q.QueryRow(ctx, s.sql.org.ownedBy, creator).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return fmt.Errorf("user %s owns %d organizations (at most %d): %w", creator, n, max, ErrLimitReached)
			}
		}
		e := &Event{Op: OpCreateOrganization, Actor: creator, Tx: q}
		return s.around(ctx, e, func() error {
			args := pgx.NamedArgs{"name": in.Name, "slug": in.Slug, "logo": in.Logo, "metadata": meta, "id": s.sql.newID()}
			var id string
			err := q.QueryRow(ctx, s.sql.org.insert, args).Scan(&id, &org.CreatedAt, &org.UpdatedAt)
			if err != nil {
				if isUniqueViolation(err) && !isPrimaryKey(err) {
					return fmt.Errorf("%q: %w", in.Slug, ErrSlugTaken)
				}
				return fmt.Errorf("orgstore: insert organization: %w", err)
			}
			org.ID, org.Name, org.Slug, org.Logo, org.Metadata = O(id), in.Name, in.Slug, in.Logo, in.Metadata
			if len(org.Metadata) == 0 && !s.cfg.Schema.MetadataText && s.cfg.Schema.Organizations.Metadata != "" {
				org.Metadata = json.RawMessage("{}") // the native column's default
			}
			e.OrganizationID = id
			if tenantSQL == "" {
				org.TenantID = tenant.ID(id)
			} else {
				tenantArgs["org"] = id
				var tid string
				if err := q.QueryRow(ctx, tenantSQL, tenantArgs).Scan(&tid); err != nil {
					return fmt.Errorf("orgstore: insert tenant of organization %s: %w", id, err)
				}
				org.TenantID = tenant.ID(tid)
			}
			m, _, err := s.addMemberTx(ctx, q, creator, id, creator, []string{RoleOwner})
			owner = m
			return err
		})
	})
	if err != nil {
		return Organization[O]{}, Member[O, U, M]{}, err
	}
	return org, owner, nil
}

// metadataArg checks metadata and returns the parameter for it: nil (SQL
// NULL) when empty.
func metadataArg(m json.RawMessage) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if !json.Valid(m) {
		return nil, errors.New("orgstore: metadata is not valid JSON")
	}
	return string(m), nil
}

// UpdateOrganization changes an organization; actor needs
// organization:update.
func (s *Store[O, U, M, I, T]) UpdateOrganization(ctx context.Context, actorID U, org O, u OrganizationChanges) (Organization[O], error) {
	var out Organization[O]
	if u.Name != nil {
		if err := validName(*u.Name); err != nil {
			return out, err
		}
	}
	if u.Slug != nil && !ValidSlug(*u.Slug) {
		return out, fmt.Errorf("%q: %w", *u.Slug, ErrInvalidSlug)
	}
	meta, err := metadataArg(u.Metadata)
	if err != nil {
		return out, err
	}
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if _, err := s.authorize(ctx, q, string(org), string(actorID), OrganizationUpdate); err != nil {
			return err
		}
		e := &Event{Op: OpUpdateOrganization, Actor: string(actorID), OrganizationID: string(org), Tx: q}
		return s.around(ctx, e, func() error {
			var err error
			args := pgx.NamedArgs{"id": string(org), "name": u.Name, "slug": u.Slug, "logo": u.Logo, "metadata": meta}
			out, err = scanOrganization[O](q.QueryRow(ctx, s.sql.org.update, args))
			if isUniqueViolation(err) && !isPrimaryKey(err) && u.Slug != nil {
				return fmt.Errorf("%q: %w", *u.Slug, ErrSlugTaken)
			}
			return err
		})
	})
	if err != nil {
		return Organization[O]{}, err
	}
	return out, nil
}

// DeleteOrganization deletes an organization with everything that cascades
// from it: members, teams, invitations and custom roles. Its tenant follows
// the bridge's foreign key, as when Better Auth deletes the organization:
// with store.on_organization_delete: detach (the default) the tenant row and
// its data stay, with no organization (see DetachedTenants); with cascade
// the tenant row goes and, through the tenant foreign keys, its data. With
// the organizations table as the tenant root the tenant is the organization.
// actor needs organization:delete, which by default only owners hold.
func (s *Store[O, U, M, I, T]) DeleteOrganization(ctx context.Context, actorID U, org O) error {
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if _, err := s.authorize(ctx, q, string(org), string(actorID), OrganizationDelete); err != nil {
			return err
		}
		e := &Event{Op: OpDeleteOrganization, Actor: string(actorID), OrganizationID: string(org), Tx: q}
		return s.around(ctx, e, func() error {
			_, err := q.Exec(ctx, s.sql.org.delete, string(org))
			return err
		})
	})
}

// GetOrganizationBySlug returns the organization with slug if actor is a
// member of it, and ErrNotMember otherwise — also when no organization has
// that slug, so a refusal does not tell which slugs exist.
func (s *Store[O, U, M, I, T]) GetOrganizationBySlug(ctx context.Context, actorID U, slug string) (Organization[O], error) {
	// One statement, sent alone (tenant.SystemQueryRow): one round trip.
	out, err := scanOrganization[O](tenant.SystemQueryRow(ctx, s.db, s.sql.org.bySlug, slug, string(actorID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Organization[O]{}, fmt.Errorf("user %s, organization %q: %w", actorID, slug, ErrNotMember)
	}
	if err != nil {
		return Organization[O]{}, err
	}
	return out, nil
}

// ListOrganizationsForUser returns the organizations user is a member of,
// by slug, in one query.
func (s *Store[O, U, M, I, T]) ListOrganizationsForUser(ctx context.Context, user U) ([]Organization[O], error) {
	// One statement, sent alone (tenant.SystemQuery): one round trip.
	rows, err := tenant.SystemQuery(ctx, s.db, s.sql.org.forUser, string(user))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Organization[O], error) {
		return scanOrganization[O](r)
	})
}

// ResolveTenant returns the tenant of org if user is a member of it, in one
// query (one round trip, no transaction), and ErrNotMember otherwise (also
// for an unknown organization). It is what an HTTP resolver's membership
// check calls, on every request. An organization made by
// another service sharing the database (a Better Auth service) has no tenant
// row yet: the first ResolveTenant of a member creates it, with the values of
// Config.TenantDefaults, so both services can create organizations; if
// the other service deletes the organization meanwhile, it is ErrNotMember.
func (s *Store[O, U, M, I, T]) ResolveTenant(ctx context.Context, user U, org O) (tenant.ID, error) {
	// The common case, a member of an organization that has its tenant row,
	// is this one statement sent alone (tenant.SystemQueryRow): one round
	// trip, no transaction.
	var id string
	err := tenant.SystemQueryRow(ctx, s.db, s.sql.org.resolve, string(org), string(user)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return "", fmt.Errorf("user %s, organization %s: %w", user, org, ErrNotMember)
	}
	if err != nil {
		return "", invariantError(err)
	}
	if id != "" || s.cfg.Schema.Tenants.Table == "" {
		return tenant.ID(id), nil
	}
	// No tenant row yet: adopt the organization, in a transaction that reads
	// the membership again, so that it and the new row agree.
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		err := q.QueryRow(ctx, s.sql.org.resolve, string(org), string(user)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
			return fmt.Errorf("user %s, organization %s: %w", user, org, ErrNotMember)
		}
		if err != nil || id != "" || s.cfg.Schema.Tenants.Table == "" {
			return err
		}
		return s.adoptOrganization(ctx, q, string(org), &id)
	})
	if err != nil {
		return "", err
	}
	return tenant.ID(id), nil
}

// ResolveTenantBySlug is ResolveTenant for an organization named by its
// slug, as a subdomain names it: ErrNotMember when user is not a member,
// also when no organization has that slug.
func (s *Store[O, U, M, I, T]) ResolveTenantBySlug(ctx context.Context, user U, slug string) (tenant.ID, error) {
	org, err := s.GetOrganizationBySlug(ctx, user, slug)
	if err != nil {
		return "", err
	}
	return s.ResolveTenant(ctx, user, org.ID)
}

// adoptOrganization creates the tenant row of an organization another service
// made. Two concurrent calls make one row: the bridge column is unique, the
// loser inserts nothing and reads the winner's.
func (s *Store[O, U, M, I, T]) adoptOrganization(ctx context.Context, q tenant.Querier, org string, id *string) error {
	defaults, err := s.tenantDefaults(ctx, q, org)
	if err != nil {
		return err
	}
	insert, args, err := s.insertTenant(defaults, true)
	if err != nil {
		return err
	}
	// Another service (Better Auth) may have deleted the organization since
	// the membership was read. Lock its row against that first: if it is
	// gone the user is a member of nothing, as for any unknown organization,
	// rather than a foreign key error; if it is there, a delete waits for
	// this transaction and then detaches or deletes the new tenant as it
	// would any other.
	o := s.cfg.Schema.Organizations
	var one int
	err = q.QueryRow(ctx, fmt.Sprintf("SELECT 1 FROM %s WHERE %s = $1 FOR KEY SHARE", ident(o.Table), ident(o.ID)), org).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("organization %s (deleted while its tenant was being created): %w", org, ErrNotMember)
	}
	if err != nil {
		return fmt.Errorf("orgstore: locking organization %s for its tenant: %w", org, err)
	}
	t := s.cfg.Schema.Tenants
	args["org"] = org
	err = q.QueryRow(ctx, insert, args).Scan(id)
	if errors.Is(err, pgx.ErrNoRows) { // another call created it first
		err = q.QueryRow(ctx, fmt.Sprintf("SELECT %s::text FROM %s WHERE %s = $1", ident(t.ID), ident(t.Table), ident(t.OrganizationID)), org).Scan(id)
	}
	if err != nil {
		return fmt.Errorf("orgstore: creating the tenant of organization %s (set Config.TenantDefaults for the tenants table's required columns): %w", org, err)
	}
	return nil
}

// pgCode returns the SQLSTATE of a server error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUniqueViolation(err error) bool { return pgCode(err) == "23505" }

func isPrimaryKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasSuffix(pe.ConstraintName, "_pkey")
}

// isBadID reports an id the column's type cannot hold ("x" for a uuid
// column): such an id names nothing, and is treated like an unknown one. A
// tenant.ID argument pgx cannot encode as the column's type fails the same
// way before it is sent (tenant.ErrKeyType).
func isBadID(err error) bool { return pgCode(err) == "22P02" || errors.Is(err, tenant.ErrKeyType) }
