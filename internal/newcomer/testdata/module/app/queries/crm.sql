-- The newcomer's own queries. The tenant column is filled in by the default
-- tenantc's migration gives it, so no query names it.

-- name: AddContact :one
INSERT INTO contacts (email, name) VALUES ($1, $2) RETURNING id;

-- name: AddDeal :one
INSERT INTO deals (contact_id, title, amount_cents) VALUES ($1, $2, $3) RETURNING id;

-- name: AddNote :one
INSERT INTO notes (deal_id, body) VALUES ($1, $2) RETURNING id;

-- name: DealsOfContact :many
SELECT id, title, amount_cents FROM deals WHERE contact_id = $1 ORDER BY title;

-- name: ContactByEmail :one
SELECT id, name FROM contacts WHERE email = $1;

-- name: ListPlans :many
SELECT id, name, price_cents FROM plans ORDER BY price_cents;
