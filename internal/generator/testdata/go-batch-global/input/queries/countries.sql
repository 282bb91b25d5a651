-- name: UpsertCountries :batchexec
INSERT INTO countries (code, name) VALUES ($1, $2)
ON CONFLICT (code) DO UPDATE SET name = excluded.name;

-- name: GetCountries :batchone
SELECT * FROM countries WHERE code = $1;

-- name: CopyCountries :copyfrom
INSERT INTO countries (code, name) VALUES ($1, $2);
