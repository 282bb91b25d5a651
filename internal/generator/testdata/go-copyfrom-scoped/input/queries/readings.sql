-- name: CopyReadings :copyfrom
INSERT INTO readings (tenant_id, sensor, at, value) VALUES ($1, $2, $3, $4);

-- name: CopyReadingsDefaulted :copyfrom
INSERT INTO readings (sensor, at, value) VALUES ($1, $2, $3);
