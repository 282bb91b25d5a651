-- name: CountAuthors :one
SELECT count(*) AS n, max(name) AS latest FROM authors;
