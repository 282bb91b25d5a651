package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/golden"
	"github.com/tenantc/tenantc/internal/sarifcheck"
)

var testRules = []rule.Rule{
	{Name: "rls-disabled", Summary: "a protected table without row level security shows every tenant's rows"},
	{Name: "policy-column-cast", Summary: "a cast on the tenant column defeats its index"},
	{Name: "app-role-bypassrls", Summary: "a role with BYPASSRLS skips every policy"},
	{Name: "multiple-permissive", Summary: "permissive policies are OR-ed"},
	{Name: "unused-rule-in-report", Summary: "listed in the rule metadata although nothing reported it"},
}

func sample() diag.List {
	return diag.List{
		{Object: "role app", Severity: diag.Error, Rule: "app-role-bypassrls",
			Message: `role "app" has BYPASSRLS`, Fix: "ALTER ROLE app NOBYPASSRLS;"},
		{Pos: source.Pos{File: "schema/002_projects.sql", Line: 3, Col: 1}, Object: "public.projects",
			Severity: diag.Error, Rule: "rls-disabled", Message: `table "public.projects" does not enable row level security`,
			Fix: "ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;\nALTER TABLE public.projects FORCE ROW LEVEL SECURITY;"},
		{Pos: source.Pos{File: "schema/my dir/004_tasks.sql", Line: 12, Col: 5},
			Object:   "policy p on public.tasks",
			Severity: diag.Warning, Rule: "multiple-permissive", Message: "two permissive SELECT policies <OR-ed> & more"},
		{Pos: source.Pos{File: "schema/009_bad.sql", Line: 1, Col: 8}, Severity: diag.Error, Message: `syntax error at or near "TABEL"`},
		{Object: "public.tasks", Severity: diag.Warning, Rule: "not-in-the-map", Message: "a rule the map does not describe"},
		{Pos: source.Pos{File: "schema/002_projects.sql"}, Severity: diag.Error, Rule: "policy-column-cast", Message: "file without a line"},
		{Object: "public.off", Severity: diag.Off, Rule: "rls-disabled", Message: "turned off, never shown"},
	}
}

func render(t *testing.T, format string, diags diag.List) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, "tenantc vet", testRules, diags); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, format := range Formats {
		for _, tc := range []struct {
			name  string
			diags diag.List
		}{{"findings", sample()}, {"clean", nil}} {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				got := render(t, format, tc.diags)
				again := render(t, format, tc.diags)
				if !bytes.Equal(got, again) {
					t.Fatal("output differs between two runs")
				}
				golden.File(t, filepath.Join("testdata", tc.name+"."+format), got)
			})
		}
	}
}

func TestWriteDoesNotReorderInput(t *testing.T) {
	in := sample()
	before := slices.Clone(in)
	render(t, "json", in)
	if !slices.EqualFunc(in, before, func(a, b diag.Diagnostic) bool { return a == b }) {
		t.Fatal("Write reordered its input")
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "xml", "tenantc vet", nil, nil); err == nil {
		t.Fatal("want an error for an unknown format")
	}
}

