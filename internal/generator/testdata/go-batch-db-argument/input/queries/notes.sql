-- name: CreateNotes :batchone
INSERT INTO notes (tenant_id, id, title, year) VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(title), sqlc.arg(year))
RETURNING *;

-- name: DeleteNotes :batchexec
DELETE FROM notes WHERE tenant_id = $1 AND id = $2;

-- name: RetitleNotes :batchexec
UPDATE notes SET title = $1 WHERE tenant_id = $2 AND id = $3;

-- name: NotesOfYear :batchmany
SELECT * FROM notes WHERE year = $1 ORDER BY id;

-- name: NotesOfYearForTenant :batchmany
SELECT id, title FROM notes WHERE tenant_id = $1 AND year = $2 ORDER BY id;
