// Package report renders diagnostics for people and for machines: plain text,
// JSON, and SARIF 2.1.0 for code-scanning tools. `tenantc vet` and `tenantc check`
// both print through it, so a finding looks the same whichever command found it.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// Formats are the output formats: "text", "json", "sarif".
var Formats = []string{"text", "json", "sarif"}

// NoRule is the code given, in JSON and SARIF, to a diagnostic that no rule
// reported: input that could not be read or parsed, a database that could not be
// queried. Every SARIF result then names a rule.
const NoRule = "input-error"

const noRuleSummary = "the input could not be read, parsed or queried, so its rules could not be checked"

// InformationURI is the tool's home page, SARIF's tool.driver.informationUri.
const InformationURI = "https://github.com/tenantc/tenantc"

// SchemaURI is the SARIF 2.1.0 schema the sarif format names in $schema.
const SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// Write renders diags in format. tool is "tenantc check" or "tenantc vet"; rules
// are the rules SARIF's rule metadata describes (rule.All).
//
// Diagnostics of severity Off are left out; the rest are written in diag.List.Sort
// order (diags itself is not reordered), so the output depends only on the input.
func Write(w io.Writer, format, tool string, rules []rule.Rule, diags diag.List) error {
	ds := prepare(diags)
	var (
		out []byte
		err error
	)
	switch format {
	case "text":
		out = renderText(ds)
	case "json":
		out, err = marshal(jsonReport(tool, ds))
	case "sarif":
		out, err = marshal(sarifReport(tool, rules, ds))
	default:
		return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// prepare copies diags without Off diagnostics and sorts the copy.
func prepare(diags diag.List) diag.List {
	ds := make(diag.List, 0, len(diags))
	for _, d := range diags {
		if d.Severity != diag.Off {
			ds = append(ds, d)
		}
	}
	ds.Sort()
	return ds
}

// Summary is the last line of the text format: "no findings", or the number of
// errors and warnings ("1 error, 2 warnings").
func Summary(diags diag.List) string {
	e, w := diags.Count(diag.Error), diags.Count(diag.Warning)
	if e == 0 && w == 0 {
		return "no findings"
	}
	return plural(e, "error") + ", " + plural(w, "warning")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func renderText(ds diag.List) []byte {
	var b bytes.Buffer
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	b.WriteString(Summary(ds))
	b.WriteByte('\n')
	return b.Bytes()
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func code(d diag.Diagnostic) string {
	if d.Rule == "" {
		return NoRule
	}
	return d.Rule
}

// ---- JSON ----

type jsonDoc struct {
	Tool     string        `json:"tool"`
	Findings []jsonFinding `json:"findings"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
}

type jsonFinding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Object   string `json:"object"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Fix      string `json:"fix"`
}

func jsonReport(tool string, ds diag.List) jsonDoc {
	doc := jsonDoc{
		Tool:     tool,
		Findings: make([]jsonFinding, 0, len(ds)),
		Errors:   ds.Count(diag.Error),
		Warnings: ds.Count(diag.Warning),
	}
	for _, d := range ds {
		doc.Findings = append(doc.Findings, jsonFinding{
			Code:     code(d),
			Severity: d.Severity.String(),
			Object:   d.Object,
			File:     d.Pos.File,
			Line:     d.Pos.Line,
			Column:   d.Pos.Col,
			Message:  d.Message,
			Fix:      d.Fix,
		})
	}
	return doc
}

// ---- SARIF 2.1.0 ----

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	FullName       string      `json:"fullName,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	DefaultConfiguration *sarifRuleDefaults `json:"defaultConfiguration,omitempty"`
}

type sarifRuleDefaults struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string                 `json:"ruleId"`
	RuleIndex  int                    `json:"ruleIndex"`
	Level      string                 `json:"level"`
	Message    sarifMessage           `json:"message"`
	Locations  []sarifLocation        `json:"locations,omitempty"`
	Properties *sarifResultProperties `json:"properties,omitempty"`
}

type sarifResultProperties struct {
	Fix string `json:"fix,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// Level maps a severity to a SARIF result level: "error", "warning", or "note".
func Level(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "error"
	case diag.Warning:
		return "warning"
	default:
		return "note"
	}
}

func sarifReport(tool string, rules []rule.Rule, ds diag.List) sarifLog {
	// Every rule of the tool, plus any rule a diagnostic names that the map lacks.
	summaries := make(map[string]string, len(rules)+1)
	for _, r := range rules {
		summaries[r.Name] = r.Summary
	}
	levels := map[string]string{}
	for _, d := range ds {
		id := code(d)
		if _, ok := summaries[id]; !ok {
			if id == NoRule {
				summaries[id] = noRuleSummary
			} else {
				summaries[id] = id
			}
		}
		// A rule's level in this run: the most severe of its diagnostics.
		if l := Level(d.Severity); levels[id] == "" || rank(l) > rank(levels[id]) {
			levels[id] = l
		}
	}
	ids := make([]string, 0, len(summaries))
	for id := range summaries {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := make(map[string]int, len(ids))
	sr := make([]sarifRule, 0, len(ids))
	for i, id := range ids {
		index[id] = i
		text := summaries[id]
		if text == "" {
			text = id
		}
		r := sarifRule{ID: id, ShortDescription: sarifMessage{Text: text}}
		if l := levels[id]; l != "" {
			r.DefaultConfiguration = &sarifRuleDefaults{Level: l}
		}
		sr = append(sr, r)
	}

	results := make([]sarifResult, 0, len(ds))
	for _, d := range ds {
		id := code(d)
		res := sarifResult{
			RuleID:    id,
			RuleIndex: index[id],
			Level:     Level(d.Severity),
			Message:   sarifMessage{Text: d.Message},
		}
		var loc sarifLocation
		if d.Pos.IsValid() {
			pl := &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: fileURI(d.Pos.File)}}
			if d.Pos.Line > 0 {
				pl.Region = &sarifRegion{StartLine: d.Pos.Line}
				if d.Pos.Col > 0 {
					pl.Region.StartColumn = d.Pos.Col
				}
			}
			loc.PhysicalLocation = pl
		}
		if d.Object != "" {
			loc.LogicalLocations = []sarifLogicalLocation{{FullyQualifiedName: d.Object, Kind: ObjectKind(d.Object)}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			res.Locations = []sarifLocation{loc}
		}
		if d.Fix != "" {
			res.Properties = &sarifResultProperties{Fix: d.Fix}
		}
		results = append(results, res)
	}

	return sarifLog{
		Schema:  SchemaURI,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "tenantc",
				FullName:       tool,
				InformationURI: InformationURI,
				Rules:          sr,
			}},
			Results: results,
		}},
	}
}

