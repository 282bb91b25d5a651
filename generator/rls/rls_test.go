package rls

import (
	"flag"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/generator/catalog"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func TestNextVersion(t *testing.T) {
	for _, c := range []struct {
		existing []string
		next     uint64
		width    int
	}{
		{nil, 1, 6},
		{[]string{"README.md", "000007_x.up.sql", "000003_y.up.sql"}, 8, 6},
		{[]string{"20240101120000_init.up.sql", "20240101120000_init.down.sql"}, 20240101120001, 14},
		{[]string{"1_init.sql", "9_more.sql"}, 10, 1},
	} {
		next, width := nextVersion(c.existing)
		require.Equal(t, c.next, next, "%v", c.existing)
		require.Equal(t, c.width, width, "%v", c.existing)
	}
}

func TestFileName(t *testing.T) {
	require.Equal(t, "projects", fileName(catalog.Name{Schema: "public", Name: "projects"}))
	require.Equal(t, "sales_order_items", fileName(catalog.Name{Schema: "Sales", Name: "Order Items"}))
	require.Equal(t, "billing_x", fileName(catalog.Name{Schema: "billing", Name: "\"x\""}))
}
