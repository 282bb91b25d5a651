package sqlcrun

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// checkOptions refuses, each at its place in the config file, the overrides
// of the blocks tenantc wraps (and those for every block) that would make a
// scoped repository take the tenant from its caller. A block run as written
// is plain sqlc: its options are its own.
func checkOptions(in Input, blocks, global []*yaml.Node) diag.List {
	var diags diag.List
	if in.Config == nil {
		return nil
	}
	// Overrides are listed per block (sql[].gen.go.overrides) and for every
	// block (overrides.go.overrides; version 1: overrides).
	var lists []*yaml.Node
	for _, b := range blocks {
		lists = append(lists, findValues(b, "overrides")...)
	}
	for _, overrides := range append(lists, global...) {
		if overrides.Kind == yaml.SequenceNode {
			for _, o := range overrides.Content {
				diags = append(diags, checkOverride(in, o)...)
			}
		}
	}
	return diags
}

// checkOverride refuses a user override that retypes a tenant column: the
// repositories recognise the tenant parameter by tenantc's type, so another
// type would turn every scoped method into one the caller passes the tenant to.
func checkOverride(in Input, o *yaml.Node) diag.List {
	var diags diag.List
	colKey, col := findKey(o, "column")
	if colKey == nil || col.Kind != yaml.ScalarNode {
		return nil
	}
	for _, tenantCol := range in.TenantColumns {
		if !columnMatches(col.Value, tenantCol) {
			continue
		}
		ours := coveringOverride(in.Overrides, tenantCol)
		_, goType := findKey(o, "go_type")
		if want, _ := ours["go_type"].(string); sameGoType(goType, want) {
			continue
		}
		diags.Add(diag.Diagnostic{Pos: posOf(in.ConfigName, colKey), Severity: diag.Error,
			Message: fmt.Sprintf("the override of column %q retypes the tenant column %s; tenantc types it %v so that repositories fill it from the tenant scope, never from the caller",
				col.Value, tenantCol, ours["go_type"]),
			Fix: fmt.Sprintf("remove this override (tenantc adds its own for %s)", tenantCol)})
		break
	}
	return diags
}

// columnMatches reports whether sqlc's override pattern ("table.column",
// "schema.table.column", each part a glob) matches full, "schema.table.column".
// A two-part pattern is matched against every schema, so a doubt refuses.
func columnMatches(pattern, full string) bool {
	p, f := strings.Split(pattern, "."), strings.Split(full, ".")
	if len(p) > len(f) {
		p = p[len(p)-len(f):] // a catalog prefix
	}
	f = f[len(f)-len(p):]
	for i := range p {
		if ok, err := path.Match(strings.Trim(p[i], `"`), f[i]); err != nil || !ok {
			return false
		}
	}
	return len(p) >= 2
}

// findKey returns the first mapping key named key under n, depth first, and its
// value.
func findKey(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i], n.Content[i+1]
			}
		}
	}
	for _, c := range n.Content {
		if k, v := findKey(c, key); k != nil {
			return k, v
		}
	}
	return nil, nil
}

// findValues returns the values of every mapping key named key under n.
func findValues(n *yaml.Node, key string) []*yaml.Node {
	var out []*yaml.Node
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				out = append(out, n.Content[i+1])
			}
		}
	}
	for _, c := range n.Content {
		out = append(out, findValues(c, key)...)
	}
	return out
}

func posOf(file string, n *yaml.Node) source.Pos {
	return source.Pos{File: file, Line: n.Line, Col: n.Column}
}

// sameGoType reports whether an override's go_type names want
// ("example.com/pkg.Type"), written either way sqlc reads it: the string, or
// the mapping {import: example.com/pkg, type: Type} (package: only renames the
// import). A pointer or a slice is another type.
func sameGoType(n *yaml.Node, want string) bool {
	switch {
	case n == nil || want == "":
		return false
	case n.Kind == yaml.ScalarNode:
		return n.Value == want
	case n.Kind != yaml.MappingNode:
		return false
	}
	dot := strings.LastIndex(want, ".")
	field := func(key string) string {
		if _, v := findKey(n, key); v != nil && v.Kind == yaml.ScalarNode {
			return v.Value
		}
		return ""
	}
	for _, flag := range []string{"pointer", "slice"} {
		if field(flag) == "true" {
			return false
		}
	}
	return field("import") == want[:dot] && field("type") == want[dot+1:]
}

// coveringOverride returns the override of ovs that types column
// ("schema.table.column"): its own or a glob's.
func coveringOverride(ovs []map[string]any, column string) map[string]any {
	for _, o := range ovs {
		if c, _ := o["column"].(string); sqlcColumnMatches(c, column) {
			return o
		}
	}
	return nil
}
