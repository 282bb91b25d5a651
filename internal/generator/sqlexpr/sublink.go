package sqlexpr

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
)

// HasSubLink reports whether expr, an SQL expression (a policy's USING or WITH
// CHECK), holds a sub-select of any kind: a scalar (SELECT …), EXISTS,
// IN (SELECT …), ANY/ALL (SELECT …), ARRAY(SELECT …). PostgreSQL parses each
// into a SubLink node, and a SubLink is what Citus refuses in a policy on a
// distributed table; reading the parse tree, not the text, keeps a string
// literal or an identifier that says SELECT from counting. An empty expr has
// none; the error says expr is not one SQL expression.
func HasSubLink(expr string) (bool, error) {
	if strings.TrimSpace(expr) == "" {
		return false, nil
	}
	n := Parse(expr)
	if n == nil {
		return false, fmt.Errorf("not a single SQL expression: %s", expr)
	}
	found := false
	Walk(n, func(m proto.Message) bool {
		if _, ok := m.(*pg_query.SubLink); ok {
			found = true
		}
		return !found
	})
	return found, nil
}
