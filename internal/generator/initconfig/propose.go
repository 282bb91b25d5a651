// Package initconfig proposes a project's first tenantc.yaml (tenantc init):
// from a catalog (read from the schema files or a live database) it finds or
// proposes the tenant root and column, classifies every table with the reason
// it landed where it did, and renders the commented file.
//
// The stages are the generator's in miniature: catalog → a plain [Proposal]
// → text. The classification is tenancy.Analyze's own, run with the root the
// proposal found (or a stand-in for the one it proposes), so init and generate
// can never disagree about which tables have a path to a tenant.
package initconfig

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/store"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Input is what a proposal is made from.
type Input struct {
	// Catalog is the schema: parsed from the project's SQL files, or read
	// from a live database (livecat).
	Catalog *catalog.Catalog
	// Config is the project's configuration as config.Load gives it: the
	// defaults where there is no tenantc.yaml yet, the file's values where
	// one is replaced (--force).
	Config *config.Config
	// Existing is the tenantc.yaml being replaced, nil when there is none;
	// the sections init does not write (store:, rules:, …) are kept from it.
	Existing []byte
	// From says what was read, for the file's first comment, e.g. "the
	// schema paths of sqlc.yaml (schema)" or "a live database". Never a URL:
	// it may hold a password.
	From string
}

// Class is where a table lands in the proposed tenantc.yaml.
type Class int

const (
	// Scoped tables have the tenant column: listed under scoped:.
	Scoped Class = iota
	// Owned tables reach a tenant only through foreign keys: listed under
	// scoped: with via: the first foreign-key column of that path, so the
	// backfill migrations give them the column.
	Owned
	// Global tables are shared by every tenant: listed under global:.
	Global
	// Unclassified tables are listed commented out under both scoped: and
	// global:, for the user to decide.
	Unclassified
)

// Classes lists the classes in the order the summary counts them.
var Classes = []Class{Scoped, Owned, Global, Unclassified}

func (c Class) String() string {
	return [...]string{"scoped", "scoped through foreign keys", "global", "unclassified"}[c]
}

// Table is one table of the proposal.
type Table struct {
	// Name is the table as tenantc.yaml names it: bare in public.
	Name  string
	Class Class
	// Via is, for an Owned or Unclassified table, the via: the file gives
	// it: a foreign-key column, config.ViaDefault, or "" for none.
	Via string
	// Reason is the comment next to the table.
	Reason string
	// PartitionOf names the parent of a partition; "" otherwise.
	PartitionOf string
}

// Proposal is the proposed configuration, before it is rendered.
type Proposal struct {
	// Root and Column are tenant.table and tenant.column; Setting is
	// tenant.setting.
	Root, Column, Setting string
	// Found is true when the root is a table of the schema; otherwise the
	// file proposes it, with the CREATE TABLE to add (CreateRoot).
	Found bool
	// Configured is true when the root came from the tenantc.yaml replaced.
	Configured bool
	// RootReason says why this root, for the comment above tenant:.
	RootReason string
	// Key and KeyType are the root's key column and its SQL type.
	Key, KeyType string
	// Tables lists every table but the root, in the order the file lists
	// them: by class; scoped and global by name; owned parents first (by the
	// length of their path, then name); unclassified parents first.
	Tables []Table
	// Migrations is migrations: as the config resolved it; MigrationsNote
	// says where that came from.
	Migrations     config.Migrations
	MigrationsNote string
	// StoreFlavor is the organization store flavor whose tables the schema
	// has, when tenantc.yaml does not enable the store: the file then
	// suggests the store: block, commented out. "" otherwise.
	StoreFlavor string
	// Kept are the top-level sections of the replaced tenantc.yaml that init
	// does not write, as they were (their YAML text, key included).
	Kept []string
	// Backfill and Roles are the replaced file's backfill: and roles:
	// sections, kept active; "" writes the commented-out defaults.
	Backfill, Roles string
	// From is Input.From.
	From string
}

