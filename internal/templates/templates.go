// Package templates holds the templates tenantc renders — the SQL of its
// migrations and the Go of the store package (store.go.tmpl) — embedded in the
// binary so users install one tool and nothing else.
package templates

import "embed"

// FS holds every template file of this directory.
//
//go:embed *.tmpl
var FS embed.FS
