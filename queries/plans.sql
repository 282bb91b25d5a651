-- name: ListPlans :many
SELECT id, name, monthly_price_cents, max_projects FROM plans ORDER BY monthly_price_cents;
