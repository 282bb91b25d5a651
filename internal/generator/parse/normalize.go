package parse

import "fmt"

// NormalizeExpr returns sql, an SQL expression, in the normalized form the catalog
// stores expressions in, so a caller can compare what it would generate with what
// the schema holds.
func NormalizeExpr(sql string) (string, error) {
	n := parseExpr(sql)
	if n == nil {
		return "", fmt.Errorf("not a single SQL expression: %s", sql)
	}
	return deparseExpr(n)
}
