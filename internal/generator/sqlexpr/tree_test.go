package sqlexpr

import (
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// TestWalk: Walk reaches every column reference, through Nodes, lists and
// sub-selects, and does not go below a message its visit turns down.
func TestWalk(t *testing.T) {
	n := Parse("a = 1 AND b IN (SELECT c FROM t WHERE d) AND f(e)")
	require.NotNil(t, n)
	var all, outer []string
	Walk(n, func(m proto.Message) bool {
		if c, ok := m.(*pg_query.ColumnRef); ok {
			all = append(all, Strings(c.GetFields())...)
		}
		return true
	})
	Walk(n, func(m proto.Message) bool {
		switch x := m.(type) {
		case *pg_query.SubLink:
			return false
		case *pg_query.ColumnRef:
			outer = append(outer, Strings(x.GetFields())...)
		}
		return true
	})
	assert.ElementsMatch(t, []string{"a", "b", "c", "d", "e"}, all)
	assert.ElementsMatch(t, []string{"a", "e"}, outer) // b is the SubLink's test expression

	assert.NotPanics(t, func() {
		Walk(nil, func(proto.Message) bool { return true })
		Walk((*pg_query.Node)(nil), func(proto.Message) bool { t.Error("visited a nil node"); return true })
	})
}

// TestChildren: the direct children of a message, with the fields that hold
// them; a Node's one child is the node it wraps.
func TestChildren(t *testing.T) {
	n := Parse("x = y")
	var fields []string
	Children(Unwrap(n), func(field string, c proto.Message) {
		fields = append(fields, field)
		assert.IsType(t, &pg_query.Node{}, c)
	})
	assert.Equal(t, []string{"name", "lexpr", "rexpr"}, fields)

	var wrapped []proto.Message
	Children(n, func(_ string, c proto.Message) { wrapped = append(wrapped, c) })
	require.Len(t, wrapped, 1)
	assert.Same(t, Unwrap(n), wrapped[0])
}

// TestUnwrap: a Node gives the node it holds; other messages, nil and an
// empty Node are handled without a panic.
func TestUnwrap(t *testing.T) {
	n := Parse("x")
	assert.IsType(t, &pg_query.ColumnRef{}, Unwrap(n))
	ref := n.GetColumnRef()
	assert.Same(t, ref, Unwrap(ref))
	assert.Nil(t, Unwrap((*pg_query.Node)(nil)))
	assert.Nil(t, Unwrap(&pg_query.Node{}))
	assert.Equal(t, "ColumnRef", NodeName(ref))
}