func rank(level string) int {
	switch level {
	case "error":
		return 3
	case "warning":
		return 2
	case "note":
		return 1
	}
	return 0
}

// fileURI turns a file path into a SARIF uri-reference: forward slashes, relative
// paths kept relative, characters that a URI cannot hold escaped.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x → /C:/x
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// objectKinds are the leading words of a diag.Diagnostic's Object that name its
// kind ("role app", "policy p on public.t"), longest first, with the SARIF
// logicalLocation kind each maps to.
var objectKinds = []struct{ prefix, kind string }{
	{"materialized view ", "materializedView"},
	{"foreign table ", "foreignTable"},
	{"partitioned table ", "table"},
	{"database ", "database"},
	{"function ", "function"},
	{"procedure ", "function"},
	{"trigger ", "trigger"},
	{"column ", "column"},
	{"policy ", "policy"},
	{"schema ", "namespace"},
	{"sequence ", "sequence"},
	{"index ", "index"},
	{"constraint ", "constraint"},
	{"role ", "role"},
	{"table ", "table"},
	{"view ", "view"},
	{"type ", "type"},
	{"extension ", "extension"},
	{"setting ", "setting"},
}

// ObjectKind returns the SARIF logicalLocation kind of a diagnostic's Object:
// its leading word ("role app" → "role", "policy p on public.t" → "policy"), or
// "table" for a bare qualified name ("public.projects").
func ObjectKind(object string) string {
	for _, k := range objectKinds {
		if strings.HasPrefix(object, k.prefix) {
			return k.kind
		}
	}
	return "table"
}
