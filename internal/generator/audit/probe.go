package audit

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/rows"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// ProbeOptions tune a probe.
type ProbeOptions struct {
	// Role is the application role the probe acts as; empty means the
	// connected role. When it is another role the connected role must be able
	// to SET ROLE to it (be a member of it, or a superuser).
	Role string
	// LockTimeout bounds how long a statement of the probe waits for a lock
	// (a foreign-key check locks the parent row it reads); 0 means 5 seconds.
	LockTimeout time.Duration
	// Store are the organization store's tables ([StoreTables]): the probe
	// also tries to write and read each as the application role, which must
	// not be able to do either.
	Store []catalog.Name
	// Setter, when set, is the function the probe sets the tenant with
	// (livecat.SetterFunction's name, called as setter(setting, tenant)),
	// as the runtime does on Citus, where set_config does not reach the
	// workers; empty means set_config.
	Setter string
}

// ErrCannotBecome is returned when the connected role cannot SET ROLE to the
// role to probe as.
var ErrCannotBecome = errors.New("audit: probe: cannot act as the application role")

// Probe tries, as the application role, to cross from one tenant to another
// on the live policies, and reports every attempt that succeeds.
//
// Everything happens in one transaction that is always rolled back, so the
// database is left as it was (but for sequence values, which no rollback
// returns). In it, as the role (SET LOCAL ROLE when it is not the connected
// one), the probe creates two throwaway tenants, A and B — the root row of
// each inserted with the tenant setting naming it, as the root's policy
// demands — and inserts one row for each in every scoped table, parents
// first, each table under its own savepoint so one that fails does not stop
// the rest; values are made up from the column types, foreign keys are filled
// from the rows already inserted for the same tenant (and, for a global
// table, from a row the role can read, or one the probe inserts). Then, with
// the setting naming A, it tries on every protected table, partitions
// included, to read B's rows, to update and delete them, to insert a row for
// B (a new tenant, for the root) and to move A's rows to B; and, with the
// setting empty, to read any row of A or B. Each attempt runs under a
// savepoint it rolls back. Any success is a finding: probe-cross-tenant-read,
// -update, -delete, -insert or -move. A table the probe could not fill is a
// probe-incomplete error: a gate that tested a table nothing must not pass.
//
// The error is for a probe that could not run: no transaction, or no way to
// act as the role.
func Probe(ctx context.Context, conn *pgx.Conn, model *tenancy.Model, opts ProbeOptions) (_ diag.List, err error) {
	if model.Tenant.Key == "" {
		return nil, errors.New("audit: probe: the tenant table is not resolved")
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: probe: %w", err)
	}
	defer func() {
		// Always: the probe's rows must never stay. A failed rollback closes
		// the connection (pgx), which rolls back too.
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) && err == nil {
			err = fmt.Errorf("audit: probe: rollback: %w", rbErr)
		}
	}()
	lock := opts.LockTimeout
	if lock <= 0 {
		lock = 5 * time.Second
	}
	// Bounded waits: on a production database the probe must never hold
	// others up for long (a foreign-key check locks the row it references).
	if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)",
		fmt.Sprintf("%dms", lock.Milliseconds()), fmt.Sprintf("%dms", 6*lock.Milliseconds())); err != nil {
		return nil, fmt.Errorf("audit: probe: %w", err)
	}
	var current string
	if err := tx.QueryRow(ctx, "SELECT current_user::text").Scan(&current); err != nil {
		return nil, fmt.Errorf("audit: probe: %w", err)
	}
	role := opts.Role
	if role == "" {
		role = current
	}
	if role != current {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+catalog.QuoteIdent(role)); err != nil {
			return nil, fmt.Errorf("%w %s from %s (%v): connect as %s, or grant %s to %s", ErrCannotBecome, role, current, err, role, role, current)
		}
	}
	p := &prober{ctx: ctx, tx: tx, model: model, role: role, setter: opts.Setter,
		sampler: rows.Sampler{Catalog: model.Catalog, Prefix: "tenantc-probe-" + randomHex(4), Offset: randomOffset()}}
	p.probe()
	p.probeStore(opts.Store)
	return p.diags, nil
}

// prober is one probe run.
type prober struct {
	ctx   context.Context
	tx    pgx.Tx
	model *tenancy.Model
	role  string
	// setter is ProbeOptions.Setter.
	setter string
	// sampler makes up column values; its random prefix keeps them unique
	// among the rows already there.
	sampler rows.Sampler
	diags   diag.List

	a, b    string                               // the throwaway tenants
	filled  map[catalog.Name]bool                // scoped tables holding a row of each tenant
	pending map[catalog.Name]map[string]rows.Row // a fresh row per table and tenant, for the insert attempt
}

