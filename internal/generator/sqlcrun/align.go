package sqlcrun

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// Additions is what tenantc hands sqlc beyond what the project's sqlc config
// entry names itself. Plain `sqlc generate` (and `sqlc diff`) on the project
// writes exactly tenantc's sqlc code only when the entry names all of it.
type Additions struct {
	// MigrationsDir is tenantc's migrations directory, slash-separated and
	// clean, when tenantc hands sqlc migrations from it; empty otherwise.
	MigrationsDir string
	// StandardQueriesDir is the directory of tenantc's standard queries,
	// slash-separated and clean, when there are any; empty otherwise.
	StandardQueriesDir string
	// Overrides are tenantc's overrides ([Input.Overrides]): column and
	// go_type.
	Overrides []map[string]any
	// TenantColumns are the columns Overrides type ([Input.TenantColumns]):
	// the entry must type each, with tenantc's overrides or its own.
	TenantColumns []string
	// Block is the entry's index in the config's list (sql: or packages:),
	// as [Block.Index].
	Block int
}

// CheckAligned reports, as one diagnostic located at the first thing missing,
// what of add the postgresql entry add.Block of the sqlc config lacks: its schema paths
// must name tenantc's migrations directory, its query paths the standard
// queries directory, and its overrides (the entry's or the config's global
// ones) must type every tenant column as tenantc does. The fix is the YAML (or
// JSON, for sqlc.json) to put in the entry. A config tenantc cannot read is
// rewriteConfig's to report: CheckAligned then says nothing.
func CheckAligned(config []byte, configName string, add Additions) diag.List {
	var doc yaml.Node
	if config == nil || yaml.Unmarshal(config, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	entry, v1 := configEntry(root, add.Block)
	if entry == nil {
		return nil
	}
	var (
		missing []string   // what plain sqlc lacks, for the message
		fix     []string   // the lines of the fix
		at      *yaml.Node // where the first missing thing belongs
	)
	json := strings.EqualFold(filepath.Ext(configName), ".json")
	mark := func(n *yaml.Node) {
		if at == nil {
			at = n
		}
	}
	entryKey := entry // a key of the entry to point at when it lacks one
	if len(entry.Content) > 0 {
		entryKey = entry.Content[0]
	}
	pathList := func(key, want, what string) {
		if want == "" {
			return
		}
		k, v := mappingValue(entry, key)
		have := paths(v)
		for _, p := range have {
			if path.Clean(filepath.ToSlash(p)) == want {
				return
			}
		}
		if k != nil {
			mark(k)
		} else {
			mark(entryKey)
		}
		missing = append(missing, fmt.Sprintf("reads no %s (%s)", want, what))
		fix = append(fix, listLine(key, append(have, want), json))
	}
	pathList("schema", add.MigrationsDir, "tenantc's migrations")
	pathList("queries", add.StandardQueriesDir, "tenantc's standard queries")

	overrideParent := entry // v1: the package holds its overrides
	if !v1 {
		_, gen := mappingValue(entry, "gen")
		_, overrideParent = mappingValue(gen, "go")
	}
	var lacking []map[string]any // of add.Overrides, those for a column the entry does not type
	for _, col := range add.TenantColumns {
		if overridden(root, overrideParent, col) {
			continue
		}
		if o := coveringOverride(add.Overrides, col); o != nil && !slices.ContainsFunc(lacking, func(l map[string]any) bool { return l["column"] == o["column"] }) {
			lacking = append(lacking, o)
		}
	}
	if len(lacking) > 0 {
		if k, _ := mappingValue(overrideParent, "overrides"); k != nil {
			mark(k)
		} else if k := keyOf(entry, overrideParent); k != nil {
			mark(k)
		} else {
			mark(entryKey)
		}
		missing = append(missing, fmt.Sprintf("does not type %s as %v",
			columnsList(lacking), lacking[0]["go_type"]))
		fix = append(fix, overridesLines(lacking, v1, json)...)
	}
	if at == nil {
		return nil
	}
	var diags diag.List
	diags.Add(diag.Diagnostic{Pos: posOf(configName, at), Severity: rule.SQLCConfigIncomplete.Severity, Rule: rule.SQLCConfigIncomplete.Name,
		Message: fmt.Sprintf("plain `sqlc generate` on %s would not write tenantc's sqlc code: it %s, so the repositories stop compiling and `sqlc diff` fails",
			configName, andList(missing)),
		Fix: fmt.Sprintf("put what tenantc gives sqlc in this entry of %s (then plain sqlc writes the same code):\n%s",
			configName, strings.Join(fix, "\n"))})
	return diags
}

// configEntry returns entry index of the list: under sql: in a version 2
// config, under packages: in a version 1 config (v1 true); nil when it is no
// postgresql entry.
func configEntry(root *yaml.Node, index int) (entry *yaml.Node, v1 bool) {
	for _, key := range []string{"sql", "packages"} {
		_, list := mappingValue(root, key)
		if list == nil || list.Kind != yaml.SequenceNode || index >= len(list.Content) {
			continue
		}
		e := list.Content[index]
		if e.Kind != yaml.MappingNode {
			return nil, false
		}
		if _, engine := mappingValue(e, "engine"); engine == nil || engine.Value == "postgresql" {
			return e, key == "packages"
		}
		return nil, false
	}
	return nil, false
}

// overridden reports whether a column override of entry's go options (or of
// the config's global ones, overrides.go.overrides, which sqlc puts first)
// matches column ("schema.table.column"). Which type it gives is
// checkOverride's to judge: one that is not tenantc's is refused.
func overridden(root, goOpts *yaml.Node, column string) bool {
	_, global := mappingValue(root, "overrides")
	_, globalGo := mappingValue(global, "go")
	for _, parent := range []*yaml.Node{globalGo, goOpts} {
		_, list := mappingValue(parent, "overrides")
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		for _, o := range list.Content {
			_, col := mappingValue(o, "column")
			if _, goType := mappingValue(o, "go_type"); goType == nil || col == nil || col.Kind != yaml.ScalarNode {
				continue
			}
			if sqlcColumnMatches(col.Value, column) {
				return true
			}
		}
	}
	return false
}

// sqlcColumnMatches reports whether sqlc-gen-go applies a column override
// written pattern to full ("schema.table.column"), as its opts.Override does:
// "table.column" names a table of the default schema, public; each part is a
// pattern where * is any run of characters and ? one character (\ escapes
// them).
func sqlcColumnMatches(pattern, full string) bool {
	p, f := strings.Split(pattern, "."), strings.Split(full, ".")
	switch len(p) {
	case 2:
		p = append([]string{"public"}, p...)
	case 3:
	case 4:
		p = p[1:] // the catalog: sqlc's tables have none to compare
	default:
		return false
	}
	for i := range p {
		re, err := sqlcPattern(p[i])
		if err != nil || !re.MatchString(f[i]) {
			return false
		}
	}
	return true
}

// sqlcPattern compiles one part of an override's column as sqlc's
// internal/pattern does.
func sqlcPattern(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			escaped = false
			b.WriteString(regexp.QuoteMeta(string(r)))
		case r == '\\':
			escaped = true
		case r == '*':
			b.WriteString(".*")
		case r == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return regexp.Compile("^" + b.String() + "$")
}

// mappingValue returns the key named key of the mapping n and its value; nils
// when n is no mapping or lacks it.
func mappingValue(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// keyOf returns the key of the mapping under parent (at any depth) whose value
// is v.
func keyOf(parent, v *yaml.Node) *yaml.Node {
	if parent == nil || v == nil {
		return nil
	}
	if parent.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(parent.Content); i += 2 {
			if parent.Content[i+1] == v {
				return parent.Content[i]
			}
		}
	}
	for _, c := range parent.Content {
		if k := keyOf(c, v); k != nil {
			return k
		}
	}
	return nil
}

// listLine renders key: [values] in YAML flow style or as a JSON member.
func listLine(key string, values []string, json bool) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = yamlScalar(v, json)
	}
	if json {
		return fmt.Sprintf("%q: [%s],", key, strings.Join(quoted, ", "))
	}
	return fmt.Sprintf("%s: [%s]", key, strings.Join(quoted, ", "))
}

