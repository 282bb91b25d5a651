package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/initconfig"
	"github.com/tenantc/tenantc/internal/generator/livecat"
)

// runInit is tenantc init: it reads the project's schema (or a live
// database's), proposes the tenant root and a class for every table, and
// writes the commented tenantc.yaml — never over an existing one without
// --force; with --dry-run it prints the file and writes nothing.
func runInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("init", stderr)
	project := addProjectFlags(fs)
	dbURL := fs.String("database-url", "", "read the schema from this live database instead of the project's SQL files")
	dryRun := fs.Bool("dry-run", false, "print the proposed tenantc.yaml to stdout and write nothing")
	force := fs.Bool("force", false, "replace an existing tenantc.yaml (its tenant: and the sections init does not write are kept)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir, sqlcFile, err := project.resolve(fs)
	if err != nil {
		return err
	}
	target := filepath.Join(dir, config.FileName)
	existing, err := os.ReadFile(target)
	switch {
	case err == nil && !*force && !*dryRun:
		// Refused before anything is read: a run that ends in this error
		// should not first make the user wait for a database.
		return &exitError{code: 1, msg: fmt.Sprintf("tenantc init: %s exists; pass --force to replace it (its tenant:, store:, rules: and the other sections init does not write are kept), or --dry-run to print the proposal", target)}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("init: %w", err)
	case err != nil:
		existing = nil // none: nothing to keep
	}

	cfg, cat, from, err := readForInit(dir, sqlcFile, *dbURL)
	var list diag.ErrorList
	if errors.As(err, &list) {
		for _, d := range list {
			fmt.Fprintln(stderr, d)
		}
		return &exitError{code: 1, msg: fmt.Sprintf("tenantc init: %d error(s); nothing was written", diag.List(list).Count(diag.Error))}
	}
	if err != nil {
		return &exitError{code: 1, msg: "tenantc init: " + err.Error()}
	}
	p, err := initconfig.Propose(initconfig.Input{Catalog: cat, Config: cfg, Existing: existing, From: from})
	if errors.As(err, &list) { // the tenant root of the file replaced cannot be one
		for _, d := range list {
			fmt.Fprintln(stderr, d)
		}
		return &exitError{code: 1, msg: fmt.Sprintf("tenantc init: %d error(s); nothing was written", diag.List(list).Count(diag.Error))}
	}
	if err != nil {
		return &exitError{code: 1, msg: "tenantc init: " + err.Error()}
	}
	content := p.Render()
	fmt.Fprint(stderr, p.Summary())
	if *dryRun {
		if _, err := stdout.Write(content); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "dry run: %s printed, nothing written\n", config.FileName)
		return nil
	}
	if err := initconfig.Write(dir, content, *force); err != nil {
		return &exitError{code: 1, msg: "tenantc init: " + err.Error()}
	}
	fmt.Fprintf(stderr, "wrote %s\n", target)
	return nil
}

// readForInit reads the configuration and the schema init proposes from: the
// project's SQL files as generate reads them, or with dbURL the live
// database's catalog as check reads it.
func readForInit(dir, sqlcFile, dbURL string) (*config.Config, *catalog.Catalog, string, error) {
	if dbURL == "" {
		cfg, cat, err := generator.ReadSchema(generator.Options{Dir: dir, SQLCFile: sqlcFile})
		if err != nil {
			return nil, nil, "", err
		}
		return cfg, cat, initconfig.FromFiles(cfg), nil
	}
	cfg, err := config.LoadFile(dir, sqlcFile)
	if err != nil {
		return nil, nil, "", err
	}
	ctx := context.Background()
	connCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	conn, err := pgx.Connect(connCtx, dbURL)
	cancel()
	if err != nil {
		return nil, nil, "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	cat, _, err := livecat.Read(ctx, conn, nil)
	if err != nil {
		return nil, nil, "", err
	}
	return cfg, cat, initconfig.FromDatabase, nil
}