// Count returns how many tables the proposal puts in class c.
func (p *Proposal) Count(c Class) int {
	n := 0
	for _, t := range p.Tables {
		if t.Class == c {
			n++
		}
	}
	return n
}

// Propose classifies every table of in.Catalog and returns the proposal.
func Propose(in Input) (*Proposal, error) {
	cfg := in.Config
	p := &Proposal{Setting: cfg.Tenant.Setting, Migrations: cfg.Migrations, From: in.From}
	if err := keep(p, in.Existing); err != nil {
		return nil, err
	}
	storeTables, flavor := storeTablesOf(in.Catalog, cfg)
	if !cfg.Store.Enabled {
		p.StoreFlavor = flavor
	}

	root, column := findRoot(in.Catalog, storeTables)
	switch {
	case cfg.File != "":
		// The replaced file's tenant is the user's decision, kept.
		p.Root, p.Column, p.Configured = cfg.Tenant.Table, cfg.Tenant.Column, true
		p.RootReason = "kept from the tenantc.yaml replaced"
	case root != nil:
		p.Root, p.Column = configName(root.t.Name), column
		p.RootReason = fmt.Sprintf("found: %s referenced through %s by %s", p.Root, column, strings.Join(root.referrers, ", "))
	default:
		p.Root, p.Column = proposeRoot(in.Catalog)
	}

	rootName, err := catalog.ParseName(p.Root)
	if err != nil {
		return nil, fmt.Errorf("tenant.table %q: %v", p.Root, err)
	}
	cat := in.Catalog
	if rt := cat.Table(rootName); rt != nil {
		p.Found = true
		p.KeyType = keyTypeOf(rt)
		if rt.PrimaryKey != nil && len(rt.PrimaryKey.Columns) == 1 {
			p.Key = rt.PrimaryKey.Columns[0]
		}
		if root == nil && !p.Configured {
			// Named after the column the tables carry, but no foreign key
			// references it yet.
			p.RootReason = fmt.Sprintf("found: %s is named like a tenant; no foreign key references it yet, and %d of the tables carry %s", p.Root, carrying(in.Catalog, p.Column), p.Column)
		}
	} else {
		// A stand-in root, so tenancy.Analyze classifies the schema as it
		// will once the root is added: the tables with the column scoped,
		// those reaching them through foreign keys owned.
		p.Key, p.KeyType = "id", proposedKeyType(cat, p.Column)
		stand := *cat
		stand.Tables = append(slices.Clone(cat.Tables), &catalog.Table{Name: rootName,
			Columns:    []*catalog.Column{{Name: "id", Type: catalog.Type{Name: p.KeyType}, NotNull: true}},
			PrimaryKey: &catalog.Key{Name: rootName.Name + "_pkey", Columns: []string{"id"}}})
		cat = &stand
		if !p.Configured {
			p.RootReason = "proposed: no table is named like a tenant (tenants, organizations, accounts, workspaces, …) and referenced by the others"
			if n := carrying(in.Catalog, p.Column); n > 0 {
				p.RootReason += fmt.Sprintf("; %d of the tables carry %s already", n, p.Column)
			}
		}
	}

	global := slices.Clone(cfg.Global)
	model, diags := tenancy.Analyze(cat, tenancy.Config{
		Root: p.Root, Column: p.Column, Setting: p.Setting, Global: global, Store: storeTables,
		File: cmp.Or(cfg.File, config.FileName), ProjectFile: config.FileName,
		RootPos: cfg.TenantTablePos, GlobalPos: cfg.GlobalPos,
	})
	if len(model.Tables) == 0 && len(cat.Tables) > 0 {
		// Analyze judged nothing: the root cannot be one (tenant.table of the
		// file replaced has no single-column key of a type tenantc supports).
		// A proposal without the tables would say nothing about them.
		if err := diags.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("tenant table %s cannot be the tenant root", p.Root)
	}
	p.Tables = classify(model, cfg, flavor)
	p.MigrationsNote = migrationsNote(cfg)
	return p, nil
}

