package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// cluster is a throwaway PostgreSQL cluster started by this package.
type cluster struct {
	bin    string // directory holding initdb and pg_ctl
	dir    string // temporary directory: data/, postgres.log, unix socket
	osUser string // run commands as this OS user ("" = as ourselves)
}

// startCluster creates and starts a cluster; it returns its superuser URL.
// On error nothing is left behind.
func startCluster() (_ *cluster, adminURL string, err error) {
	bin, err := findBin()
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, "", err
	}
	cl := &cluster{bin: bin, dir: dir}
	defer func() {
		if err != nil {
			_ = cl.stop() // also removes dir; the server may not be running
		}
	}()

	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, "", fmt.Errorf("running as root, which initdb refuses, and no postgres OS user to run it as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, "", err
		}
		cl.osUser = "postgres"
	}

	data := filepath.Join(dir, "data")
	if out, err := cl.run("initdb", "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, "", fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// Loopback only, socket in our own directory (not the system server's),
	// and no durability: the data is thrown away anyway.
	conf := fmt.Sprintf("\n# pgtest\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n", strings.ReplaceAll(dir, "'", "''"))
	if err := appendFile(filepath.Join(data, "postgresql.conf"), conf); err != nil {
		return nil, "", err
	}
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	// -l matters beyond the log: without it the server would inherit our
	// output pipe and the command would never return.
	if out, err := cl.run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "postgres.log"),
		"-o", "-p "+strconv.Itoa(port), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		return nil, "", fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return cl, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), nil
}

// stop stops the server (immediately: its data is about to be deleted) and
// deletes its directory.
func (c *cluster) stop() error {
	var errs []error
	if _, err := os.Stat(filepath.Join(c.dir, "data", "postmaster.pid")); err == nil {
		if out, err := c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop"); err != nil {
			errs = append(errs, fmt.Errorf("pg_ctl stop %s: %v\n%s", c.dir, err, out))
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// run runs a program from c.bin, as c.osUser if set, returning its output.
func (c *cluster) run(prog string, args ...string) ([]byte, error) {
	argv := append([]string{filepath.Join(c.bin, prog)}, args...)
	var cmd *exec.Cmd
	switch {
	case c.osUser == "":
		cmd = exec.Command(argv[0], argv[1:]...)
	case hasProgram("runuser"):
		cmd = exec.Command("runuser", append([]string{"-u", c.osUser, "--"}, argv...)...)
	default:
		cmd = exec.Command("su", c.osUser, "-s", "/bin/sh", "-c", shellQuote(argv))
	}
	cmd.Dir = c.dir // the test's own directory may be closed to c.osUser
	return cmd.CombinedOutput()
}

// findBin returns the directory of initdb and pg_ctl: the one on PATH, else
// the newest /usr/lib/postgresql/<version>/bin.
func findBin() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(bin string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(bin)), 64)
		return v
	}
	sort.Slice(versioned, func(i, j int) bool { return version(versioned[i]) > version(versioned[j]) })
	for _, d := range append(dirs, versioned...) {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errors.New("no initdb and pg_ctl on PATH or in /usr/lib/postgresql/*/bin")
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && !fi.IsDir()
}

func hasProgram(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// shellQuote joins argv into one /bin/sh command line.
func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
