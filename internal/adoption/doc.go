// Package adoption holds the end-to-end test of moving a running
// single-tenant application to tenantc (adoption_test.go): a populated blog
// whose migrations golang-migrate applies, made multi-tenant by the
// migrations tenantc generates, applied by golang-migrate too, then attacked
// as a hostile second tenant would. It has no code of its own.
package adoption
