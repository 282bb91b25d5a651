package sqlexpr

import (
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// This file is the generator's one generic walk over pg_query trees, and with
// it the one use of reflection the generator allows outside tests: pg_query's
// nodes are protobuf messages, so protoreflect reaches every node type without
// a switch that would silently miss the ones the next PostgreSQL version adds.
// Everything else that walks a tree (the parse stage's catalog builder and
// query reader, the readers of policies and function bodies here) does so
// through Walk, Children and Unwrap.

// Walk calls visit for m and, when visit returns true, for every message below
// it, depth first, fields in declaration order (not source order: a SELECT's
// WITH comes after its FROM; sort by location where order matters).
func Walk(m proto.Message, visit func(proto.Message) bool) {
	if m == nil || !m.ProtoReflect().IsValid() || !visit(m) {
		return
	}
	Children(m, func(_ string, c proto.Message) { Walk(c, visit) })
}

// Children calls visit for every message directly below m, with the name of
// the protobuf field that holds it (where_clause, from_clause …), fields in
// declaration order. A Node is a message like any other: its child is the
// concrete node it wraps.
func Children(m proto.Message, visit func(field string, child proto.Message)) {
	if m == nil {
		return
	}
	r := m.ProtoReflect()
	if !r.IsValid() {
		return
	}
	for _, p := range shapeOf(r.Descriptor()) {
		fd := p.field
		if p.oneof != nil {
			// A Node is a oneof of some 270 message fields: asking which is
			// set, not whether each is, is what keeps a walk of 2 000 queries
			// from taking seconds (issue 15).
			if fd = r.WhichOneof(p.oneof); fd == nil || fd.Message() == nil || fd.IsMap() {
				continue
			}
		}
		name := string(fd.Name())
		if fd.IsList() {
			list := r.Get(fd).List()
			for j := 0; j < list.Len(); j++ {
				visit(name, list.Get(j).Message().Interface())
			}
		} else if r.Has(fd) {
			visit(name, r.Get(fd).Message().Interface())
		}
	}
}

// part is one place of a message that may hold child messages: a message
// field outside any oneof, or a oneof (at its first field's place).
type part struct {
	field protoreflect.FieldDescriptor
	oneof protoreflect.OneofDescriptor
}

// shapes caches shapeOf per message type.
var shapes sync.Map // protoreflect.FullName → []part

// shapeOf lists the parts of messages of type md, in declaration order.
func shapeOf(md protoreflect.MessageDescriptor) []part {
	if v, ok := shapes.Load(md.FullName()); ok {
		return v.([]part)
	}
	var parts []part
	seen := map[protoreflect.FullName]bool{}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if !seen[od.FullName()] {
				seen[od.FullName()] = true
				parts = append(parts, part{oneof: od})
			}
			continue
		}
		if fd.Message() == nil || fd.IsMap() {
			continue
		}
		parts = append(parts, part{field: fd})
	}
	shapes.Store(md.FullName(), parts)
	return parts
}

// Unwrap returns the concrete node a Node holds (a SelectStmt, a ColumnRef …),
// nil for a nil or empty Node; any other message is returned as it is.
func Unwrap(m proto.Message) proto.Message {
	n, ok := m.(*pg_query.Node)
	if !ok {
		return m
	}
	if n == nil {
		return nil
	}
	r := n.ProtoReflect()
	oneofs := r.Descriptor().Oneofs()
	if oneofs.Len() == 0 {
		return nil
	}
	fd := r.WhichOneof(oneofs.Get(0))
	if fd == nil || fd.Message() == nil {
		return nil
	}
	return r.Get(fd).Message().Interface()
}

// NodeName is the protobuf name of m's node type, e.g. "CreateStmt", for
// telling kinds of statements apart by name ("Create…", "Alter…").
func NodeName(m proto.Message) string {
	return string(m.ProtoReflect().Descriptor().Name())
}

// Strings returns the values of the String nodes of a name list (a function
// name, a type name, a column reference's fields), skipping anything else
// (A_Star …).
func Strings(nodes []*pg_query.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if s, ok := n.GetNode().(*pg_query.Node_String_); ok {
			out = append(out, s.String_.GetSval())
		}
	}
	return out
}
