package benchkit

// Baseline (a): what a team writes with plain sqlc and no row level security.
// The code below is written the way sqlc v1.31 (sql_package pgx/v5) generates
// it from
//
//	-- name: GetPlainProject :one
//	SELECT * FROM bench_plain_projects WHERE tenant_id = $1 AND id = $2;
//	-- name: ListPlainProjects :many
//	SELECT * FROM bench_plain_projects WHERE tenant_id = $1 ORDER BY id LIMIT $2;
//	-- name: CountPlainProjects :one
//	SELECT count(*) FROM bench_plain_projects WHERE tenant_id = $1;
//
// run on the bare pool. The model mirrors the generated db.Project, with the
// same Go type for every column (tenant_id as tenant.ID, as tenantc's sqlc
// configuration has it), so both sides encode and decode the same values.

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantc/tenantc/tenant"
)

// PlainDBTX is sqlc's DBTX: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx.
type PlainDBTX interface {
	Exec(context.Context, string, ...interface{}) (pgconn.CommandTag, error)
	Query(context.Context, string, ...interface{}) (pgx.Rows, error)
	QueryRow(context.Context, string, ...interface{}) pgx.Row
}

// NewPlain is sqlc's New.
func NewPlain(db PlainDBTX) *PlainQueries {
	return &PlainQueries{db: db}
}

// PlainQueries is sqlc's Queries for bench_plain_projects.
type PlainQueries struct {
	db PlainDBTX
}

// BenchPlainProject is the row of bench_plain_projects.
type BenchPlainProject struct {
	TenantID    tenant.ID
	ID          pgtype.UUID
	Name        string
	Description string
	ArchivedAt  pgtype.Timestamptz
	CreatedAt   pgtype.Timestamptz
}

const getPlainProject = `-- name: GetPlainProject :one
SELECT tenant_id, id, name, description, archived_at, created_at FROM bench_plain_projects
WHERE tenant_id = $1
  AND id = $2
`

type GetPlainProjectParams struct {
	TenantID tenant.ID
	ID       pgtype.UUID
}

func (q *PlainQueries) GetPlainProject(ctx context.Context, arg GetPlainProjectParams) (BenchPlainProject, error) {
	row := q.db.QueryRow(ctx, getPlainProject, arg.TenantID, arg.ID)
	var i BenchPlainProject
	err := row.Scan(
		&i.TenantID,
		&i.ID,
		&i.Name,
		&i.Description,
		&i.ArchivedAt,
		&i.CreatedAt,
	)
	return i, err
}

const listPlainProjects = `-- name: ListPlainProjects :many
SELECT tenant_id, id, name, description, archived_at, created_at FROM bench_plain_projects
WHERE tenant_id = $1
ORDER BY id
LIMIT $2
`

type ListPlainProjectsParams struct {
	TenantID tenant.ID
	PageSize int32
}

func (q *PlainQueries) ListPlainProjects(ctx context.Context, arg ListPlainProjectsParams) ([]BenchPlainProject, error) {
	rows, err := q.db.Query(ctx, listPlainProjects, arg.TenantID, arg.PageSize)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []BenchPlainProject
	for rows.Next() {
		var i BenchPlainProject
		if err := rows.Scan(
			&i.TenantID,
			&i.ID,
			&i.Name,
			&i.Description,
			&i.ArchivedAt,
			&i.CreatedAt,
		); err != nil {
			return nil, err
		}
		items = append(items, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

const countPlainProjects = `-- name: CountPlainProjects :one
SELECT count(*) FROM bench_plain_projects
WHERE tenant_id = $1
`

func (q *PlainQueries) CountPlainProjects(ctx context.Context, tenantID tenant.ID) (int64, error) {
	row := q.db.QueryRow(ctx, countPlainProjects, tenantID)
	var count int64
	err := row.Scan(&count)
	return count, err
}
