package initconfig

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
)

var catalogIdent = catalog.QuoteIdent

// keep reads the sections of the replaced tenantc.yaml that init does not
// write (every top-level key but version, tenant, global, scoped and
// migrations, which the proposal says itself), and its backfill: and roles:,
// into p, as YAML text.
func keep(p *Proposal, existing []byte) error {
	if existing == nil {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(existing, &doc); err != nil {
		return fmt.Errorf("%s: %v", config.FileName, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		text, err := sectionText(k, v)
		if err != nil {
			return err
		}
		switch k.Value {
		case "backfill":
			p.Backfill = text
		case "roles":
			p.Roles = text
		case "version", "tenant", "global", "scoped", "migrations":
		default:
			p.Kept = append(p.Kept, text)
		}
	}
	return nil
}

// sectionText renders one top-level key and its value as YAML, comments
// included.
func sectionText(k, v *yaml.Node) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// plainScalar matches the names YAML reads back unchanged without quotes.
var plainScalar = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// yamlWords are the plain scalars YAML 1.1 readers take for a boolean or null.
var yamlWords = []string{"null", "true", "false", "yes", "no", "on", "off", "y", "n"}

// yamlString writes s as a YAML scalar: bare where YAML reads it back as the
// same string, single-quoted otherwise (a quoted SQL name, "teamMember",
// must keep its double quotes).
func yamlString(s string) string {
	if plainScalar.MatchString(s) && !slices.Contains(yamlWords, strings.ToLower(s)) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// line is one line of a list with its comment, aligned when rendered.
type line struct{ text, comment string }

// block renders lines with their comments aligned one column after the
// longest text.
func block(b *strings.Builder, lines []line) {
	width := 0
	for _, l := range lines {
		width = max(width, len(l.text))
	}
	for _, l := range lines {
		if l.comment == "" {
			b.WriteString(l.text + "\n")
			continue
		}
		fmt.Fprintf(b, "%-*s  # %s\n", width, l.text, l.comment)
	}
}

// entry is a scoped: line for t: the bare name, or {table, via}.
func entry(t Table) string {
	if t.Via == "" {
		return "- " + yamlString(t.Name)
	}
	return fmt.Sprintf("- {table: %s, via: %s}", yamlString(t.Name), yamlString(t.Via))
}

func reason(t Table) string {
	if t.PartitionOf != "" {
		return "partition of " + t.PartitionOf + "; " + t.Reason
	}
	return t.Reason
}

// Render writes the proposal as a commented tenantc.yaml. The same proposal
// renders to the same bytes: no time, no path outside the project.
func (p *Proposal) Render() []byte {
	var b strings.Builder
	comment(&b, fmt.Sprintf("tenantc.yaml proposed by tenantc init from %s. Every table of the schema is listed with the reason it landed where it is: review them, then run tenantc generate. README.md, \"Configuration\", has every key.", p.From))
	b.WriteString("version: 1\n\n")

	b.WriteString("# The tenant root (one row per tenant) and the column that scopes a row to a\n# tenant.\n")
	comment(&b, p.RootReason+".")
	if !p.Found {
		fmt.Fprintf(&b, "# %s is not in the schema yet: add it with a migration of your own, e.g.\n", p.Root)
		fmt.Fprintf(&b, "#   %s\n", createRoot(p.Root, p.KeyType))
		fmt.Fprintf(&b, "#   INSERT INTO %s (name) VALUES ('default');  -- the tenant your existing rows belong to\n", p.Root)
		fmt.Fprintf(&b, "# then declare your tables under scoped: below: tenantc's backfill migrations add\n")
		fmt.Fprintf(&b, "# %s to each and fill it, from the parent row named by via: or, for via:\n", p.Column)
		fmt.Fprintf(&b, "# default, with backfill.default_tenant.\n")
	}
	b.WriteString("tenant:\n")
	block(&b, []line{
		{"  table: " + yamlString(p.Root), ""},
		{"  column: " + yamlString(p.Column), columnNote(p)},
		{"  setting: " + yamlString(p.Setting), "the transaction-local setting the policies read"},
	})

	b.WriteString("\n# Shared by every tenant: no policies, every tenant reads every row.\n")
	var global, scoped []line
	var undecidedGlobal, undecidedScoped []line
	for _, t := range p.Tables {
		switch t.Class {
		case Scoped, Owned:
			scoped = append(scoped, line{"  " + entry(t), reason(t)})
		case Global:
			global = append(global, line{"  - " + yamlString(t.Name), reason(t)})
		case Unclassified:
			undecidedGlobal = append(undecidedGlobal, line{"  # - " + yamlString(t.Name), reason(t)})
			undecidedScoped = append(undecidedScoped, line{"  # " + entry(t), reason(t)})
		}
	}
	list(&b, "global", global, undecidedGlobal)

	b.WriteString("\n# Belong to a tenant: tenantc writes their row level security. A table\n")
	fmt.Fprintf(&b, "# without %s gets backfill migrations first; via: is the foreign-key\n", p.Column)
	b.WriteString("# column whose parent row gives each row its tenant, or default for\n# backfill.default_tenant.\n")
	list(&b, "scoped", scoped, undecidedScoped)

	b.WriteString("\n")
	if p.Backfill != "" {
		b.WriteString("# Kept from the tenantc.yaml replaced.\n" + p.Backfill + "\n")
	} else {
		b.WriteString("# The backfill migrations fill the tenant column of the scoped tables that\n")
		b.WriteString("# lack it, on a populated database. Uncomment to set:\n")
		b.WriteString("# backfill:\n")
		block(&b, []line{
			{"#   default_tenant: " + exampleKey(p.KeyType), fmt.Sprintf("the key of the %s row that rows with no scoped parent get", p.Root)},
			{"#   batch_size: 10000", "rows per UPDATE, each batch committed on its own so row locks stay short (the default)"},
		})
	}

	b.WriteString("\n")
	if p.Roles != "" {
		b.WriteString("# Kept from the tenantc.yaml replaced.\n" + p.Roles + "\n")
	} else {
		b.WriteString("# The migration that creates the two database roles and their grants. Uncomment\n")
		b.WriteString("# to have it generated (passwords never appear in it: set them yourself):\n")
		b.WriteString("# roles:\n")
		block(&b, []line{
			{"#   app: app_user", "your application connects as it: LOGIN, NOSUPERUSER, NOBYPASSRLS, owns nothing"},
			{"#   system: app_system", "BYPASSRLS, for tenant.NewSystemDB (none: no system role)"},
		})
	}

	b.WriteString("\n")
	comment(&b, "Where tenantc writes its migrations. "+p.MigrationsNote)
	b.WriteString("migrations:\n")
	fmt.Fprintf(&b, "  dir: %s\n", yamlString(p.Migrations.Dir))
	fmt.Fprintf(&b, "  format: %s\n", yamlString(string(p.Migrations.Format)))

	if p.StoreFlavor != "" {
		fmt.Fprintf(&b, "\n# The schema has the organization store's tables (%s). To have tenantc\n", p.StoreFlavor)
		b.WriteString("# generate the store's Go package, uncomment:\n")
		b.WriteString("# store:\n#   enabled: true\n")
		fmt.Fprintf(&b, "#   flavor: %s\n", p.StoreFlavor)
	}
	if len(p.Kept) > 0 {
		b.WriteString("\n# Kept from the tenantc.yaml replaced.\n")
		for _, k := range p.Kept {
			b.WriteString(k + "\n")
		}
	}
	return []byte(b.String())
}

// list writes a section: its active lines, then the undecided ones commented
// out; an empty list is written as [] when nothing is left to uncomment, so
// the key is still there to fill.
func list(b *strings.Builder, key string, active, undecided []line) {
	switch {
	case len(active) == 0 && len(undecided) == 0:
		fmt.Fprintf(b, "%s: []\n", key)
		return
	default:
		fmt.Fprintf(b, "%s:\n", key)
	}
	block(b, active)
	if len(undecided) > 0 {
		b.WriteString("  # Undecided: uncomment each table here or under the other list.\n")
		block(b, undecided)
	}
}

// createRoot is the CREATE TABLE of a proposed root whose key has type typ.
func createRoot(root, typ string) string {
	key := "id uuid PRIMARY KEY DEFAULT gen_random_uuid()"
	switch typ {
	case "bigint", "integer":
		key = "id " + typ + " GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	case "text":
		key = "id text PRIMARY KEY"
	}
	return fmt.Sprintf("CREATE TABLE %s (%s, name text NOT NULL);", root, key)
}

// Summary is what init prints to stderr: the root and the count of each
// class.
func (p *Proposal) Summary() string {
	var b strings.Builder
	how := "found"
	switch {
	case p.Configured:
		how = "kept from tenantc.yaml"
	case !p.Found:
		how = "proposed: not in the schema yet"
	}
	fmt.Fprintf(&b, "tenant root: %s (%s), column %s\n", p.Root, how, p.Column)
	for _, c := range []struct {
		label string
		n     int
		note  string
	}{
		{"scoped, with " + p.Column, p.Count(Scoped), ""},
		{"scoped through foreign keys", p.Count(Owned), " (tenantc writes their backfill)"},
		{"global", p.Count(Global), ""},
		{"unclassified", p.Count(Unclassified), " (commented out under scoped: and global:; decide each)"},
	} {
		fmt.Fprintf(&b, "  %-30s %d%s\n", c.label+":", c.n, c.note)
	}
	b.WriteString("next: review tenantc.yaml, then tenantc generate\n")
	return b.String()
}

// comment writes text as comment lines of at most 80 columns.
func comment(b *strings.Builder, text string) {
	line := "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 80 && line != "#" {
			b.WriteString(line + "\n")
			line = "#"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// columnNote is the comment on tenant.column: what it references.
func columnNote(p *Proposal) string {
	if p.Key == "" {
		return fmt.Sprintf("%s has no single-column primary key for it to reference", p.Root)
	}
	return fmt.Sprintf("references %s (%s), %s", p.Root, catalogIdent(p.Key), p.KeyType)
}

// exampleKey is a tenant key of type typ for the commented backfill: block,
// to be replaced by the user's own.
func exampleKey(typ string) string {
	switch typ {
	case "bigint", "integer":
		return "1"
	case "uuid":
		return "00000000-0000-0000-0000-000000000001"
	}
	return "default"
}
