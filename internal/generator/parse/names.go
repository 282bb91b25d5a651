package parse

import (
	"slices"
	"strconv"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// maxIdentLen is NAMEDATALEN-1: PostgreSQL truncates identifiers to 63 bytes.
const maxIdentLen = 63

// relName resolves a relation name; unqualified names land in b.schema.
func (b *builder) relName(rv *pg_query.RangeVar) catalog.Name {
	s := rv.GetSchemaname()
	if s == "" {
		s = b.schema
	}
	return catalog.Name{Schema: s, Name: rv.GetRelname()}
}

// listName resolves a dotted name given as a list of String nodes: name,
// schema.name or catalog.schema.name.
func (b *builder) listName(nodes []*pg_query.Node) catalog.Name {
	return b.partsName(sqlexpr.Strings(nodes))
}

// partsName resolves a dotted name given as its parts.
func (b *builder) partsName(parts []string) catalog.Name {
	switch len(parts) {
	case 0:
		return catalog.Name{Schema: b.schema}
	case 1:
		return catalog.Name{Schema: b.schema, Name: parts[0]}
	default:
		return catalog.Name{Schema: parts[len(parts)-2], Name: parts[len(parts)-1]}
	}
}

// roleName renders a role the way policies and OWNER TO name it; PUBLIC is "".
func roleName(r *pg_query.RoleSpec) string {
	switch r.GetRoletype() {
	case pg_query.RoleSpecType_ROLESPEC_CSTRING:
		return r.GetRolename()
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER:
		return "current_user"
	case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
		return "session_user"
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		return "current_role"
	}
	return ""
}

// makeObjectName is PostgreSQL's makeObjectName: name1_name2_label, shortening
// the longer of name1 and name2 until the whole fits in 63 bytes.
func makeObjectName(name1, name2, label string) string {
	overhead := 0
	if name2 != "" {
		overhead++
	}
	if label != "" {
		overhead += len(label) + 1
	}
	avail := maxIdentLen - overhead
	n1, n2 := len(name1), len(name2)
	for n1+n2 > avail && (n1 > 0 || n2 > 0) {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	out := clip(name1, n1)
	if name2 != "" {
		out += "_" + clip(name2, n2)
	}
	if label != "" {
		out += "_" + label
	}
	return out
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// nameAddition is ChooseIndexNameAddition / ChooseForeignKeyConstraintNameAddition:
// the column names joined by "_", stopping once 63 bytes are reached.
func nameAddition(cols []string) string {
	buf := ""
	for _, c := range cols {
		if buf != "" {
			buf += "_"
		}
		buf += c
		if len(buf) >= maxIdentLen+1 {
			break
		}
	}
	return buf
}

// chooseName is ChooseRelationName: the first of name1_name2_label,
// name1_name2_label1, … not yet used by a relation or constraint in schema.
func (b *builder) chooseName(schema, name1, name2, label string) string {
	for pass := 0; ; pass++ {
		l := label
		if pass > 0 {
			l += strconv.Itoa(pass)
		}
		name := makeObjectName(name1, name2, l)
		if !b.nameTaken(schema, name) {
			return name
		}
	}
}

// nameTaken reports whether a table, view, index or constraint of schema is
// called name. Relations and index-backed constraints share one namespace in
// PostgreSQL; other constraint names only need to be unique per table, but
// PostgreSQL's generated names avoid every constraint of the schema.
func (b *builder) nameTaken(schema, name string) bool {
	for _, v := range b.cat.Views {
		if v.Name.Schema == schema && v.Name.Name == name {
			return true
		}
	}
	for _, t := range b.cat.Tables {
		if t.Name.Schema != schema {
			continue
		}
		if t.Name.Name == name {
			return true
		}
		for _, ix := range t.Indexes {
			if ix.Name == name {
				return true
			}
		}
		for _, fk := range t.ForeignKeys {
			if fk.Name == name {
				return true
			}
		}
		if t.PrimaryKey != nil && t.PrimaryKey.Name == name {
			return true
		}
		for _, k := range t.Uniques {
			if k.Name == name {
				return true
			}
		}
	}
	return false
}

// indexColumnNames is ChooseIndexColumnNames: the names PostgreSQL gives index
// columns (and uses to name the index), made distinct by numbering repeats.
func indexColumnNames(elems []string) []string {
	out := make([]string, 0, len(elems))
	for _, orig := range elems {
		cur := orig
		for i := 1; slices.Contains(out, cur); i++ {
			suffix := strconv.Itoa(i)
			cur = clip(orig, maxIdentLen-len(suffix)) + suffix
		}
		out = append(out, cur)
	}
	return out
}
