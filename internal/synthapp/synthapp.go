// Package synthapp writes a deterministic synthetic tenantc project of n
// tables, the input of the generation benchmark (internal/benchkit, issue 15):
// one tenant root, tenants; about 60 % scoped tables, each with tenant_id, a
// composite primary key (tenant_id, id) and, after the first, a composite
// foreign key (tenant_id, parent_id) to an earlier scoped table with an index
// on it; and about 40 % global tables, declared under global: in
// tenantc.yaml. Each table has its own schema and query file; there are
// about 3.8 user queries per table (n = 500: 1 root, 299 scoped, 200 global,
// 1 895 queries).
//
// The project's sqlc.yaml is what tenantc asks for (its migrations, its
// standard queries and the tenant.ID overrides as one "public.*.tenant_id"
// glob), so generate warns about nothing. [WriteUser] writes the same user
// input with a plain sqlc.yaml: what `sqlc generate` alone would be given.
package synthapp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Shape is how many tables of each kind a project of n tables has, and how
// many user queries it holds.
type Shape struct {
	Tables, Scoped, Global, Queries int
}

// ShapeOf returns the shape of the project of n tables (n ≥ 3).
func ShapeOf(n int) Shape {
	scoped := (n*6+5)/10 - 1 // 60 % of n, the root being one of them
	if scoped < 1 {
		scoped = 1
	}
	global := n - 1 - scoped
	// The root has one query, a scoped table five (four for the first,
	// which has no parent to join), a global one two.
	return Shape{Tables: n, Scoped: scoped, Global: global, Queries: 1 + 5*scoped - 1 + 2*global}
}

// tenantID is the go_type sqlc is given for the tenant columns.
const tenantID = "github.com/tenantc/tenantc/tenant.ID"

// Write writes the tenantc project of n tables into dir (created if need
// be): schema/, queries/, sqlc.yaml and tenantc.yaml.
func Write(dir string, n int) (Shape, error) {
	return write(dir, n, true)
}

// WriteUser writes the same user input as Write, schema/ and queries/, with
// a sqlc.yaml that names only them and has no overrides: plain sqlc's input.
func WriteUser(dir string, n int) (Shape, error) {
	return write(dir, n, false)
}

