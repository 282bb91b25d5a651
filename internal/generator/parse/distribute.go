package parse

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// Citus' distribution functions, as a top-level SELECT calls them. Citus
// installs them in pg_catalog; citus. and public. are accepted too, for a
// schema that qualifies them so or a test database that stubs them.
const (
	fnCreateDistributed = "create_distributed_table"
	fnCreateReference   = "create_reference_table"
	fnUndistribute      = "undistribute_table"
)

// distributionSchemas are the schemas a qualified call may name.
var distributionSchemas = []string{"pg_catalog", "citus", "public"}

// selectStmt applies the Citus distribution calls of a top-level
// `SELECT create_distributed_table(…), …;`, so that a later run knows which
// tables are distributed already. A SELECT with a FROM or WHERE clause calls
// them (if at all) once per row it finds, which the schema alone cannot tell:
// it is left alone, like every other query.
func (b *builder) selectStmt(s *pg_query.SelectStmt) {
	if len(s.GetFromClause()) > 0 || s.GetWhereClause() != nil || s.GetOp() != pg_query.SetOperation_SETOP_NONE {
		return
	}
	for _, target := range s.GetTargetList() {
		fc := target.GetResTarget().GetVal().GetFuncCall()
		if fc == nil {
			continue
		}
		name := sqlexpr.Strings(fc.GetFuncname())
		if len(name) == 0 || len(name) > 2 || (len(name) == 2 && !containsFold(distributionSchemas, name[0])) {
			continue
		}
		switch name[len(name)-1] {
		case fnCreateDistributed, fnCreateReference, fnUndistribute:
			b.distributionCall(name[len(name)-1], fc)
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// distributionArgs are a call's arguments by parameter name; positional ones
// are named by Citus' own parameter order.
type distributionArgs map[string]*pg_query.Node

// distributionParams are Citus 13's parameter names, in order.
var distributionParams = map[string][]string{
	fnCreateDistributed: {"table_name", "distribution_column", "distribution_type", "colocate_with", "shard_count"},
	fnCreateReference:   {"table_name"},
	fnUndistribute:      {"table_name", "cascade_via_foreign_keys"},
}

func (b *builder) distributionCall(fn string, fc *pg_query.FuncCall) {
	pos := b.pos(fc.GetLocation())
	params := distributionParams[fn]
	args := distributionArgs{}
	for i, a := range fc.GetArgs() {
		if na := a.GetNamedArgExpr(); na != nil {
			args[na.GetName()] = na.GetArg()
			continue
		}
		if i < len(params) {
			args[params[i]] = a
		}
	}
	t := b.distributionTable(fn, args["table_name"], pos)
	if t == nil {
		return
	}
	switch fn {
	case fnCreateReference:
		b.distribute(t, &catalog.Distribution{Method: catalog.Reference, Pos: pos})
	case fnCreateDistributed:
		d := &catalog.Distribution{Method: catalog.Distributed, ColocateWith: catalog.ColocateDefault, Pos: pos}
		if col := args["distribution_column"]; col != nil && col.GetAConst().GetIsnull() {
			// NULL: a single-shard table (Citus 12+), distributed by no column.
		} else if d.Column = sqlexpr.LiteralString(col); d.Column == "" {
			b.diags.Errorf(pos, "%s: tenantc cannot tell which column distributes %s: write the distribution column as a string literal, e.g. '%s'", fn, t.Name, "tenant_id")
			return
		} else if t.Column(d.Column) == nil {
			b.diags.Errorf(pos, "%s: column %q of relation %q does not exist", fn, d.Column, t.Name.Name)
			return
		}
		if c := args["colocate_with"]; c != nil {
			with := sqlexpr.LiteralString(c)
			switch {
			case strings.EqualFold(with, catalog.ColocateDefault), strings.EqualFold(with, catalog.ColocateNone):
				d.ColocateWith = strings.ToLower(with)
			case with == "":
				b.diags.Errorf(pos, "%s: tenantc cannot tell which table %s is colocated with: write colocate_with as a string literal", fn, t.Name)
				return
			default:
				n, err := catalog.ParseName(with)
				if err != nil {
					b.diags.Errorf(pos, "%s: colocate_with: %v", fn, err)
					return
				}
				if b.cat.Table(n) == nil {
					b.diags.Errorf(pos, "%s: colocate_with: relation %q does not exist", fn, with)
					return
				}
				d.ColocateWith, d.ColocateTable = n.String(), &n
			}
		}
		b.distribute(t, d)
	case fnUndistribute:
		cascade := false
		if c := args["cascade_via_foreign_keys"]; c != nil {
			cascade = boolConst(c)
		}
		b.undistribute(t, cascade)
	}
}

// distributionTable resolves a call's table_name argument, a regclass
// literal ('t', 'app.t', '"Mixed"').
func (b *builder) distributionTable(fn string, arg *pg_query.Node, pos source.Pos) *catalog.Table {
	text := sqlexpr.LiteralString(arg)
	if text == "" {
		b.diags.Errorf(pos, "%s: tenantc cannot tell which table this call distributes: write the table name as a string literal, e.g. %s('public.projects' …)", fn, fn)
		return nil
	}
	n, err := catalog.ParseName(text)
	if err != nil {
		b.diags.Errorf(pos, "%s: %v", fn, err)
		return nil
	}
	t := b.cat.Table(n)
	if t == nil {
		b.diags.Errorf(pos, "relation %q does not exist", text)
	}
	return t
}

// distribute records d on t and, as Citus does for a partitioned table, on
// its partitions.
func (b *builder) distribute(t *catalog.Table, d *catalog.Distribution) {
	t.Distribution = d
	for _, p := range b.partitions(t) {
		c := *d
		b.distribute(p, &c)
	}
}

// undistribute makes t local again; with cascade, every table its foreign
// keys connect it to (both ways, transitively) too, as Citus'
// cascade_via_foreign_keys does.
func (b *builder) undistribute(t *catalog.Table, cascade bool) {
	todo := []*catalog.Table{t}
	seen := map[*catalog.Table]bool{t: true}
	for len(todo) > 0 {
		cur := todo[0]
		todo = todo[1:]
		cur.Distribution = nil
		for _, p := range b.partitions(cur) {
			p.Distribution = nil
		}
		if !cascade {
			continue
		}
		for _, other := range b.cat.Tables {
			if seen[other] || other.Distribution == nil {
				continue
			}
			if fkBetween(cur, other) || fkBetween(other, cur) {
				seen[other] = true
				todo = append(todo, other)
			}
		}
	}
}

// fkBetween reports whether from has a foreign key to to.
func fkBetween(from, to *catalog.Table) bool {
	for _, fk := range from.ForeignKeys {
		if fk.RefTable == to.Name {
			return true
		}
	}
	return false
}

// boolConst reads a boolean constant: true, 'true', 'on' …
func boolConst(n *pg_query.Node) bool {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	c := n.GetAConst()
	if c == nil {
		return false
	}
	if bv := c.GetBoolval(); bv != nil {
		return bv.GetBoolval()
	}
	switch strings.ToLower(c.GetSval().GetSval()) {
	case "t", "true", "on", "yes", "1":
		return true
	}
	return false
}
