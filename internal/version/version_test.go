package version

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func vcs(modified string) []debug.BuildSetting {
	return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "698ed01a2b3c4d5e6f"}, {Key: "vcs.modified", Value: modified}}
}

func TestTenantc(t *testing.T) {
	for _, c := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build information", nil, Devel},
		{"go run or go test in the checkout", &debug.BuildInfo{Main: debug.Module{Path: tenantcModule, Version: "(devel)"}}, Devel},
		{"go build in the checkout, stamped from git", &debug.BuildInfo{Main: debug.Module{Path: tenantcModule, Version: "v0.0.0-20261201223000-698ed01a2b3c+dirty"}, Settings: vcs("true")}, Devel},
		{"go build at a clean release tag", &debug.BuildInfo{Main: debug.Module{Path: tenantcModule, Version: "v1.2.3"}, Settings: vcs("false")}, Devel},
		{"go install …@v1.2.3", &debug.BuildInfo{Main: debug.Module{Path: tenantcModule, Version: "v1.2.3"}}, "v1.2.3"},
		{"tool pinned in a project's go.mod", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "(devel)"}, Settings: vcs("false"),
			Deps: []*debug.Module{{Path: tenantcModule, Version: "v0.0.0-20261201223000-698ed01a2b3c"}}}, "v0.0.0-20261201223000-698ed01a2b3c"},
		{"tool replaced by a local checkout", &debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: tenantcModule, Version: "v1.2.3", Replace: &debug.Module{Path: "../tenantc"}}}}, Devel},
	} {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, tenantcOf(c.info)) })
	}
}

func TestSQLC(t *testing.T) {
	main := debug.Module{Path: tenantcModule, Version: "(devel)"}
	assert.Equal(t, "v1.31.1", sqlcOf(&debug.BuildInfo{Main: main, Deps: []*debug.Module{{Path: sqlcModule, Version: "v1.31.1"}}}))
	assert.Equal(t, "v1.31.2-fork", sqlcOf(&debug.BuildInfo{Main: main, Deps: []*debug.Module{{Path: sqlcModule, Version: "v1.31.1",
		Replace: &debug.Module{Path: "example.com/sqlc", Version: "v1.31.2-fork"}}}}))
	assert.Equal(t, Unknown, sqlcOf(&debug.BuildInfo{Main: main}))
	assert.Equal(t, Unknown, sqlcOf(nil))
}

func TestRevision(t *testing.T) {
	assert.Equal(t, "698ed01a2b3c (modified)", revisionOf(&debug.BuildInfo{Settings: vcs("true")}))
	assert.Equal(t, "698ed01a2b3c", revisionOf(&debug.BuildInfo{Settings: vcs("false")}))
	assert.Empty(t, revisionOf(&debug.BuildInfo{}))
}
