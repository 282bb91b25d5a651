// Package version says which tenantc and which sqlc a binary holds, read from
// the build information the Go toolchain records in every binary. `tenantc
// version` prints it and the headers of generated Go files name it, so both
// always agree.
package version

import (
	"runtime/debug"
)

// Module paths looked up in the build information.
const (
	tenantcModule = "github.com/tenantc/tenantc"
	sqlcModule    = "github.com/sqlc-dev/sqlc"
)

// Devel is tenantc's version when it is built from a checkout of tenantc
// itself rather than from a released (or pinned) module.
const Devel = "devel"

// Unknown is a module's version when the binary does not record it.
const Unknown = "unknown"

// Tenantc is the version of the tenantc module this binary was built from,
// as generated files name it.
//
// It must be the same for every binary that generates from one checkout,
// because goldens and a project's committed gen/ are compared byte for byte
// (`generate --check`, the golden tests). A tenantc taken from the module
// cache — installed with go install …@v1.2.3, or a tool or dependency pinned
// in go.mod — has a fixed version, release or pseudo-version, and that is what
// is returned. Built from tenantc's own checkout it has none that is stable:
// go run and go test record "(devel)", while go build stamps a version from
// version control (a tag, or a pseudo-version with the commit and "+dirty")
// that changes with every commit and edit. That case is always Devel, so the
// repository's gen/ and goldens do not depend on how, or at which commit, the
// generator was built.
func Tenantc() string {
	info, _ := debug.ReadBuildInfo()
	return tenantcOf(info)
}

// tenantcOf is [Tenantc] for the build information info (nil when the binary
// has none).
func tenantcOf(info *debug.BuildInfo) string {
	if info == nil {
		return Devel
	}
	if info.Main.Path == tenantcModule {
		if fromCheckout(info) {
			return Devel
		}
		return versionOf(info.Main, Devel)
	}
	if dep := depOf(info, tenantcModule); dep != nil {
		return versionOf(*dep, Devel)
	}
	return Devel
}

// SQLC is the version of the sqlc module linked into this binary, as go.mod
// requires it (or replaces it); Unknown in a binary that does not link sqlc.
func SQLC() string {
	info, _ := debug.ReadBuildInfo()
	return sqlcOf(info)
}

// sqlcOf is [SQLC] for the build information info (nil when the binary has
// none).
func sqlcOf(info *debug.BuildInfo) string {
	if info == nil {
		return Unknown
	}
	if dep := depOf(info, sqlcModule); dep != nil {
		return versionOf(*dep, Unknown)
	}
	return Unknown
}

// Revision is the commit a binary built from a checkout was built at, with
// " (modified)" when the work tree had changes; empty when the build did not
// record one (go run, go test, -buildvcs=false, a module from the cache).
// Only `tenantc version` prints it: generated files must not depend on it.
func Revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return revisionOf(info)
}

// revisionOf is [Revision] for the build information info.
func revisionOf(info *debug.BuildInfo) string {
	var rev string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" && modified {
		rev += " (modified)"
	}
	return rev
}

// fromCheckout reports whether the main module was built from a work tree:
// the toolchain records version control settings only then, and records the
// version "(devel)" (or none) when it does not stamp one.
func fromCheckout(info *debug.BuildInfo) bool {
	for _, s := range info.Settings {
		if s.Key == "vcs" {
			return true
		}
	}
	return info.Main.Version == "" || info.Main.Version == "(devel)"
}

// depOf finds module path among the binary's dependencies.
func depOf(info *debug.BuildInfo, path string) *debug.Module {
	for _, d := range info.Deps {
		if d.Path == path {
			return d
		}
	}
	return nil
}

// versionOf is m's version, the replacement's when m is replaced; none when
// the replacement is a directory (a local checkout, whose version is not
// fixed).
func versionOf(m debug.Module, none string) string {
	if m.Replace != nil {
		m = *m.Replace
	}
	if m.Version == "" || m.Version == "(devel)" {
		return none
	}
	return m.Version
}