// rootCandidate is a table named like a tenant and the tables referencing it.
type rootCandidate struct {
	t         *catalog.Table
	word      int      // index in tenantWords
	referrers []string // config names, sorted
	columns   map[string]int
}

// tenantWords are the names a tenant table goes by, most specific first; a
// tie between two candidates goes to the earlier word.
var tenantWords = []struct{ singular, plural string }{
	{"tenant", "tenants"}, {"organization", "organizations"}, {"organisation", "organisations"},
	{"org", "orgs"}, {"account", "accounts"}, {"workspace", "workspaces"}, {"team", "teams"},
	{"company", "companies"}, {"customer", "customers"}, {"client", "clients"},
}

// tenantWord returns the index of the tenant word table name n is, or -1.
func tenantWord(n string) int {
	n = strings.ToLower(n)
	return slices.IndexFunc(tenantWords, func(w struct{ singular, plural string }) bool {
		return n == w.singular || n == w.plural
	})
}

// findRoot returns the table named like a tenant that most tables reference
// by its single-column key, and the foreign-key column most of them use; nil
// when there is none. The store's tables are never the root: the store hangs
// its organizations on the project's own tenant table.
func findRoot(cat *catalog.Catalog, storeTables []catalog.Name) (*rootCandidate, string) {
	var best *rootCandidate
	for _, t := range cat.Tables {
		w := tenantWord(t.Name.Name)
		if w < 0 || t.PartitionOf != nil || slices.Contains(storeTables, t.Name) || !slices.Contains(tenancy.KeyTypes, keyTypeOf(t)) {
			continue // not a name, a key or a key type a tenant root can have
		}
		c := &rootCandidate{t: t, word: w, columns: map[string]int{}}
		for _, r := range cat.Tables {
			if r == t || r.PartitionOf != nil || slices.Contains(storeTables, r.Name) {
				continue
			}
			for _, fk := range r.ForeignKeys {
				if fk.RefTable == t.Name && len(fk.Columns) == 1 && slices.Equal(fk.RefColumns, t.PrimaryKey.Columns) {
					if name := configName(r.Name); !slices.Contains(c.referrers, name) {
						c.referrers = append(c.referrers, name)
					}
					c.columns[fk.Columns[0]]++
				}
			}
		}
		if len(c.referrers) == 0 {
			continue
		}
		slices.Sort(c.referrers)
		// Most referrers, then the earlier word, then the name: the same
		// answer whatever order the catalog lists the tables in.
		if best == nil || cmp.Or(cmp.Compare(len(best.referrers), len(c.referrers)), cmp.Compare(c.word, best.word), cmp.Compare(configName(c.t.Name), configName(best.t.Name))) < 0 {
			best = c
		}
	}
	if best == nil {
		return nil, ""
	}
	// The column most referencing tables use; a tie goes to <singular>_id,
	// then to the first by name.
	want := tenantWords[best.word].singular + "_id"
	var column string
	for _, col := range sortedKeys(best.columns) {
		n, m := best.columns[col], best.columns[column]
		if column == "" || n > m || (n == m && col == want && column != want) {
			column = col
		}
	}
	return best, column
}

// proposeRoot names the root to add when the schema has none: the tenant
// column most tables already carry (org_id, account_id, …: a column named
// after a tenant word) with its table, else tenants and tenant_id.
func proposeRoot(cat *catalog.Catalog) (root, column string) {
	counts := map[string]int{}
	for _, t := range cat.Tables {
		if t.PartitionOf != nil {
			continue
		}
		for _, c := range t.Columns {
			if w := strings.TrimSuffix(c.Name, "_id"); w != c.Name && tenantWord(w) >= 0 && tenantWords[tenantWord(w)].singular == w {
				counts[c.Name]++
			}
		}
	}
	column = "tenant_id"
	for _, c := range sortedKeys(counts) {
		if counts[c] > counts[column] {
			column = c
		}
	}
	return tenantWords[tenantWord(strings.TrimSuffix(column, "_id"))].plural, column
}

