// Package sarifcheck validates SARIF 2.1.0 logs for tests: every SARIF
// producer of tenantc (vet, check) is checked against the same transcription
// of the official schema, since no SARIF validator is a dependency here.
package sarifcheck

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

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

// Validate checks doc against the transcribed schema and the SARIF rules
// between objects that a schema cannot express: every result's ruleId names a
// rule of the driver, and ruleIndex points at that rule (§3.27.5–3.27.7).
func Validate(doc []byte) []string {
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
