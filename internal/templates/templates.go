// Package templates holds the SQL templates tenantc renders, embedded in the
// binary so users install one tool and nothing else.
package templates

import "embed"

// FS holds every template file of this directory.
//
//go:embed *.tmpl
var FS embed.FS
