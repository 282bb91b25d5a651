// Package citus is the example application on Citus: schema/, queries/ and
// tenantc.yaml with distribute: citus, and what tenantc generates from them in
// gen/. Its tests run it on plain PostgreSQL (always) and on a real Citus
// cluster (with CITUS_URL); see README, Scaling out.
package citus

//go:generate go run ../../cmd/tenantc generate
