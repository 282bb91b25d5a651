package parse

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// createTable applies CREATE TABLE, including PARTITION OF, INHERITS and LIKE.
func (b *builder) createTable(s *pg_query.CreateStmt) {
	rv := s.GetRelation()
	name := b.relName(rv)
	if b.relationExists(name) {
		if !s.GetIfNotExists() {
			b.exists(b.pos(rv.GetLocation()), "relation", name.Schema+"."+name.Name)
		}
		return
	}
	t := &catalog.Table{Name: name, Pos: b.pos(rv.GetLocation())}

	// A partition starts as a copy of its parent's columns; plain inheritance
	// (INHERITS) merges the parents' columns in front of the table's own.
	var parent *catalog.Table
	for _, inh := range s.GetInhRelations() {
		prv := inh.GetRangeVar()
		if prv == nil {
			continue
		}
		pn := b.relName(prv)
		p := b.cat.Table(pn)
		if p == nil {
			b.missingRelation(prv, pn)
			return
		}
		if s.GetPartbound() != nil {
			parent = p
			t.PartitionOf = &catalog.Name{Schema: pn.Schema, Name: pn.Name}
		}
		for _, c := range p.Columns {
			if t.Column(c.Name) == nil {
				cc := *c
				if parent == nil {
					cc.Identity = "" // identity is not inherited
				}
				t.Columns = append(t.Columns, &cc)
			}
		}
		if parent != nil {
			break // PARTITION OF names exactly one parent
		}
	}
	if ps := s.GetPartspec(); ps != nil {
		t.PartitionBy = b.partitionBy(ps)
	}
	b.cat.Tables = append(b.cat.Tables, t)

	// PostgreSQL creates the columns, then the indexes of PRIMARY KEY and UNIQUE,
	// then foreign keys; a key may name a column declared after it.
	var keys, fks []*pg_query.Constraint
	var likes []*pg_query.TableLikeClause
	collect := func(cs []*pg_query.Constraint) {
		for _, c := range cs {
			if c.GetContype() == pg_query.ConstrType_CONSTR_FOREIGN {
				fks = append(fks, c)
			} else {
				keys = append(keys, c)
			}
		}
	}
	for _, elt := range s.GetTableElts() {
		switch e := elt.GetNode().(type) {
		case *pg_query.Node_ColumnDef:
			cd := e.ColumnDef
			col := t.Column(cd.GetColname())
			if col == nil {
				col = b.newColumn(t, cd)
				t.Columns = append(t.Columns, col)
			} else if cd.GetTypeName() != nil && parent == nil {
				col.Type = b.typeOf(cd.GetTypeName()) // INHERITS merges a redeclared column
			}
			collect(b.columnConstraints(col, cd))
		case *pg_query.Node_Constraint:
			collect([]*pg_query.Constraint{e.Constraint})
		case *pg_query.Node_TableLikeClause:
			if b.likeColumns(t, e.TableLikeClause) {
				likes = append(likes, e.TableLikeClause)
			}
		}
	}
	collect(pgConstraints(s.GetConstraints()))

	if parent != nil {
		b.inherit(t, parent)
	}
	// PostgreSQL builds the primary key's index first, and makes one index for
	// key constraints that are the same (id int UNIQUE PRIMARY KEY), keeping the
	// primary key.
	rank := func(c *pg_query.Constraint) int {
		if c.GetContype() == pg_query.ConstrType_CONSTR_PRIMARY {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(keys, func(x, y *pg_query.Constraint) int { return rank(x) - rank(y) })
	var added [][]string
	for _, c := range keys {
		cols := sqlexpr.Strings(c.GetKeys())
		if len(cols) > 0 && slices.ContainsFunc(added, func(a []string) bool { return slices.Equal(a, cols) }) {
			continue
		}
		added = append(added, cols)
		b.addConstraint(t, c, false)
	}
	for _, l := range likes {
		b.likeIndexes(t, l)
	}
	for _, c := range fks {
		b.addConstraint(t, c, false)
	}
}

// createTableAs applies CREATE TABLE AS / SELECT INTO (a table whose columns
// depend on the query's types, which only the server knows: it gets none) and
// CREATE MATERIALIZED VIEW.
func (b *builder) createTableAs(s *pg_query.CreateTableAsStmt) {
	rv := s.GetInto().GetRel()
	if rv == nil {
		return
	}
	name := b.relName(rv)
	if b.relationExists(name) {
		if !s.GetIfNotExists() {
			b.exists(b.pos(rv.GetLocation()), "relation", name.Schema+"."+name.Name)
		}
		return
	}
	if s.GetObjtype() == pg_query.ObjectType_OBJECT_MATVIEW {
		b.cat.Views = append(b.cat.Views, &catalog.View{
			Name:         name,
			Materialized: true,
			Reads:        b.viewReads(s.GetQuery()),
			Pos:          b.pos(rv.GetLocation()),
		})
		return
	}
	b.cat.Tables = append(b.cat.Tables, &catalog.Table{Name: name, Pos: b.pos(rv.GetLocation())})
}

func pgConstraints(nodes []*pg_query.Node) []*pg_query.Constraint {
	var out []*pg_query.Constraint
	for _, n := range nodes {
		if c := n.GetConstraint(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// relationExists reports whether a table or view is called n; they share a
// namespace.
func (b *builder) relationExists(n catalog.Name) bool {
	return b.cat.Table(n) != nil || b.view(n) != nil
}

// partitions returns the tables attached to t as partitions. A table that is
// also above t is left out, so walking down the tree always ends.
func (b *builder) partitions(t *catalog.Table) []*catalog.Table {
	var out []*catalog.Table
	for _, p := range b.cat.Tables {
		if p.PartitionOf != nil && *p.PartitionOf == t.Name && !b.isAncestor(p, t) {
			out = append(out, p)
		}
	}
	return out
}

// withPartitions calls fn for t and, when recurse is set, for every partition
// below it: PostgreSQL applies column changes to a partitioned table's whole tree
// unless ONLY is given.
func (b *builder) withPartitions(t *catalog.Table, recurse bool, fn func(*catalog.Table)) {
	seen := map[*catalog.Table]bool{}
	var visit func(*catalog.Table)
	visit = func(t *catalog.Table) {
		if seen[t] { // a cycle can only come from nonsense input, but must not hang
			return
		}
		seen[t] = true
		fn(t)
		if recurse {
			for _, p := range b.partitions(t) {
				visit(p)
			}
		}
	}
	visit(t)
}

// partitionBy renders a PARTITION BY clause, e.g. "RANGE (created_at)".
func (b *builder) partitionBy(ps *pg_query.PartitionSpec) string {
	var strategy string
	switch ps.GetStrategy() {
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_LIST:
		strategy = "LIST"
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_RANGE:
		strategy = "RANGE"
	case pg_query.PartitionStrategy_PARTITION_STRATEGY_HASH:
		strategy = "HASH"
	}
	var keys []string
	for _, p := range ps.GetPartParams() {
		e := p.GetPartitionElem()
		switch {
		case e == nil:
		case e.GetName() != "":
			keys = append(keys, catalog.QuoteIdent(e.GetName()))
		default:
			keys = append(keys, "("+b.expr(e.GetExpr())+")")
		}
	}
	return strategy + " (" + strings.Join(keys, ", ") + ")"
}

// newColumn builds a column from its definition, without its constraints.
func (b *builder) newColumn(t *catalog.Table, cd *pg_query.ColumnDef) *catalog.Column {
	col := &catalog.Column{Name: cd.GetColname(), Pos: b.pos(cd.GetLocation())}
	tn := cd.GetTypeName()
	names := sqlexpr.Strings(tn.GetNames())
	if len(names) == 1 && len(tn.GetArrayBounds()) == 0 {
		// serial is not a type: PostgreSQL rewrites it to an integer type with a
		// sequence default, and so must we for the catalog to match the database.
		if typ, ok := serialTypes[names[0]]; ok {
			col.Type = catalog.Type{Name: typ}
			col.NotNull = true
			col.Default = b.serialDefault(t, col.Name)
			return col
		}
	}
	col.Type = b.typeOf(tn)
	return col
}

var serialTypes = map[string]string{
	"smallserial": "smallint", "serial2": "smallint",
	"serial": "integer", "serial4": "integer",
	"bigserial": "bigint", "serial8": "bigint",
}

// serialDefault is the default PostgreSQL gives a serial column: nextval of the
// sequence it creates, named <table>_<column>_seq.
func (b *builder) serialDefault(t *catalog.Table, col string) string {
	seq := catalog.QuoteIdent(makeObjectName(t.Name.Name, col, "seq"))
	if t.Name.Schema != "public" {
		// regclass shows the schema of a relation outside the search path.
		seq = catalog.QuoteIdent(t.Name.Schema) + "." + seq
	}
	lit := "'" + strings.ReplaceAll(seq, "'", "''") + "'"
	if n := sqlexpr.Parse("nextval(" + lit + "::regclass)"); n != nil {
		return b.expr(n)
	}
	return "nextval(" + lit + "::regclass)"
}

// columnConstraints applies the constraints written on a column to it and
// returns its PRIMARY KEY, UNIQUE and REFERENCES constraints rewritten as the
// equivalent table constraints, for the caller to add with the others.
func (b *builder) columnConstraints(col *catalog.Column, cd *pg_query.ColumnDef) []*pg_query.Constraint {
	if cd.GetIsNotNull() {
		col.NotNull = true
	}
	var keys []*pg_query.Constraint
	for _, c := range pgConstraints(cd.GetConstraints()) {
		switch c.GetContype() {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			col.NotNull = false
		case pg_query.ConstrType_CONSTR_DEFAULT:
			col.Default = b.expr(c.GetRawExpr())
		case pg_query.ConstrType_CONSTR_GENERATED:
			col.Generated = b.expr(c.GetRawExpr())
		case pg_query.ConstrType_CONSTR_IDENTITY:
			col.Identity = identityKind(c.GetGeneratedWhen())
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			k := proto.Clone(c).(*pg_query.Constraint)
			k.Keys = []*pg_query.Node{pg_query.MakeStrNode(col.Name)}
			keys = append(keys, k)
		case pg_query.ConstrType_CONSTR_FOREIGN:
			k := proto.Clone(c).(*pg_query.Constraint)
			k.FkAttrs = []*pg_query.Node{pg_query.MakeStrNode(col.Name)}
			keys = append(keys, k)
		}
	}
	return keys
}

// identityKind maps pg_query's generated_when code to the SQL words.
func identityKind(when string) string {
	if when == "d" {
		return "BY DEFAULT"
	}
	return "ALWAYS"
}

// typeOf converts a type name as sqlexpr.Type does, and a table.column%TYPE
// name (function arguments) to the type of that column.
func (b *builder) typeOf(tn *pg_query.TypeName) catalog.Type {
	names := sqlexpr.Strings(tn.GetNames())
	if !tn.GetPctType() || len(names) == 0 {
		return sqlexpr.Type(tn)
	}
	var t catalog.Type
	if len(names) >= 2 {
		if src := b.cat.Table(b.partsName(names[:len(names)-1])); src != nil {
			if c := src.Column(names[len(names)-1]); c != nil {
				t = c.Type
			}
		}
	}
	if len(tn.GetArrayBounds()) > 0 {
		t.Array = true
	}
	return t
}

// likeColumns copies the columns of LIKE source into t, as far as the INCLUDING
// options ask. It reports whether the source exists.
func (b *builder) likeColumns(t *catalog.Table, l *pg_query.TableLikeClause) bool {
	const (
		likeDefaults  = 1 << 3
		likeGenerated = 1 << 4
		likeIdentity  = 1 << 5
	)
	n := b.relName(l.GetRelation())
	src := b.cat.Table(n)
	if src == nil {
		b.missingRelation(l.GetRelation(), n)
		return false
	}
	opts := l.GetOptions()
	for _, c := range src.Columns {
		if t.Column(c.Name) != nil {
			continue
		}
		cc := &catalog.Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull, Pos: b.pos(l.GetRelation().GetLocation())}
		if opts&likeDefaults != 0 {
			cc.Default = c.Default
		}
		if opts&likeGenerated != 0 {
			cc.Generated = c.Generated
		}
		if opts&likeIdentity != 0 {
			cc.Identity = c.Identity
		}
		t.Columns = append(t.Columns, cc)
	}
	return true
}

// likeIndexes copies the indexes of LIKE source INCLUDING INDEXES, named for t.
func (b *builder) likeIndexes(t *catalog.Table, l *pg_query.TableLikeClause) {
	const likeIndexes = 1 << 6
	src := b.cat.Table(b.relName(l.GetRelation()))
	if src == nil || l.GetOptions()&likeIndexes == 0 {
		return
	}
	for _, ix := range slices.Clone(src.Indexes) {
		b.copyIndex(t, src, ix)
	}
}