func write(dir string, n int, tenantc bool) (Shape, error) {
	if n < 3 {
		return Shape{}, fmt.Errorf("synthapp: %d tables: need at least 3 (root, scoped, global)", n)
	}
	s := ShapeOf(n)
	files := map[string]string{}
	files["schema/0000_tenants.sql"] = "CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);\n"
	files["queries/tenants.sql"] = "-- name: TenantName :one\nSELECT name FROM tenants WHERE id = $1;\n"
	var globals []string
	pos := 1
	for i := range s.Scoped {
		name := scopedName(i)
		var b, q strings.Builder
		fmt.Fprintf(&b, "CREATE TABLE %s (\n", name)
		b.WriteString("    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,\n")
		b.WriteString("    id         uuid NOT NULL DEFAULT gen_random_uuid(),\n")
		if i > 0 {
			b.WriteString("    parent_id  uuid NOT NULL,\n")
		}
		b.WriteString("    name       text NOT NULL,\n")
		b.WriteString("    amount     bigint NOT NULL DEFAULT 0,\n")
		b.WriteString("    note       text,\n")
		b.WriteString("    created_at timestamptz NOT NULL DEFAULT now(),\n")
		b.WriteString("    PRIMARY KEY (tenant_id, id)")
		if i > 0 {
			fmt.Fprintf(&b, ",\n    FOREIGN KEY (tenant_id, parent_id) REFERENCES %s (tenant_id, id) ON DELETE CASCADE", scopedName(parentOf(i)))
		}
		b.WriteString("\n);\n")
		if i > 0 {
			fmt.Fprintf(&b, "CREATE INDEX %s_parent_idx ON %s (tenant_id, parent_id);\n", name, name)
		}
		files[fmt.Sprintf("schema/%04d_%s.sql", pos, name)] = b.String()
		pos++

		typ := goName(name)
		cols := "id, name, amount, note, created_at"
		if i > 0 {
			cols = "id, parent_id, name, amount, note, created_at"
		}
		fmt.Fprintf(&q, "-- name: Find%s :one\nSELECT %s FROM %s WHERE id = $1;\n\n", typ, cols, name)
		fmt.Fprintf(&q, "-- name: Page%s :many\nSELECT %s FROM %s\nWHERE id > sqlc.arg(after_id)\nORDER BY id\nLIMIT sqlc.arg(page_size);\n\n", typ, cols, name)
		fmt.Fprintf(&q, "-- name: Rename%s :exec\nUPDATE %s SET name = sqlc.arg(name), amount = amount + 1 WHERE id = sqlc.arg(id);\n\n", typ, name)
		fmt.Fprintf(&q, "-- name: Remove%s :execrows\nDELETE FROM %s WHERE id = $1;\n", typ, name)
		if i > 0 {
			fmt.Fprintf(&q, "\n-- name: %sWithParent :many\nSELECT c.id, c.name, c.amount, p.name AS parent_name\nFROM %s c\nJOIN %s p ON p.tenant_id = c.tenant_id AND p.id = c.parent_id\nWHERE c.parent_id = $1\nORDER BY c.id;\n",
				typ, name, scopedName(parentOf(i)))
		}
		files["queries/"+name+".sql"] = q.String()
	}
	for i := range s.Global {
		name := globalName(i)
		globals = append(globals, name)
		files[fmt.Sprintf("schema/%04d_%s.sql", pos, name)] = fmt.Sprintf(
			"CREATE TABLE %s (\n    id    bigint PRIMARY KEY,\n    code  text NOT NULL UNIQUE,\n    label text NOT NULL,\n    rank  integer NOT NULL DEFAULT 0\n);\n", name)
		pos++
		typ := goName(name)
		files["queries/"+name+".sql"] = fmt.Sprintf(
			"-- name: Find%s :one\nSELECT id, code, label, rank FROM %s WHERE id = $1;\n\n-- name: All%s :many\nSELECT id, code, label, rank FROM %s ORDER BY rank, code;\n",
			typ, name, typ, name)
	}

	if tenantc {
		files["sqlc.yaml"] = `version: "2"
sql:
  - engine: postgresql
    schema: [schema, gen/migrations]
    queries: [queries, gen/queries]
    gen:
      go:
        package: db
        out: gen/db
        sql_package: pgx/v5
        overrides:
          - column: public.tenants.id
            go_type: ` + tenantID + `
          - column: "public.*.tenant_id"
            go_type: ` + tenantID + `
`
		var y strings.Builder
		y.WriteString("version: 1\nglobal:\n")
		for _, g := range globals {
			fmt.Fprintf(&y, "  - %s\n", g)
		}
		files["tenantc.yaml"] = y.String()
	} else {
		files["sqlc.yaml"] = `version: "2"
sql:
  - engine: postgresql
    schema: [schema]
    queries: [queries]
    gen:
      go:
        package: db
        out: gen/db
        sql_package: pgx/v5
`
	}
	for path, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Shape{}, err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return Shape{}, err
		}
	}
	return s, nil
}

// parentOf is the scoped table that scoped table i (> 0) references: a
// binary tree, so chains are a few levels deep.
func parentOf(i int) int { return (i - 1) / 2 }

func scopedName(i int) string { return fmt.Sprintf("s%04d_items", i) }
func globalName(i int) string { return fmt.Sprintf("g%04d_codes", i) }

// goName is the part of the query names that names the table: s0001_items →
// S0001Items.
func goName(table string) string {
	var b strings.Builder
	for _, part := range strings.Split(table, "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