func (p *prober) report(r rule.Rule, t *tenancy.Table, msg, fix string) {
	p.diags.Add(diag.Diagnostic{Object: livecat.TableObject(t.Name), Severity: r.Severity, Rule: r.Name, Message: msg, Fix: fix})
}

// exec runs one statement under a savepoint; keep releases the savepoint,
// otherwise it is rolled back. It returns the rows affected.
func (p *prober) exec(keep bool, sql string) (int64, error) {
	sp, err := p.tx.Begin(p.ctx)
	if err != nil {
		return 0, err
	}
	tag, err := sp.Exec(p.ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil || !keep {
		if rbErr := sp.Rollback(p.ctx); rbErr != nil {
			return 0, rbErr
		}
		return tag.RowsAffected(), err
	}
	return tag.RowsAffected(), sp.Commit(p.ctx)
}

// count runs a count(*) query under a savepoint it rolls back.
func (p *prober) count(sql string) (int64, error) {
	sp, err := p.tx.Begin(p.ctx)
	if err != nil {
		return 0, err
	}
	defer sp.Rollback(p.ctx) //nolint:errcheck // rolled back either way
	var n int64
	err = sp.QueryRow(p.ctx, sql, pgx.QueryExecModeSimpleProtocol).Scan(&n)
	return n, err
}

// as sets the tenant setting for what follows in the transaction.
func (p *prober) as(tenant string) error {
	if p.setter != "" {
		_, err := p.tx.Exec(p.ctx, "SELECT "+p.setter+"($1, $2)", p.model.Tenant.Setting, tenant)
		return err
	}
	_, err := p.tx.Exec(p.ctx, "SELECT set_config($1, $2, true)", p.model.Tenant.Setting, tenant)
	return err
}

func (p *prober) probe() {
	root := p.model.Table(p.model.Tenant.Root)
	p.a, p.b = p.tenantID(), p.tenantID()
	p.filled = map[catalog.Name]bool{}
	p.pending = map[catalog.Name]map[string]rows.Row{}

	// The tenants: each root row inserted with the setting naming it.
	for _, tenant := range []string{p.a, p.b} {
		if err := p.as(tenant); err != nil {
			p.incomplete(root, err)
			return
		}
		r, err := p.rowFor(root, tenant)
		if err == nil {
			_, err = p.exec(true, r.Insert(root.Table))
		}
		if err != nil {
			p.incomplete(root, fmt.Errorf("creating a throwaway tenant: %w", err))
			return
		}
	}
	p.filled[root.Name] = true

	// One row per tenant in every scoped table, parents first; and a second
	// row per tenant, not inserted, for the insert attempt.
	for _, t := range rows.Order(p.model) {
		if t.Kind != tenancy.Scoped || t.PartitionOf != nil || t.Store {
			continue
		}
		ok := true
		for _, tenant := range []string{p.a, p.b} {
			err := p.as(tenant)
			var r rows.Row
			if err == nil {
				r, err = p.rowFor(t, tenant)
			}
			if err == nil {
				_, err = p.exec(true, r.Insert(t.Table))
			}
			if err == nil {
				var extra rows.Row
				if extra, err = p.rowFor(t, tenant); err == nil {
					if p.pending[t.Name] == nil {
						p.pending[t.Name] = map[string]rows.Row{}
					}
					p.pending[t.Name][tenant] = extra
				}
			}
			if err != nil {
				p.incomplete(t, err)
				ok = false
				break
			}
		}
		p.filled[t.Name] = ok
	}

	for _, t := range p.model.Protected() {
		p.attack(t)
	}
}

func (p *prober) incomplete(t *tenancy.Table, err error) {
	p.report(rule.ProbeIncomplete, t, fmt.Sprintf("the probe could not insert rows of throwaway tenants into %s as role %s, so it tried nothing there: %v", t.Name, p.role, errText(err)),
		incompleteFix(p.role, t, err))
}

// incompleteFix names what stopped the probe's insert, as far as the error
// says: a sequence or table the role may not use is the usual cause (a
// serial column whose sequence the grants forgot), and its GRANT the fix.
func incompleteFix(role string, t *tenancy.Table, err error) string {
	quoted := catalog.QuoteIdent(role)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" {
		if seq, ok := strings.CutPrefix(pe.Message, "permission denied for sequence "); ok {
			return fmt.Sprintf("GRANT USAGE ON SEQUENCE %s TO %s;  -- and for the sequences to come: ALTER DEFAULT PRIVILEGES FOR ROLE <migration_role> GRANT USAGE ON SEQUENCES TO %s;", seq, quoted, quoted)
		}
		if table, ok := strings.CutPrefix(pe.Message, "permission denied for table "); ok {
			return fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s;", table, quoted)
		}
	}
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Sprintf("constraint %s of %s rejected the probe's made-up values: report the column to tenantc", pe.ConstraintName, t.Name)
	}
	return fmt.Sprintf("grant role %s INSERT on %s (and on the tables it references), or give its columns defaults the probe can use", role, t.Name)
}

