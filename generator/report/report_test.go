package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantc/tenantc/generator/diag"
	"github.com/tenantc/tenantc/generator/source"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testRules = map[string]string{
	"rls-disabled":          "a protected table without row level security shows every tenant's rows",
	"policy-column-cast":    "a cast on the tenant column defeats its index",
	"app-role-bypassrls":    "a role with BYPASSRLS skips every policy",
	"multiple-permissive":   "permissive policies are OR-ed",
	"unused-rule-in-report": "listed in the rule metadata although nothing reported it",
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
				path := filepath.Join("testdata", tc.name+"."+format)
				if *update {
					if err := os.MkdirAll("testdata", 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", path, got, want)
				}
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

// ---- SARIF 2.1.0 structural validation ----
//
// schemaNode is the part of JSON Schema (draft-04) that the SARIF 2.1.0 schema
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json)
// uses for the objects this package emits. The definitions below transcribe, for
// each of those objects, every property the schema allows (additionalProperties is
// false on all of them but propertyBag), its required properties, its anyOf
// requirements, enums, integer minimums and uri formats.
type schemaNode struct {
	typ        string // "object", "array", "string", "integer", "boolean", "number", "" (any)
	props      map[string]*schemaNode
	additional bool       // additionalProperties: true
	required   []string   // required
	anyOf      [][]string // anyOf: [{required: [...]}, ...]
	items      *schemaNode
	enum       []string
	minimum    *int
	format     string // "uri" or "uri-reference"
	minItems   int
	unique     bool
	ref        string
}

func intp(n int) *int { return &n }

var (
	str     = &schemaNode{typ: "string"}
	integer = &schemaNode{typ: "integer"}
	anyJSON = &schemaNode{}
)

func ref(name string) *schemaNode { return &schemaNode{ref: name} }
func arrayOf(n *schemaNode, unique bool) *schemaNode {
	return &schemaNode{typ: "array", items: n, unique: unique}
}
func minInt(m int) *schemaNode { return &schemaNode{typ: "integer", minimum: intp(m)} }

var levelEnum = []string{"none", "note", "warning", "error"}

// sarifDefs transcribes the SARIF 2.1.0 schema's definitions for the objects we
// emit. Properties we never emit whose value is another definition are checked
// only as "any JSON" (they are still allowed names).
var sarifDefs = map[string]*schemaNode{
	"sarifLog": {
		typ: "object",
		props: map[string]*schemaNode{
			"$schema":                  {typ: "string", format: "uri"},
			"version":                  {typ: "string", enum: []string{"2.1.0"}},
			"runs":                     arrayOf(ref("run"), false),
			"inlineExternalProperties": anyJSON,
			"properties":               ref("propertyBag"),
		},
		required: []string{"version", "runs"},
	},
	"run": {
		typ: "object",
		props: propsOf(map[string]*schemaNode{
			"tool":       ref("tool"),
			"results":    arrayOf(ref("result"), false),
			"language":   str,
			"columnKind": {typ: "string", enum: []string{"utf16CodeUnits", "unicodeCodePoints"}},
			"properties": ref("propertyBag"),
		}, "invocations", "conversion", "versionControlProvenance", "originalUriBaseIds", "artifacts",
			"logicalLocations", "graphs", "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
			"defaultEncoding", "defaultSourceLanguage", "newlineSequences", "externalPropertyFileReferences",
			"threadFlowLocations", "taxonomies", "addresses", "translations", "policies", "webRequests",
			"webResponses", "specialLocations"),
		required: []string{"tool"},
	},
	"tool": {
		typ: "object",
		props: map[string]*schemaNode{
			"driver":     ref("toolComponent"),
			"extensions": anyJSON,
			"properties": ref("propertyBag"),
		},
		required: []string{"driver"},
	},
	"toolComponent": {
		typ: "object",
		props: propsOf(map[string]*schemaNode{
			"name":             str,
			"fullName":         str,
			"version":          str,
			"semanticVersion":  str,
			"informationUri":   {typ: "string", format: "uri"},
			"downloadUri":      {typ: "string", format: "uri"},
			"shortDescription": ref("multiformatMessageString"),
			"fullDescription":  ref("multiformatMessageString"),
			"rules":            arrayOf(ref("reportingDescriptor"), true),
			"notifications":    arrayOf(ref("reportingDescriptor"), true),
			"properties":       ref("propertyBag"),
		}, "guid", "organization", "product", "productSuite", "dottedQuadFileVersion", "releaseDateUtc",
			"globalMessageStrings", "taxa", "locations", "language", "contents", "isComprehensive",
			"localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion",
			"associatedComponent", "translationMetadata", "supportedTaxonomies"),
		required: []string{"name"},
	},
	"reportingDescriptor": {
		typ: "object",
		props: propsOf(map[string]*schemaNode{
			"id":                   str,
			"name":                 str,
			"shortDescription":     ref("multiformatMessageString"),
			"fullDescription":      ref("multiformatMessageString"),
			"help":                 ref("multiformatMessageString"),
			"helpUri":              {typ: "string", format: "uri"},
			"defaultConfiguration": ref("reportingConfiguration"),
			"properties":           ref("propertyBag"),
		}, "deprecatedIds", "guid", "deprecatedGuids", "deprecatedNames", "messageStrings", "relationships"),
		required: []string{"id"},
	},
	"reportingConfiguration": {
		typ: "object",
		props: map[string]*schemaNode{
			"enabled":    {typ: "boolean"},
			"level":      {typ: "string", enum: levelEnum},
			"rank":       {typ: "number"},
			"parameters": ref("propertyBag"),
			"properties": ref("propertyBag"),
		},
	},
	"multiformatMessageString": {
		typ: "object",
		props: map[string]*schemaNode{
			"text":       str,
			"markdown":   str,
			"properties": ref("propertyBag"),
		},
		required: []string{"text"},
	},
	"message": {
		typ: "object",
		props: map[string]*schemaNode{
			"text":       str,
			"markdown":   str,
			"id":         str,
			"arguments":  arrayOf(str, false),
			"properties": ref("propertyBag"),
		},
		anyOf: [][]string{{"text"}, {"id"}},
	},
	"result": {
		typ: "object",
		props: propsOf(map[string]*schemaNode{
			"ruleId":     str,
			"ruleIndex":  minInt(-1),
			"kind":       {typ: "string", enum: []string{"notApplicable", "pass", "fail", "review", "open", "informational"}},
			"level":      {typ: "string", enum: levelEnum},
			"message":    ref("message"),
			"locations":  arrayOf(ref("location"), false),
			"properties": ref("propertyBag"),
		}, "rule", "analysisTarget", "guid", "correlationGuid", "occurrenceCount", "partialFingerprints",
			"fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals", "relatedLocations", "suppressions",
			"baselineState", "rank", "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes",
			"taxa", "webRequest", "webResponse"),
		required: []string{"message"},
	},
	"location": {
		typ: "object",
		props: propsOf(map[string]*schemaNode{
			"id":               minInt(-1),
			"physicalLocation": ref("physicalLocation"),
			"logicalLocations": arrayOf(ref("logicalLocation"), true),
			"message":          ref("message"),
			"properties":       ref("propertyBag"),
		}, "annotations", "relationships"),
	},
	"physicalLocation": {
		typ: "object",
		props: map[string]*schemaNode{
			"address":          anyJSON,
			"artifactLocation": ref("artifactLocation"),
			"region":           ref("region"),
			"contextRegion":    ref("region"),
			"properties":       ref("propertyBag"),
		},
		anyOf: [][]string{{"address"}, {"artifactLocation"}},
	},
	"artifactLocation": {
		typ: "object",
		props: map[string]*schemaNode{
			"uri":         {typ: "string", format: "uri-reference"},
			"uriBaseId":   str,
			"index":       minInt(-1),
			"description": ref("message"),
			"properties":  ref("propertyBag"),
		},
	},
	"region": {
		typ: "object",
		props: map[string]*schemaNode{
			"startLine":      minInt(1),
			"startColumn":    minInt(1),
			"endLine":        minInt(1),
			"endColumn":      minInt(1),
			"charOffset":     minInt(-1),
			"charLength":     minInt(0),
			"byteOffset":     minInt(-1),
			"byteLength":     minInt(0),
			"snippet":        anyJSON,
			"message":        ref("message"),
			"sourceLanguage": str,
			"properties":     ref("propertyBag"),
		},
		anyOf: [][]string{{"startLine"}, {"charOffset"}, {"byteOffset"}},
	},
	"logicalLocation": {
		typ: "object",
		props: map[string]*schemaNode{
			"name":               str,
			"index":              minInt(-1),
			"fullyQualifiedName": str,
			"decoratedName":      str,
			"parentIndex":        minInt(-1),
			"kind":               str,
			"properties":         ref("propertyBag"),
		},
	},
	"propertyBag": {
		typ:        "object",
		additional: true,
		props:      map[string]*schemaNode{"tags": arrayOf(str, true)},
	},
}

// propsOf adds names the schema allows whose values we never emit.
func propsOf(m map[string]*schemaNode, others ...string) map[string]*schemaNode {
	for _, o := range others {
		m[o] = anyJSON
	}
	return m
}

func validate(n *schemaNode, v any, path string) []string {
	if n.ref != "" {
		return validate(sarifDefs[n.ref], v, path)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	switch n.typ {
	case "":
		return nil
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object, have %T", v)
			return errs
		}
		for _, r := range n.required {
			if _, ok := obj[r]; !ok {
				bad("required property %q is missing", r)
			}
		}
		if n.anyOf != nil {
			if !slices.ContainsFunc(n.anyOf, func(req []string) bool {
				return !slices.ContainsFunc(req, func(r string) bool { _, ok := obj[r]; return !ok })
			}) {
				bad("needs one of %v", n.anyOf)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p, ok := n.props[k]
			if !ok {
				if !n.additional {
					bad("property %q is not allowed", k)
				}
				continue
			}
			errs = append(errs, validate(p, obj[k], path+"."+k)...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("want an array, have %T", v)
			return errs
		}
		if len(arr) < n.minItems {
			bad("want at least %d items", n.minItems)
		}
		seen := map[string]bool{}
		for i, e := range arr {
			if n.unique {
				b, _ := json.Marshal(e)
				if seen[string(b)] {
					bad("item %d repeats an earlier item (uniqueItems)", i)
				}
				seen[string(b)] = true
			}
			errs = append(errs, validate(n.items, e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			bad("want a string, have %T", v)
			return errs
		}
		if n.enum != nil && !slices.Contains(n.enum, s) {
			bad("%q is not one of %v", s, n.enum)
		}
		switch n.format {
		case "uri":
			if u, err := url.Parse(s); err != nil || !u.IsAbs() {
				bad("%q is not an absolute URI", s)
			}
		case "uri-reference":
			if _, err := url.Parse(s); err != nil || s == "" || strings.ContainsAny(s, " \\") {
				bad("%q is not a URI reference", s)
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			bad("want an integer, have %v", v)
			return errs
		}
		if n.minimum != nil && int(f) < *n.minimum {
			bad("%v is below the minimum %d", f, *n.minimum)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			bad("want a number, have %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, have %T", v)
		}
	}
	return errs
}

// validateSARIF checks doc against the transcribed schema and the SARIF rules
// between objects that a schema cannot express: every result's ruleId names a
// rule of the driver, and ruleIndex points at that rule (§3.27.5–3.27.7).
func validateSARIF(doc []byte) []string {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return []string{err.Error()}
	}
	errs := validate(sarifDefs["sarifLog"], v, "$")
	log, _ := v.(map[string]any)
	runs, _ := log["runs"].([]any)
	if len(runs) == 0 {
		errs = append(errs, "$.runs: no run")
	}
	for i, r := range runs {
		run, _ := r.(map[string]any)
		tool, _ := run["tool"].(map[string]any)
		driver, _ := tool["driver"].(map[string]any)
		rules, _ := driver["rules"].([]any)
		ids := map[string]int{}
		for j, r := range rules {
			id, _ := r.(map[string]any)["id"].(string)
			if _, dup := ids[id]; dup {
				errs = append(errs, fmt.Sprintf("$.runs[%d].tool.driver.rules[%d]: id %q repeats", i, j, id))
			}
			ids[id] = j
		}
		if _, ok := run["results"]; !ok {
			errs = append(errs, fmt.Sprintf("$.runs[%d]: results must be present for a scan", i))
		}
		results, _ := run["results"].([]any)
		for j, r := range results {
			res, _ := r.(map[string]any)
			where := fmt.Sprintf("$.runs[%d].results[%d]", i, j)
			id, ok := res["ruleId"].(string)
			if !ok {
				errs = append(errs, where+": no ruleId")
				continue
			}
			idx, known := ids[id]
			if !known {
				errs = append(errs, fmt.Sprintf("%s: ruleId %q names no rule of the driver", where, id))
			}
			if ri, ok := res["ruleIndex"].(float64); ok && known && int(ri) != idx {
				errs = append(errs, fmt.Sprintf("%s: ruleIndex %v does not point at rule %q (index %d)", where, ri, id, idx))
			}
			if msg, _ := res["message"].(map[string]any); msg["text"] == "" {
				errs = append(errs, where+": empty message text")
			}
		}
	}
	return errs
}

func TestSARIFValid(t *testing.T) {
	for name, ds := range map[string]diag.List{"findings": sample(), "clean": nil} {
		doc := render(t, "sarif", ds)
		if errs := validateSARIF(doc); len(errs) > 0 {
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
		if errs := validateSARIF([]byte(bad)); len(errs) == 0 {
			t.Errorf("%s: validator accepted an invalid log", name)
		}
	}
}
