package main

import (
	"flag"
	"fmt"
	"path/filepath"
)

// projectFlags are --dir and sqlc's -f/--file, which generate and vet share.
type projectFlags struct {
	dir, file string
}

func addProjectFlags(fs *flag.FlagSet) *projectFlags {
	p := &projectFlags{}
	fs.StringVar(&p.dir, "dir", ".", "project directory holding tenantc.yaml or sqlc.yaml")
	usage := "the sqlc config to use, as sqlc's -f: its directory is the project's, and the paths in it are relative to it"
	fs.StringVar(&p.file, "file", "", usage)
	fs.StringVar(&p.file, "f", "", "short for --file")
	return p
}

// resolve returns the project directory and the sqlc config's name in it
// ("" to look for sqlc.yaml, sqlc.yml or sqlc.json there).
func (p *projectFlags) resolve(fs *flag.FlagSet) (dir, file string, err error) {
	if p.file == "" {
		return p.dir, "", nil
	}
	dirSet := false
	fs.Visit(func(f *flag.Flag) { dirSet = dirSet || f.Name == "dir" })
	if dirSet {
		return "", "", &exitError{code: 2, msg: fmt.Sprintf("%s: pass --dir or -f, not both: the directory of -f's config is the project directory", fs.Name())}
	}
	return filepath.Dir(p.file), filepath.Base(p.file), nil
}
