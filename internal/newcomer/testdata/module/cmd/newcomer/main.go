// Command newcomer applies one project's migrations with its own tool and
// checks isolation through its generated repositories:
//
//	newcomer apply golang-migrate|goose|sql-migrate|tern OWNER_URL
//	newcomer check golang-migrate|goose|sql-migrate|tern APP_URL
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	_ "github.com/golang-migrate/migrate/v4/source/file"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	ternmigrate "github.com/jackc/tern/v2/migrate"
	"github.com/pressly/goose/v3"
	sqlmigrate "github.com/rubenv/sql-migrate"

	gooseisolation "example.com/saas/gooseapp/isolation"
	migrateisolation "example.com/saas/migrateapp/isolation"
	sqlmigrateisolation "example.com/saas/sqlmigrateapp/isolation"
	ternisolation "example.com/saas/ternapp/isolation"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: newcomer apply|check golang-migrate|goose|sql-migrate|tern URL")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "newcomer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd, tool, url string) error {
	switch cmd + " " + tool {
	case "apply golang-migrate":
		return applyMigrate(filepath.Join("migrateapp", "migrations"), url)
	case "apply goose":
		return applyGoose(filepath.Join("gooseapp", "migrations"), url)
	case "check golang-migrate":
		return check(ctx, url, migrateisolation.Check)
	case "check goose":
		return check(ctx, url, gooseisolation.Check)
	case "apply sql-migrate":
		return applySQLMigrate(filepath.Join("sqlmigrateapp", "migrations"), url)
	case "apply tern":
		return applyTern(ctx, filepath.Join("ternapp", "migrations"), url)
	case "check sql-migrate":
		return check(ctx, url, sqlmigrateisolation.Check)
	case "check tern":
		return check(ctx, url, ternisolation.Check)
	}
	return fmt.Errorf("unknown %q %q", cmd, tool)
}

// applyMigrate runs every up migration, every down migration, and every up
// again, with golang-migrate's own packages.
func applyMigrate(dir, url string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	m, err := migrate.New("file://"+abs, "pgx5://"+strings.TrimPrefix(url, "postgres://"))
	if err != nil {
		return err
	}
	defer m.Close()
	for _, step := range []struct {
		name string
		run  func() error
	}{{"up", m.Up}, {"down", m.Down}, {"up again", m.Up}} {
		if err := step.run(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
			return fmt.Errorf("golang-migrate %s: %w", step.name, err)
		}
	}
	v, dirty, err := m.Version()
	fmt.Printf("golang-migrate: version %d, dirty %v\n", v, dirty)
	return err
}

// applyGoose does the same with goose's own package.
func applyGoose(dir, url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := goose.SetDialect("postgres"); err != nil {
		return err
	}
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"up", func() error { return goose.Up(db, dir) }},
		{"down", func() error { return goose.DownTo(db, dir, 0) }},
		{"up again", func() error { return goose.Up(db, dir) }},
	} {
		if err := step.run(); err != nil {
			return fmt.Errorf("goose %s: %w", step.name, err)
		}
	}
	v, err := goose.GetDBVersion(db)
	fmt.Printf("goose: version %d\n", v)
	return err
}

// applySQLMigrate does the same with sql-migrate's own package.
func applySQLMigrate(dir, url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	source := sqlmigrate.FileMigrationSource{Dir: dir}
	for _, step := range []struct {
		name      string
		direction sqlmigrate.MigrationDirection
	}{{"up", sqlmigrate.Up}, {"down", sqlmigrate.Down}, {"up again", sqlmigrate.Up}} {
		if _, err := sqlmigrate.Exec(db, "postgres", source, step.direction); err != nil {
			return fmt.Errorf("sql-migrate %s: %w", step.name, err)
		}
	}
	records, err := sqlmigrate.GetMigrationRecords(db, "postgres")
	fmt.Printf("sql-migrate: %d migrations applied\n", len(records))
	return err
}

// applyTern does the same with tern's own package.
func applyTern(ctx context.Context, dir, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	m, err := ternmigrate.NewMigrator(ctx, conn, "public.schema_version")
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(os.DirFS(dir)); err != nil {
		return err
	}
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"up", func() error { return m.Migrate(ctx) }},
		{"down", func() error { return m.MigrateTo(ctx, 0) }},
		{"up again", func() error { return m.Migrate(ctx) }},
	} {
		if err := step.run(); err != nil {
			return fmt.Errorf("tern %s: %w", step.name, err)
		}
	}
	v, err := m.GetCurrentVersion(ctx)
	fmt.Printf("tern: version %d\n", v)
	return err
}

func check(ctx context.Context, url string, isolation func(context.Context, *pgxpool.Pool) error) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	return isolation(ctx, pool)
}