// keyTypeOf is the type of a table's single-column key, "" when it has none.
func keyTypeOf(t *catalog.Table) string {
	if t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 {
		return ""
	}
	if c := t.Column(t.PrimaryKey.Columns[0]); c != nil {
		return c.Type.String()
	}
	return ""
}

// proposedKeyType is the key type of a root to add: the type of the tenant
// column where tables have one already; else bigint when most tables' keys
// are integers (a bigserial schema), uuid otherwise.
func proposedKeyType(cat *catalog.Catalog, column string) string {
	cols, keys := map[string]int{}, map[string]int{}
	for _, t := range cat.Tables {
		if c := t.Column(column); c != nil {
			cols[c.Type.String()]++
		}
		if typ := keyTypeOf(t); typ != "" {
			keys[typ]++
		}
	}
	if typ := mostCommon(cols); typ != "" && slices.Contains(tenancy.KeyTypes, typ) {
		return typ
	}
	switch mostCommon(keys) {
	case "bigint", "integer", "smallint":
		return "bigint"
	}
	return "uuid"
}

func mostCommon(m map[string]int) string {
	best := ""
	for _, k := range sortedKeys(m) {
		if best == "" || m[k] > m[best] {
			best = k
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// storeTablesOf returns the organization store's tables present in the
// schema, and the flavor they are of: the enabled store's, or a flavor whose
// organizations, members and invitations tables the schema all has (the
// store's migration ran, or Better Auth's did).
func storeTablesOf(cat *catalog.Catalog, cfg *config.Config) ([]catalog.Name, string) {
	present := func(names []catalog.Name) []catalog.Name {
		return slices.DeleteFunc(slices.Clone(names), func(n catalog.Name) bool { return cat.Table(n) == nil })
	}
	if cfg.Store.Enabled {
		return present(store.Owned(cfg)), cfg.Store.Flavor
	}
	for _, f := range config.Flavors {
		all := store.Tables(f)
		if len(present(all[:3])) == 3 {
			return present(all), f
		}
	}
	return nil, ""
}

// betterAuthOwn are the tables Better Auth itself creates beside its
// organization plugin's.
var betterAuthOwn = []string{"user", "session", "account", "verification"}

// usersNames are the names of the table of an application's users: a user
// signs in once and may belong to several tenants, so the table is shared.
var usersNames = []string{"users", "user", "app_users", "accounts_user", "auth_users"}

// versionTables are the tables migration tools keep their applied versions
// in: no tenant's data.
var versionTables = map[string]string{
	"schema_migrations":      "golang-migrate's or dbmate's",
	"goose_db_version":       "goose's",
	"gorp_migrations":        "sql-migrate's",
	"schema_version":         "tern's",
	"atlas_schema_revisions": "Atlas'",
}

// classify turns the model's kinds into the proposal's classes, with reasons.
func classify(m *tenancy.Model, cfg *config.Config, flavor string) []Table {
	declared := map[string]config.ScopedTable{}
	for _, s := range cfg.Scoped {
		if n, err := catalog.ParseName(s.Table); err == nil {
			declared[configName(n)] = s
		}
	}
	referrers := map[catalog.Name][]string{} // table → the root, scoped and owned tables referencing it
	for _, t := range m.Tables {
		if t.Kind != tenancy.Root && t.Kind != tenancy.Scoped && t.Kind != tenancy.Owned || t.PartitionOf != nil {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if fk.RefTable != t.Name && !slices.Contains(referrers[fk.RefTable], configName(t.Name)) {
				referrers[fk.RefTable] = append(referrers[fk.RefTable], configName(t.Name))
			}
		}
	}
	var out []Table
	depth := map[string]int{}
	for _, t := range m.Tables {
		if t.Kind == tenancy.Root {
			continue
		}
		e := Table{Name: configName(t.Name)}
		if t.PartitionOf != nil {
			e.PartitionOf = configName(*t.PartitionOf)
		}
		switch t.Kind {
		case tenancy.Scoped:
			e.Class, e.Reason = Scoped, "has "+m.Tenant.Column
		case tenancy.Owned:
			e.Class, e.Via = Owned, viaOf(t)
			var parts []string
			for _, n := range t.Path[1:] {
				parts = append(parts, configName(n))
			}
			if last := t.Path[len(t.Path)-1]; last != m.Tenant.Root {
				parts = append(parts, configName(m.Tenant.Root)) // through the scoped table's tenant column
			}
			e.Reason = "→ " + strings.Join(parts, " → ") + ": tenantc writes its backfill"
			depth[e.Name] = len(t.Path)
		case tenancy.Global:
			e.Class = Global
			switch {
			case t.Store && flavor == config.FlavorBetterAuth && slices.Contains(betterAuthOwn, t.Name.Name) && t.Name.Schema == "public":
				e.Reason = "Better Auth's own table: global, Better Auth guards it"
			case t.Store:
				e.Reason = fmt.Sprintf("the organization store's table (%s): global, the store checks every actor itself", flavor)
			default:
				e.Reason = "kept from the tenantc.yaml replaced"
			}
		default:
			e.Class = Unclassified
			switch refs := referrers[t.Name]; {
			case versionTables[t.Name.Name] != "" && t.Name.Schema == "public":
				e.Class, e.Reason = Global, versionTables[t.Name.Name]+" version table: no tenant's data"
			case slices.Contains(usersNames, t.Name.Name):
				e.Class, e.Reason = Global, "named like the application's users: a user signs in once and may belong to several tenants; shared by every tenant — move it to scoped: if each tenant should have its own users"
			case len(refs) > 0:
				slices.Sort(refs)
				e.Class, e.Reason = Global, fmt.Sprintf("referenced by %s; no path to a tenant: shared by every tenant — move it to scoped: if each tenant should have its own rows", strings.Join(refs, ", "))
			default:
				e.Reason = fmt.Sprintf("no %s column, no foreign key to a tenant: decide", m.Tenant.Column)
			}
		}
		if d, ok := declared[e.Name]; ok && (e.Class == Unclassified || e.Class == Owned) {
			// The user's own declaration in the replaced file wins.
			e.Class, e.Via = Owned, d.Via
			e.Reason = "kept from the tenantc.yaml replaced"
		}
		out = append(out, e)
	}
	suggestVia(m, out)
	for i := range out {
		if out[i].Class == Unclassified {
			depth[out[i].Name] = unclassifiedDepth(m, out, out[i].Name, map[string]bool{})
		}
	}
	slices.SortStableFunc(out, func(a, b Table) int {
		return cmp.Or(cmp.Compare(a.Class, b.Class), cmp.Compare(depth[a.Name], depth[b.Name]), cmp.Compare(sortKey(a.Name), sortKey(b.Name)), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// viaOf is the via: of an owned table: its foreign-key column to the next
// table of its path; "" (tenantc takes the path) for a key of several columns.
func viaOf(t *tenancy.Table) string {
	for _, fk := range t.ForeignKeys {
		if fk.RefTable == t.Path[1] && len(fk.Columns) == 1 {
			return catalog.QuoteIdent(fk.Columns[0])
		}
	}
	return ""
}

// parentsIn returns the single-column foreign keys of table name to other
// unclassified tables of out.
func parentsIn(m *tenancy.Model, out []Table, name string) []*catalog.ForeignKey {
	n, err := catalog.ParseName(name)
	if err != nil {
		return nil
	}
	t := m.Table(n)
	if t == nil {
		return nil
	}
	var fks []*catalog.ForeignKey
	for _, fk := range t.ForeignKeys {
		if fk.RefTable == t.Name || len(fk.Columns) != 1 {
			continue
		}
		ref := configName(fk.RefTable)
		if slices.ContainsFunc(out, func(e Table) bool { return e.Name == ref && e.Class == Unclassified }) {
			fks = append(fks, fk)
		}
	}
	return fks
}

// unclassifiedDepth is how many unclassified parents deep a table is: 0 for
// one with no foreign key to another unclassified table. Listing by depth
// puts parents first, the order a backfill must fill them in.
func unclassifiedDepth(m *tenancy.Model, out []Table, name string, seen map[string]bool) int {
	if seen[name] {
		return 0 // a cycle of foreign keys: cut it anywhere
	}
	seen[name] = true
	defer delete(seen, name)
	d := 0
	for _, fk := range parentsIn(m, out, name) {
		d = max(d, 1+unclassifiedDepth(m, out, configName(fk.RefTable), seen))
	}
	return d
}

// suggestVia gives every unclassified table the via: its commented-out
// scoped: line suggests: the foreign-key column to its unclassified parent
// (NOT NULL columns first, then the deepest parent, then by name), so
// declaring the tables scoped fills each row from its parent's tenant; a
// table without such a parent gets every row from backfill.default_tenant.
func suggestVia(m *tenancy.Model, out []Table) {
	for i := range out {
		e := &out[i]
		if e.Class != Unclassified {
			continue
		}
		e.Via = config.ViaDefault
		n, _ := catalog.ParseName(e.Name)
		t := m.Table(n)
		type choice struct {
			col     string
			notNull bool
			depth   int
		}
		var best *choice
		for _, fk := range parentsIn(m, out, e.Name) {
			c := &choice{col: fk.Columns[0], depth: unclassifiedDepth(m, out, configName(fk.RefTable), map[string]bool{})}
			if col := t.Column(c.col); col != nil {
				c.notNull = col.NotNull
			}
			if best == nil || (c.notNull && !best.notNull) || (c.notNull == best.notNull && (c.depth > best.depth || (c.depth == best.depth && c.col < best.col))) {
				best = c
			}
		}
		if best != nil {
			e.Via = catalog.QuoteIdent(best.col)
		}
	}
}

// configName is how tenantc.yaml names a table: bare in public.
func configName(n catalog.Name) string {
	if n.Schema == "" || n.Schema == "public" {
		return catalog.QuoteIdent(n.Name)
	}
	return n.String()
}

// migrationsNote says where migrations: came from.
func migrationsNote(cfg *config.Config) string {
	if cfg.Migrations.DirSet || cfg.Migrations.FormatSet {
		return "Kept from the tenantc.yaml replaced."
	}
	for _, u := range cfg.UserMigrations {
		if u.Dir == cfg.Migrations.Dir {
			return fmt.Sprintf("Detected: your own %s migrations are in %s; tenantc's follow yours there, numbered after them, in %s's format.", u.Tool, u.Dir, u.Tool)
		}
	}
	if len(cfg.UserMigrations) > 1 {
		dirs := make([]string, len(cfg.UserMigrations))
		for i, u := range cfg.UserMigrations {
			dirs[i] = fmt.Sprintf("%s (%s)", u.Dir, u.Tool)
		}
		return fmt.Sprintf("Your schema paths hold migrations of several tools, %s: tenantc keeps its own directory; name one of them here to put its migrations there.", strings.Join(dirs, ", "))
	}
	return "The default: a directory of its own, which generate reads back as part of the schema."
}

// sortKey orders names as a reader looks them up: "teamMember" among the
// t's, not before every unquoted name.
func sortKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, `"`, ""))
}

// carrying counts the tables (partitions aside) that have column.
func carrying(cat *catalog.Catalog, column string) int {
	n := 0
	for _, t := range cat.Tables {
		if t.PartitionOf == nil && t.Column(column) != nil {
			n++
		}
	}
	return n
}
