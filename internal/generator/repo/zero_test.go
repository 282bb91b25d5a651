package repo

import (
	"fmt"
	"go/parser"
	"testing"

	"github.com/dave/jennifer/jen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/output"
)

// TestZeroValue: the zero results of a scoped method are literals for every
// type sqlc returns, and nil (a zero variable) for a type only its package
// knows.
func TestZeroValue(t *testing.T) {
	code, err := readSQLC([]output.File{{Path: "models.go", Content: []byte(`package db

import (
	"time"

	"example.com/money"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/tenantc/tenantc/tenant"
)

type TaskStatus string

type NullTaskStatus struct {
	TaskStatus TaskStatus
	Valid      bool
}

type Project struct{ ID pgtype.UUID }

type Projects []Project

type Money money.Amount
`)}})
	require.NoError(t, err)
	gf := code.all[0]
	for typ, want := range map[string]string{
		"int64":             "0",
		"string":            `""`,
		"bool":              "false",
		"[]byte":            "nil",
		"*Project":          "nil",
		"[]Project":         "nil",
		"map[string]any":    "nil",
		"interface{}":       "nil",
		"Project":           "Project{}",
		"Projects":          "nil",
		"TaskStatus":        `""`,
		"NullTaskStatus":    "NullTaskStatus{}",
		"[16]byte":          "[16]byte{}",
		"pgtype.UUID":       "pgtype.UUID{}",
		"pgtype.Hstore":     "nil",
		"pgconn.CommandTag": "pgconn.CommandTag{}",
		"time.Time":         "time.Time{}",
		"uuid.UUID":         "uuid.UUID{}",
		"tenant.ID":         `""`,
		"money.Amount":      "<unknown>",
		"Money":             "<unknown>",
	} {
		e, err := parser.ParseExpr(typ)
		require.NoError(t, err)
		got := "<unknown>"
		if z := code.zeroValue(gf, e); z != nil {
			got = fmt.Sprintf("%#v", jen.Add(z))
		}
		assert.Equal(t, want, got, typ)
	}
}
