// Package app is one newcomer project: its migrations, queries and what
// tenantc generates from them.
package app

//go:generate go tool tenantc generate
