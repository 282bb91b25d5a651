package migration

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

func TestTableFileName(t *testing.T) {
	require.Equal(t, "projects", TableFileName(catalog.Name{Schema: "public", Name: "projects"}))
	require.Equal(t, "sales_order_items", TableFileName(catalog.Name{Schema: "Sales", Name: "Order Items"}))
	require.Equal(t, "billing_x", TableFileName(catalog.Name{Schema: "billing", Name: "\"x\""}))
}
