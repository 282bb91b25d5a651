package rls

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

func TestFileName(t *testing.T) {
	require.Equal(t, "projects", fileName(catalog.Name{Schema: "public", Name: "projects"}))
	require.Equal(t, "sales_order_items", fileName(catalog.Name{Schema: "Sales", Name: "Order Items"}))
	require.Equal(t, "billing_x", fileName(catalog.Name{Schema: "billing", Name: "\"x\""}))
}
