// Package severity applies a project's rule severities to diagnostics:
// tenantc.yaml's rules: — per rule and per table — and the command line's
// --rule flags. Generate, vet and check all apply them here, after their
// stages have reported with each rule's default severity.
//
// It is apart from package rule, the list of rules, because it reads the
// project's configuration: rule sits below config, so that every stage may
// import it, and config below the stages.
package severity

import (
	"maps"
	"slices"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// Overrides are the severities a project gives rules instead of their
// defaults: tenantc.yaml's rules: and the command line's --rule flags, per
// rule, and tenantc.yaml's per-table overrides. Generate, vet and check apply
// them alike. The zero value overrides nothing.
type Overrides struct {
	// rules maps a rule name to its severity: tenantc.yaml's, then the flags'.
	rules map[string]diag.Severity
	// tables are tenantc.yaml's per-table overrides; they win over rules for
	// the diagnostics about their tables.
	tables []config.TableRule
	// pos locates each name of rules that tenantc.yaml wrote.
	pos map[string]source.Pos
}

// Merge returns a project's overrides: tenantc.yaml's rules: (cfg may be nil),
// then flags, which win.
func Merge(cfg *config.Config, flags map[string]diag.Severity) Overrides {
	o := Overrides{rules: map[string]diag.Severity{}}
	if cfg != nil {
		maps.Copy(o.rules, cfg.Rules)
		o.tables, o.pos = cfg.TableRules, cfg.RulePos
	}
	maps.Copy(o.rules, flags)
	return o
}

// Apply returns a copy of l with each diagnostic's severity set from the
// overrides — a table's own first, then the rule's — and without the
// diagnostics turned off. Diagnostics without a rule keep their severity.
func (o Overrides) Apply(l diag.List) diag.List {
	out := make(diag.List, 0, len(l))
	for _, d := range l {
		if sev, ok := o.tableSeverity(d); ok {
			d.Severity = sev
		} else if sev, ok := o.rules[d.Rule]; ok && d.Rule != "" {
			d.Severity = sev
		}
		if d.Severity != diag.Off {
			out = append(out, d)
		}
	}
	return out
}

// tableSeverity returns the severity tenantc.yaml gives d's rule for d's table.
func (o Overrides) tableSeverity(d diag.Diagnostic) (diag.Severity, bool) {
	if d.Rule == "" || d.Table == "" {
		return 0, false
	}
	for _, tr := range o.tables {
		if n, err := catalog.ParseName(tr.Table); err == nil && tr.Rule == d.Rule && n.String() == d.Table {
			return tr.Severity, true
		}
	}
	return 0, false
}

// Unknown reports, as errors in name order, every overridden rule name that
// is not in rule.All: at its place in tenantc.yaml, or at "--rule" for a flag.
// Every command knows every rule, whichever command applies it: a project's
// tenantc.yaml serves generate, vet and check alike.
func (o Overrides) Unknown() diag.List {
	named := maps.Clone(o.rules)
	for _, tr := range o.tables {
		named[tr.Rule] = tr.Severity
	}
	var out diag.List
	for _, name := range slices.Sorted(maps.Keys(named)) {
		if _, ok := rule.Find(name); !ok {
			pos := o.pos[name]
			if !pos.IsValid() {
				pos = source.Pos{File: "--rule"}
			}
			out.Errorf(pos, "unknown rule %q; 'tenantc rules' lists the rules", name)
		}
	}
	return out
}

// UnknownTables reports the tables of per-table overrides that are not in
// cat: a misspelt name would leave the rule on for the table meant.
func (o Overrides) UnknownTables(cat *catalog.Catalog) diag.List {
	var out diag.List
	for _, tr := range o.tables {
		n, err := catalog.ParseName(tr.Table)
		switch {
		case err != nil:
			out.Errorf(tr.Pos, "rules.%s.tables: %v", tr.Rule, err)
		case cat.Table(n) == nil:
			out.Errorf(tr.Pos, "rules.%s.tables: table %s is not in the schema", tr.Rule, n)
		}
	}
	return out
}
