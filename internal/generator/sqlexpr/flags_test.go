package sqlexpr

import "flag"

// Every test package under generator/ accepts -update, so that
// "go test ./generator/... -update" can rewrite the golden files.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
