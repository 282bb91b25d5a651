-- name: CountTenants :one
SELECT count(*) FROM tenants;
