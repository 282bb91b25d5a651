// Package sqlcrun runs sqlc inside the tenantc binary, in a child process.
//
// sqlc's pkg/cli calls os.Exit when generation fails, which would kill the
// generator mid-run and lose the diagnostics it gathered. So tenantc re-executes
// itself: the child is the same binary started with an environment variable that
// makes this package's init run sqlc and exit before main. Users install one tool;
// any binary that links this package — the CLI, a test binary — can be the child.
package sqlcrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"

	sqlc "github.com/sqlc-dev/sqlc/pkg/cli"
)

// childEnv marks the child process.
const childEnv = "TENANTC_SQLC_CHILD"

// Version is the sqlc release linked into tenantc.
const Version = "v1.31.1"

func init() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(sqlc.Run(os.Args[1:]))
	}
}

// Generate runs `sqlc generate -f config` in dir and returns what sqlc printed on
// stderr. The error is non-nil when sqlc failed; stderr then says why.
func Generate(ctx context.Context, dir, config string) (stderr string, err error) {
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
