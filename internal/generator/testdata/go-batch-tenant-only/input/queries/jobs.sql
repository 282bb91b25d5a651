-- name: ClearJobs :batchexec
DELETE FROM jobs WHERE tenant_id = $1;
