// Package sqlcrun runs sqlc inside the tenantc binary, in a child process.
//
// sqlc's pkg/cli calls os.Exit when generation fails, which would kill the
// generator mid-run and lose the diagnostics it gathered. So tenantc re-executes
// itself: the child is the same binary started with an environment variable, and
// [Child], called first thing in main (and in the TestMain of every test binary
// that generates), runs sqlc and exits. Users install one tool.
//
// The dispatch is explicit rather than a package init so that linking this
// package changes nothing by itself; [Generate] refuses to start a child from a
// binary that never called [Child], since that child would rerun the binary's
// own main (or every test) instead of sqlc.
package sqlcrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	sqlc "github.com/sqlc-dev/sqlc/pkg/cli"

	"github.com/tenantc/tenantc/internal/version"
)

// childEnv marks the child process.
const childEnv = "TENANTC_SQLC_CHILD"

// ChildEnv is the environment variable that makes a binary calling [Child]
// run sqlc with its arguments: set to 1, `self generate -f sqlc.yaml` is
// `sqlc generate -f sqlc.yaml`. The generation benchmark runs plain sqlc so.
const ChildEnv = childEnv

// childReady records that this binary calls [Child], so it can be its own child.
var childReady atomic.Bool

// Child makes this binary able to run sqlc for [Generate]: in the child process
// it runs sqlc with the process's arguments and exits; otherwise it returns at
// once. Call it before anything else in main and in TestMain.
func Child() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(sqlc.Run(os.Args[1:]))
	}
	childReady.Store(true)
}

// Version returns the version of the sqlc linked into this binary: the
// dependency's version in the build information ([version.SQLC]). The test
// binary of a library package records no dependencies (golang/go#76926), so
// there sqlc itself is asked, in the child: `sqlc version` prints the version
// its release was tagged with, which is the module's version whenever go.mod
// requires a release.
func Version(ctx context.Context) (string, error) {
	if v := version.SQLC(); v != version.Unknown {
		return v, nil
	}
	versionMu.Lock()
	defer versionMu.Unlock()
	if childVersion != "" {
		return childVersion, nil
	}
	stdout, stderr, err := runChild(ctx, "", "version")
	if err != nil {
		return "", fmt.Errorf("asking sqlc its version: %w\n%s", err, stderr)
	}
	childVersion = strings.TrimSpace(stdout)
	return childVersion, nil
}

// childVersion caches what the child said in Version: one process per binary.
var (
	versionMu    sync.Mutex
	childVersion string
)

// Generate runs `sqlc generate -f config` in dir and returns what sqlc printed on
// stderr. The error is non-nil when sqlc failed; stderr then says why.
func Generate(ctx context.Context, dir, config string) (stderr string, err error) {
	stdout, stderr, err := runChild(ctx, dir, "generate", "--no-remote", "-f", config)
	if err != nil {
		return stderr + stdout, fmt.Errorf("sqlc generate: %w", err)
	}
	return stderr, nil
}

// runChild runs sqlc with args in dir, in a child process, and returns what
// it printed.
func runChild(ctx context.Context, dir string, args ...string) (stdout, stderr string, err error) {
	if !childReady.Load() {
		return "", "", fmt.Errorf("this binary cannot run sqlc: its main (or TestMain) must call sqlcrun.Child first")
	}
	self, err := os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("finding the tenantc binary to run sqlc: %w", err)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}
