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
	"sync/atomic"

	sqlc "github.com/sqlc-dev/sqlc/pkg/cli"
)

// childEnv marks the child process.
const childEnv = "TENANTC_SQLC_CHILD"

// Version is the sqlc release linked into tenantc.
const Version = "v1.31.1"

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

// Generate runs `sqlc generate -f config` in dir and returns what sqlc printed on
// stderr. The error is non-nil when sqlc failed; stderr then says why.
func Generate(ctx context.Context, dir, config string) (stderr string, err error) {
	if !childReady.Load() {
		return "", fmt.Errorf("this binary cannot run sqlc: its main (or TestMain) must call sqlcrun.Child first")
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the tenantc binary to run sqlc: %w", err)
	}
	cmd := exec.CommandContext(ctx, self, "generate", "--no-remote", "-f", config)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return errOut.String() + out.String(), fmt.Errorf("sqlc generate: %w", err)
	}
	return errOut.String(), nil
}