func TestTextAndJSONContent(t *testing.T) {
	text := string(render(t, "text", sample()))
	if !strings.HasSuffix(text, "\n4 errors, 2 warnings\n") {
		t.Errorf("text summary: %q", text)
	}
	if strings.Contains(text, "never shown") {
		t.Error("an Off diagnostic was written")
	}
	if got := string(render(t, "text", nil)); got != "no findings\n" {
		t.Errorf("clean text = %q", got)
	}

	var doc struct {
		Tool     string           `json:"tool"`
		Findings []map[string]any `json:"findings"`
		Errors   int              `json:"errors"`
		Warnings int              `json:"warnings"`
	}
	if err := json.Unmarshal(render(t, "json", sample()), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tool != "tenantc vet" || doc.Errors != 4 || doc.Warnings != 2 || len(doc.Findings) != 6 {
		t.Fatalf("json: %+v", doc)
	}
	keys := []string{"code", "severity", "object", "file", "line", "column", "message", "fix"}
	for _, f := range doc.Findings {
		for _, k := range keys {
			if _, ok := f[k]; !ok {
				t.Errorf("finding %v lacks %q", f, k)
			}
		}
		if f["code"] == "" {
			t.Errorf("finding %v has no code", f)
		}
	}
	if clean := string(render(t, "json", nil)); !strings.Contains(clean, `"findings": []`) {
		t.Errorf("clean json has no empty findings array: %s", clean)
	}
}

func TestObjectKind(t *testing.T) {
	for object, want := range map[string]string{
		"public.projects": "table",
		"role app":        "role",
		"policy tenantc_tenant_isolation on public.projects": "policy",
		"function public.f(uuid)":                            "function",
		"view public.v":                                      "view",
		"materialized view public.mv":                        "materializedView",
		"foreign table public.ft":                            "foreignTable",
	} {
		if got := ObjectKind(object); got != want {
			t.Errorf("ObjectKind(%q) = %q, want %q", object, got, want)
		}
	}
}

func TestSARIFValid(t *testing.T) {
	for name, ds := range map[string]diag.List{"findings": sample(), "clean": nil} {
		doc := render(t, "sarif", ds)
		if errs := sarifcheck.Validate(doc); len(errs) > 0 {
			t.Errorf("%s: SARIF invalid:\n%s\n%s", name, strings.Join(errs, "\n"), doc)
		}
	}
}

func TestSARIFContent(t *testing.T) {
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration *struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           *struct{ StartLine, StartColumn int }
					} `json:"physicalLocation"`
					LogicalLocations []struct{ FullyQualifiedName, Kind string } `json:"logicalLocations"`
				} `json:"locations"`
				Properties struct{ Fix string } `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, "sarif", sample()), &log); err != nil {
		t.Fatal(err)
	}
	if log.Schema != SchemaURI || log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "tenantc" {
		t.Fatalf("header: %+v", log)
	}
	rules := map[string]bool{}
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		rules[r.ID] = true
	}
	for _, id := range []string{"rls-disabled", "unused-rule-in-report", "not-in-the-map", NoRule} {
		if !rules[id] {
			t.Errorf("rule %q missing from the driver", id)
		}
	}
	res := log.Runs[0].Results
	if len(res) != 6 {
		t.Fatalf("%d results, want 6 (the Off one left out)", len(res))
	}
	var sawLive, sawFile, sawEscaped bool
	for _, r := range res {
		if len(r.Locations) == 0 {
			t.Errorf("result %q has no location", r.RuleID)
			continue
		}
		l := r.Locations[0]
		if l.PhysicalLocation == nil && len(l.LogicalLocations) > 0 && l.LogicalLocations[0].FullyQualifiedName == "role app" {
			sawLive = l.LogicalLocations[0].Kind == "role" && r.Properties.Fix == "ALTER ROLE app NOBYPASSRLS;"
		}
		if p := l.PhysicalLocation; p != nil && p.ArtifactLocation.URI == "schema/002_projects.sql" && p.Region != nil && r.RuleID == "rls-disabled" {
			sawFile = p.Region.StartLine == 3 && p.Region.StartColumn == 1 && r.Level == "error"
		}
		if p := l.PhysicalLocation; p != nil && p.ArtifactLocation.URI == "schema/my%20dir/004_tasks.sql" {
			sawEscaped = r.Level == "warning"
		}
	}
	if !sawLive || !sawFile || !sawEscaped {
		t.Errorf("live=%v file=%v escaped=%v", sawLive, sawFile, sawEscaped)
	}
}

// The validator itself must reject what the schema rejects.
func TestSARIFValidatorRejects(t *testing.T) {
	good := string(render(t, "sarif", sample()))
	for name, mutate := range map[string]func(string) string{
		"version": func(s string) string { return strings.Replace(s, `"version": "2.1.0"`, `"version": "2.0.0"`, 1) },
		"no runs": func(s string) string { return strings.Replace(s, `"runs"`, `"rns"`, 1) },
		"level":   func(s string) string { return strings.Replace(s, `"level": "warning"`, `"level": "warn"`, 1) },
		"line 0":  func(s string) string { return strings.Replace(s, `"startLine": 3`, `"startLine": 0`, 1) },
		"col 0":   func(s string) string { return strings.Replace(s, `"startColumn": 1`, `"startColumn": 0`, 1) },
		"no text": func(s string) string {
			return strings.Replace(s, `"message": {`+"\n"+`            "text"`, `"message": {`+"\n"+`            "txt"`, 1)
		},
		"ruleId": func(s string) string { return strings.Replace(s, `"ruleId": "rls-disabled"`, `"ruleId": "nope"`, 1) },
		"name":   func(s string) string { return strings.Replace(s, `"name": "tenantc"`, `"nam": "tenantc"`, 1) },
		"uri":    func(s string) string { return strings.Replace(s, `"uri": "schema/002_projects.sql"`, `"ur": "x"`, 1) },
		"extra": func(s string) string {
			return strings.Replace(s, `"ruleId": "rls-disabled"`, `"rule_id": "x", "ruleId": "rls-disabled"`, 1)
		},
	} {
		bad := mutate(good)
		if bad == good {
			t.Errorf("%s: mutation did not apply", name)
			continue
		}
		if errs := sarifcheck.Validate([]byte(bad)); len(errs) == 0 {
			t.Errorf("%s: validator accepted an invalid log", name)
		}
	}
}