// attack tries every cross-tenant operation on t as tenant A.
func (p *prober) attack(t *tenancy.Table) {
	col := catalog.QuoteIdent(t.TenantColumn.Name)
	name := t.Name.String()
	a, b := p.literal(t, p.a), p.literal(t, p.b)
	// How many rows of each tenant t holds, each seen as its own tenant: a
	// partition may hold none of them.
	own := func(tenant, lit string) int64 {
		if p.as(tenant) != nil {
			return 0
		}
		n, err := p.count(fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %s", name, col, lit))
		if err != nil {
			return 0
		}
		return n
	}
	ownA, ownB := own(p.a, a), own(p.b, b)
	if err := p.as(p.a); err != nil {
		return
	}
	as := fmt.Sprintf("as role %s with %s = %s", p.role, p.model.Tenant.Setting, p.a)
	fix := probeFix(t)

	if ownB > 0 {
		if n, err := p.count(fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %s", name, col, b)); err == nil && n > 0 {
			p.report(rule.ProbeRead, t, fmt.Sprintf("%s, SELECT on %s returned %d row(s) of another tenant", as, name, n), fix)
		}
		if n, err := p.exec(false, fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = %s", name, col, col, col, b)); err == nil && n > 0 {
			p.report(rule.ProbeUpdate, t, fmt.Sprintf("%s, UPDATE on %s changed %d row(s) of another tenant", as, name, n), fix)
		}
		if n, err := p.exec(false, fmt.Sprintf("DELETE FROM %s WHERE %s = %s", name, col, b)); err == nil && n > 0 {
			p.report(rule.ProbeDelete, t, fmt.Sprintf("%s, DELETE on %s removed %d row(s) of another tenant", as, name, n), fix)
		}
	}
	if ownA > 0 {
		target := b
		if t.Kind == tenancy.Root {
			target = p.literal(t, p.tenantID())
		}
		// No WHERE clause: one that reads the table would also apply the
		// SELECT policies to the new row, hiding a policy that lets writes
		// move rows; the policies limit the update to A's rows anyway.
		if n, err := p.exec(false, fmt.Sprintf("UPDATE %s SET %s = %s", name, col, target)); err == nil && n > 0 {
			p.report(rule.ProbeMove, t, fmt.Sprintf("%s, UPDATE on %s moved %d row(s) of its own to another tenant", as, name, n), fix)
		}
	}
	// Insert for another tenant: B's prepared row, or a new tenant for the root.
	var insert string
	switch {
	case t.Kind == tenancy.Root && p.filled[t.Name]:
		if r, err := p.rowFor(t, p.tenantID()); err == nil {
			insert = r.Insert(t.Table)
		}
	case t.PartitionOf == nil && p.pending[t.Name] != nil:
		r := p.pending[t.Name][p.b]
		insert = r.Insert(t.Table)
	}
	if insert != "" {
		if n, err := p.exec(false, insert); err == nil && n > 0 {
			p.report(rule.ProbeInsert, t, fmt.Sprintf("%s, INSERT into %s of a row for another tenant succeeded", as, name), fix)
		}
	}
	// No tenant: a connection that set the setting once reads ''.
	if ownA+ownB > 0 && p.as("") == nil {
		n, err := p.count(fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IN (%s, %s)", name, col, a, b))
		if err == nil && n > 0 {
			p.report(rule.ProbeRead, t, fmt.Sprintf("as role %s with %s empty (no tenant), SELECT on %s returned %d row(s)", p.role, p.model.Tenant.Setting, name, n), fix)
		}
	}
}

// probeFix says what lets the probe through on t, as far as the catalog
// shows: RLS off, or policies other than tenantc's; the other findings for
// the table say more.
func probeFix(t *tenancy.Table) string {
	var fix []string
	if !t.RLSEnabled {
		fix = append(fix, fmt.Sprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", t.Name))
	}
	if !t.RLSForced {
		fix = append(fix, fmt.Sprintf("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", t.Name))
	}
	for _, pol := range t.Policies {
		if pol.Name != tenancy.PolicyName && pol.Permissive {
			fix = append(fix, fmt.Sprintf("DROP POLICY %s ON %s;  -- not written by tenantc", catalog.QuoteIdent(pol.Name), t.Name))
		}
	}
	switch {
	case t.Policy(tenancy.PolicyName) == nil:
		fix = append(fix, fmt.Sprintf("run tenantc generate and apply the migration it writes for %s", t.Name))
	case len(fix) == 0:
		fix = append(fix, fmt.Sprintf("policy %s on %s differs from the one tenantc generates: the other findings for the table say how; apply tenantc's migration again", tenancy.PolicyName, t.Name))
	}
	return strings.Join(fix, "\n")
}

// rowFor makes up a row of t for tenant ("" for a table of no tenant), the
// setting already naming the tenant. Columns with defaults are left to them
// unless a foreign key or the tenant needs a value.
func (p *prober) rowFor(t *tenancy.Table, tenant string) (rows.Row, error) {
	return p.rowDepth(t, tenant, 0)
}

func (p *prober) rowDepth(t *tenancy.Table, tenant string, depth int) (rows.Row, error) {
	var r rows.Row
	if tenant != "" && t.TenantColumn != nil {
		r.Set(t.TenantColumn.Name, p.literal(t, tenant))
	}
	for _, fk := range t.ForeignKeys {
		parent := p.model.Table(fk.RefTable)
		if parent == nil || parent == t || !rows.Required(t, fk) || len(fk.RefColumns) != len(fk.Columns) {
			continue // self references and nullable references stay NULL
		}
		vals, err := p.parentRow(parent, fk, tenant, depth)
		if err != nil {
			return rows.Row{}, err
		}
		for i, c := range fk.Columns {
			if vals[i] != nil && !(t.TenantColumn != nil && c == t.TenantColumn.Name && tenant != "") {
				r.Set(c, rows.Quote(*vals[i]))
			}
		}
	}
	for _, c := range t.Columns {
		if slices.Contains(r.Cols, c.Name) || !rows.NeedsValue(c) {
			continue
		}
		v, err := p.sampler.Value(c)
		if err != nil {
			return rows.Row{}, fmt.Errorf("%s.%s: %w", t.Name, c.Name, err)
		}
		r.Set(c.Name, v)
	}
	return r, nil
}

// parentRow returns the referenced columns of a row of parent for a foreign
// key: the tenant's row of a protected parent, or any row the role can read
// of another table, inserting one when there is none.
func (p *prober) parentRow(parent *tenancy.Table, fk *catalog.ForeignKey, tenant string, depth int) ([]*string, error) {
	refs := make([]string, len(fk.RefColumns))
	for i, c := range fk.RefColumns {
		refs[i] = catalog.QuoteIdent(c) + "::text"
	}
	protected := parent.Kind == tenancy.Scoped || parent.Kind == tenancy.Root
	where := ""
	if protected && tenant != "" {
		where = fmt.Sprintf(" WHERE %s = %s", catalog.QuoteIdent(parent.TenantColumn.Name), p.literal(parent, tenant))
	}
	query := fmt.Sprintf("SELECT %s FROM %s%s LIMIT 1", strings.Join(refs, ", "), parent.Name, where)
	read := func() ([]*string, error) {
		vals := make([]*string, len(refs))
		dest := make([]any, len(refs))
		for i := range vals {
			dest[i] = &vals[i]
		}
		sp, err := p.tx.Begin(p.ctx)
		if err != nil {
			return nil, err
		}
		err = sp.QueryRow(p.ctx, query, pgx.QueryExecModeSimpleProtocol).Scan(dest...)
		if rbErr := sp.Rollback(p.ctx); err == nil {
			err = rbErr
		}
		return vals, err
	}
	vals, err := read()
	if err == nil || !errors.Is(err, pgx.ErrNoRows) {
		return vals, err
	}
	if protected || depth > len(p.model.Tables) {
		return nil, fmt.Errorf("no row of %s to reference", parent.Name)
	}
	// A global or unclassified parent with no row the role can see: add one.
	r, err := p.rowDepth(parent, "", depth+1)
	if err != nil {
		return nil, err
	}
	if _, err := p.exec(true, r.Insert(parent.Table)); err != nil {
		return nil, fmt.Errorf("inserting a row of %s to reference: %w", parent.Name, err)
	}
	return read()
}

// tenantID makes up a tenant key no tenant has: a random uuid, a negative
// random number, or random text.
func (p *prober) tenantID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	switch p.model.Tenant.Type {
	case "uuid":
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case "bigint":
		return fmt.Sprint(-int64(binary.BigEndian.Uint64(b[:8])>>2) - 1)
	case "integer":
		return fmt.Sprint(-int64(binary.BigEndian.Uint32(b[:4])>>2) - 1)
	}
	return "tenantc-probe-" + hex.EncodeToString(b[:8])
}

// literal renders a tenant key as a literal of t's tenant column.
func (p *prober) literal(t *tenancy.Table, tenant string) string {
	return rows.Quote(tenant) + "::" + t.TenantColumn.Type.String()
}

// randomOffset keeps the probe's made-up numbers clear of the small ones a
// live table's unique columns already hold: between 10⁶ and 10⁹, under
// integer's limit.
func randomOffset() int64 {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return 1_000_000 + int64(binary.BigEndian.Uint32(b))%999_000_000
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// errText is an error as one line: a PostgreSQL error's message and code.
func errText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	return err.Error()
}
