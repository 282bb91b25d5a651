// Package tenantc is the tenant compiler for Go and PostgreSQL. The command is in
// cmd/tenantc, the generator's stages in internal/generator/, and this repository's own
// example application in schema/, queries/ and gen/ (see README.md).
package tenantc

//go:generate go run ./cmd/tenantc generate
