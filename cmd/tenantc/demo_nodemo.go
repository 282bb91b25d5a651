//go:build tenantc_nodemo

package main

import "io"

// runDemo stands in for tenantc demo in a build with the tenantc_nodemo tag,
// which leaves out the generated example the demo links (gen/db, gen/store)
// so that tenantc can regenerate a gen/ that does not compile.
func runDemo([]string, io.Writer, io.Writer) error {
	return &exitError{code: 2, msg: "tenantc demo: this tenantc was built without the demo (-tags tenantc_nodemo); build it without that tag"}
}