// plainScalar matches what YAML reads as a plain string in a flow sequence.
var plainScalar = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_./-]*$`)

func yamlScalar(s string, json bool) string {
	if json || !plainScalar.MatchString(s) {
		return strconv.Quote(s)
	}
	return s
}

// overridesLines renders the overrides to add: under gen.go in a version 2
// entry, in the package itself in version 1.
func overridesLines(ovs []map[string]any, v1, json bool) []string {
	var lines []string
	if json {
		var items []string
		for _, o := range ovs {
			items = append(items, fmt.Sprintf(`{"column": %q, "go_type": %q}`, o["column"], o["go_type"]))
		}
		list := `"overrides": [` + strings.Join(items, ", ") + "]"
		if v1 {
			return []string{list}
		}
		return []string{`"gen": {"go": {` + list + `}}`}
	}
	indent := "  "
	if !v1 {
		lines = append(lines, "gen:", "  go:")
		indent = "      "
		lines = append(lines, "    overrides:")
	} else {
		lines = append(lines, "overrides:")
	}
	for _, o := range ovs {
		lines = append(lines,
			fmt.Sprintf("%s- column: %s", indent, yamlScalar(o["column"].(string), false)),
			fmt.Sprintf("%s  go_type: %s", indent, yamlScalar(fmt.Sprint(o["go_type"]), false)))
	}
	return lines
}

// columnsList names the columns of ovs: "public.tenants.id and
// public.projects.tenant_id", at most three and a count.
func columnsList(ovs []map[string]any) string {
	var names []string
	for i, o := range ovs {
		if i == 3 {
			names = append(names, fmt.Sprintf("%d more", len(ovs)-3))
			break
		}
		names = append(names, fmt.Sprint(o["column"]))
	}
	return andList(names)
}

// andList joins "a", "b" and "c" as "a, b and c".
func andList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Diff runs `sqlc diff -f config` in dir, as plain sqlc: nil when the files
// sqlc would generate are on disk, byte for byte; otherwise the error, and
// stderr (sqlc's diff) says what differs.
func Diff(ctx context.Context, dir, config string) (stderr string, err error) {
	stdout, stderr, err := runChild(ctx, dir, "diff", "--no-remote", "-f", config)
	if err != nil {
		return stderr + stdout, fmt.Errorf("sqlc diff: %w", err)
	}
	return stderr, nil
}
