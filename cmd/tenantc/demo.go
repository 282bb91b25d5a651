//go:build !tenantc_nodemo

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tenantc/tenantc/internal/demo"
)

// runDemo is tenantc demo. It links the generated example (gen/db,
// gen/store), so it stays out of builds with the tenantc_nodemo tag (see
// demo_nodemo.go): go generate must be able to build tenantc while gen/ does
// not compile. Exit 1 when isolation did not hold, 2 when the demo could not
// run.
func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	dbURL := fs.String("database-url", "", "admin PostgreSQL URL: a superuser or, on PostgreSQL 16+, a role with CREATEDB, CREATEROLE and BYPASSRLS (default: $DATABASE_URL)")
	keep := fs.Bool("keep", false, "keep the scratch database and roles, and print how to connect and drop them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbURL == "" {
		*dbURL = os.Getenv("DATABASE_URL")
	}
	if *dbURL == "" {
		return &exitError{code: 2, msg: "tenantc demo: --database-url is required (or DATABASE_URL)"}
	}
	// On SIGINT the run's context ends; Run still drops what it created.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := demo.Run(ctx, demo.Options{AdminURL: *dbURL, Keep: *keep, Out: stdout})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, demo.ErrIsolation):
		return &exitError{code: 1, msg: "tenantc demo: " + err.Error()}
	}
	return &exitError{code: 2, msg: "tenantc demo: " + err.Error()}
}
