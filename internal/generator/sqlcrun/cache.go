package sqlcrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/version"
)

// The cache of sqlc runs. A no-op generate hands sqlc the same inputs as the
// run before it, and sqlc's output depends on nothing else: its inputs (the
// temporary directory's files, names and contents, the rewritten sqlc.yaml
// among them), the sqlc linked into the binary, and the binary's own code
// (which rewrites the config and writes the inputs). So a successful run's
// output is kept under a SHA-256 of all of that, and the next run with the
// same key uses it instead of starting the child. A config that sends sqlc
// elsewhere — a database for its analysis, a codegen plugin — is never cached:
// its output depends on the outside world.
//
// The cache lives in os.UserCacheDir()/tenantc/sqlc/<key>, one file per
// entry; TENANTC_CACHE names another directory for tenantc/, and
// TENANTC_CACHE=off turns the cache off. An entry is written into a
// temporary file and renamed into place, so a reader never sees half an
// entry; its manifest holds each file's size and SHA-256, and an entry that
// disagrees with its manifest (a disk error, a hand edit) is a miss and is
// replaced. Entries unused for cacheMaxAge are deleted, at most once a day,
// by a run that stores one.

// CacheEnv is the environment variable that moves or disables the cache.
const CacheEnv = "TENANTC_CACHE"

const (
	cacheFormat   = "tenantc sqlc cache 2" // the manifest's first line; a new format misses
	cacheMaxAge   = 5 * 24 * time.Hour
	cacheTrimEach = 24 * time.Hour
)

// cacheDir returns the directory of sqlc's cached runs; "" when the cache is
// off or there is no place for it.
func cacheDir() string {
	root := os.Getenv(CacheEnv)
	switch {
	case root == "off":
		return ""
	case root == "":
		user, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		root = filepath.Join(user, "tenantc")
	}
	return filepath.Join(root, "sqlc")
}

// generateCached writes inputs (slash paths, sqlc.yaml among them) into tmp,
// runs Generate there for sqlc.yaml and returns what sqlc wrote (see
// readOutputs), through the cache: on a hit it returns the cached files,
// writes nothing and starts no child. Only successful runs are stored; a
// cache that cannot be read or written is no error, just a miss. The entry
// is stored by later, which may run it after generateCached has returned.
func generateCached(ctx context.Context, tmp string, inputs map[string][]byte, later func(func())) (outputs map[string][]byte, stderr string, err error) {
	dir := cacheDir()
	if dir == "" || !cacheable(inputs[configFile]) {
		return generateIn(ctx, tmp, inputs)
	}
	key, err := cacheKey(ctx, inputs)
	if err != nil {
		return generateIn(ctx, tmp, inputs)
	}
	entry := filepath.Join(dir, key)
	if files, ok := readEntry(entry); ok {
		touch(entry)
		return files, "", nil
	}
	if outputs, stderr, err = generateIn(ctx, tmp, inputs); err != nil {
		return nil, stderr, err
	}
	later(func() { storeEntry(dir, key, outputs) })
	return outputs, stderr, nil
}

// generateIn writes inputs into tmp, runs sqlc there and returns what it wrote.
func generateIn(ctx context.Context, tmp string, inputs map[string][]byte) (map[string][]byte, string, error) {
	if err := writeFiles(tmp, inputs); err != nil {
		return nil, "", err
	}
	stderr, err := Generate(ctx, tmp, configFile)
	if err != nil {
		return nil, stderr, err
	}
	outputs, err := readOutputs(tmp, inputs)
	return outputs, stderr, err
}

// cacheable reports whether sqlc's output for config depends on its inputs
// alone: no codegen plugin (plugins:, an entry's codegen:) and no database
// (an entry's database:) take part.
func cacheable(config []byte) bool {
	var doc map[string]any
	if yaml.Unmarshal(config, &doc) != nil {
		return false
	}
	if p, ok := doc["plugins"]; ok && p != nil {
		return false
	}
	for _, key := range []string{"sql", "packages"} {
		entries, _ := doc[key].([]any)
		for _, e := range entries {
			m, _ := e.(map[string]any)
			for _, k := range []string{"database", "codegen"} {
				if v, ok := m[k]; ok && v != nil {
					return false
				}
			}
		}
	}
	return true
}

// cacheKey hashes what sqlc's output depends on: the format, the sqlc
// version, tenantc's version and build, and every input file (its slash path
// and contents).
func cacheKey(ctx context.Context, inputs map[string][]byte) (string, error) {
	sqlcVersion, err := Version(ctx)
	if err != nil {
		return "", err
	}
	build, err := buildIdentity()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nsqlc %s\ntenantc %s\nbuild %s\n", cacheFormat, sqlcVersion, version.Tenantc(), build)
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		fmt.Fprintf(h, "file %q %d\n", name, len(inputs[name]))
		h.Write(inputs[name])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readOutputs returns what sqlc wrote under tmp, by slash path: every file
// that is not one of the inputs as written (a file sqlc wrote over an input
// is an output). The copies of a wrapped block's inputs are not read at all:
// collect drops whatever is beside a block's out/, and at 500 tables they
// are 1 600 files.
func readOutputs(tmp string, inputs map[string][]byte) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(tmp, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if inputCopies.MatchString(filepath.ToSlash(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if in, ok := inputs[filepath.ToSlash(rel)]; ok && bytes.Equal(in, content) {
			return nil
		}
		out[filepath.ToSlash(rel)] = content
		return nil
	})
	return out, err
}

// inputCopies matches the directories of a wrapped block's input copies.
var inputCopies = regexp.MustCompile(`^` + tenantDir + `/\d+/(schema|queries)$`)

// An entry is one file: a manifest, then the files' contents one after
// another in the manifest's order. The manifest is cacheFormat's line, a
// line "<sha256> <size> <name>" per file, and "end". One file, not a
// directory of them: creating a file is what costs on most file systems, and
// a 500-table app's sqlc output is 800 of them (issue 15).
const entryEnd = "end\n"

// encodeEntry is the entry of files.
func encodeEntry(files map[string][]byte) []byte {
	var b bytes.Buffer
	names := slices.Sorted(maps.Keys(files))
	b.WriteString(cacheFormat + "\n")
	for _, name := range names {
		sum := sha256.Sum256(files[name])
		fmt.Fprintf(&b, "%x %d %s\n", sum, len(files[name]), name)
	}
	b.WriteString(entryEnd)
	for _, name := range names {
		b.Write(files[name])
	}
	return b.Bytes()
}

// storeEntry writes the entry of files: into a temporary file beside it, then
// renamed to its key. A failure leaves no entry, only a miss.
func storeEntry(dir, key string, files map[string][]byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left
	_, err = tmp.Write(encodeEntry(files))
	if cerr := tmp.Close(); err != nil || cerr != nil {
		return
	}
	if os.Rename(tmp.Name(), filepath.Join(dir, key)) != nil {
		return
	}
	trim(dir)
}

// readEntry returns the files of the entry, if it is whole: its manifest is
// complete and every file it lists has the size and SHA-256 it says, with
// nothing after the last.
func readEntry(entry string) (map[string][]byte, bool) {
	data, err := os.ReadFile(entry)
	if err != nil {
		return nil, false
	}
	head, body, ok := bytes.Cut(data, []byte("\n"+entryEnd))
	if !ok {
		return nil, false // no end line: cut short
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != cacheFormat {
		return nil, false
	}
	files := map[string][]byte{}
	for _, line := range lines[1:] {
		sum, rest, ok1 := strings.Cut(line, " ")
		size, name, ok2 := strings.Cut(rest, " ")
		n, err := strconv.Atoi(size)
		if !ok1 || !ok2 || err != nil || n < 0 || n > len(body) || !fs.ValidPath(name) {
			return nil, false
		}
		content := body[:n:n]
		body = body[n:]
		if got := sha256.Sum256(content); hex.EncodeToString(got[:]) != sum {
			return nil, false
		}
		files[name] = content
	}
	if len(body) != 0 {
		return nil, false
	}
	return files, true
}

// writeFiles writes files (slash paths) under dir.
func writeFiles(dir string, files map[string][]byte) error {
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// touch marks an entry used, at most once an hour, so trim keeps it.
func touch(entry string) {
	if fi, err := os.Stat(entry); err == nil && time.Since(fi.ModTime()) > time.Hour {
		now := time.Now()
		_ = os.Chtimes(entry, now, now)
	}
}

// trim deletes the entries of dir unused for cacheMaxAge, at most once each
// cacheTrimEach (the time of the last trim is the mtime of dir/trim).
func trim(dir string) {
	mark := filepath.Join(dir, "trim")
	if fi, err := os.Stat(mark); err == nil && time.Since(fi.ModTime()) < cacheTrimEach {
		return
	}
	if os.WriteFile(mark, nil, 0o644) != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name() == "trim" {
			continue
		}
		// Entries are files; directories are entries of an older format.
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > cacheMaxAge {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// buildIdentity names the running binary's code: its Go build ID, which the
// go command derives from the binary's contents (so a devel build of changed
// code has another), or else a SHA-256 of the executable. Computed once.
var buildIdentity = sync.OnceValues(func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if id := goBuildID(f); id != "" {
		return "go build id " + id, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256 " + hex.EncodeToString(h.Sum(nil)), nil
})

// goBuildID reads the Go build ID of the executable f: from its ELF note, or
// as the linker writes it near the start of the text of other formats. ""
// when it has none (a binary linked with -buildid=).
func goBuildID(f *os.File) string {
	if ef, err := elf.NewFile(f); err == nil {
		if s := ef.Section(".note.go.buildid"); s != nil {
			if data, err := s.Data(); err == nil && len(data) >= 16 {
				nameSize := ef.ByteOrder.Uint32(data[0:4])
				descSize := ef.ByteOrder.Uint32(data[4:8])
				start := 12 + (int(nameSize)+3)&^3
				name := strings.TrimRight(string(data[12:min(len(data), 12+int(nameSize))]), "\x00")
				if name == "Go" && start+int(descSize) <= len(data) {
					return string(data[start : start+int(descSize)])
				}
			}
		}
	}
	buf := make([]byte, 32<<10)
	n, _ := f.ReadAt(buf, 0)
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	_, rest, ok := bytes.Cut(buf[:n], []byte(prefix))
	if !ok {
		return ""
	}
	id, _, ok := bytes.Cut(rest, []byte(suffix))
	if !ok {
		return ""
	}
	return string(id)
}

// CheckedBefore reports whether the check kind passed before, with this
// binary, on exactly these files, and returns the key MarkChecked records
// the pass under. A check that is a function of some files' contents alone
// (the type check of a generated package) need not run again on the same
// files. A passed check is an empty file named by the key in tenantc/checks/
// beside the sqlc cache; TENANTC_CACHE=off turns this off too. key is ""
// when there is no place to remember.
func CheckedBefore(kind string, files map[string][]byte) (key string, ok bool) {
	dir, sum := binaryKey("tenantc check 1", kind, func(h io.Writer) {
		for _, name := range slices.Sorted(maps.Keys(files)) {
			fmt.Fprintf(h, "file %q %d\n", name, len(files[name]))
			h.Write(files[name])
		}
	})
	if sum == "" {
		return "", false
	}
	key = filepath.Join(filepath.Dir(dir), "checks", sum)
	_, err := os.Stat(key)
	return key, err == nil
}

// binaryKey is a SHA-256 of format, kind, this binary (tenantc's version and
// build) and what input writes, in hex, with the cache's directory; "" when
// the cache is off or the binary cannot be named.
func binaryKey(format, kind string, input func(io.Writer)) (dir, sum string) {
	dir = cacheDir()
	if dir == "" {
		return "", ""
	}
	build, err := buildIdentity()
	if err != nil {
		return "", ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\ntenantc %s\nbuild %s\n", format, kind, version.Tenantc(), build)
	input(h)
	return dir, hex.EncodeToString(h.Sum(nil))
}

// Recall returns what Remember stored for kind and input, with this binary:
// a result that is a function of input and the binary alone, such as the
// repositories file gofmt'd from the source jennifer wrote. It is an entry
// of the sqlc cache (checked against its manifest, trimmed with the others),
// and key is the path to Remember it under; "" when the cache is off.
func Recall(kind string, input []byte) (key string, content []byte, ok bool) {
	dir, sum := binaryKey("tenantc memo 1", kind, func(h io.Writer) { h.Write(input) })
	if sum == "" {
		return "", nil, false
	}
	key = filepath.Join(dir, "memo-"+sum)
	files, ok := readEntry(key)
	if content, found := files[memoFile]; ok && found && len(files) == 1 {
		touch(key)
		return key, content, true
	}
	return key, nil, false
}

// memoFile is the one file of a Remember entry.
const memoFile = "memo"

// Remember stores content under the key Recall returned. Failing to is no
// error: the next run computes it again.
func Remember(key string, content []byte) {
	if key != "" {
		storeEntry(filepath.Dir(key), filepath.Base(key), map[string][]byte{memoFile: content})
	}
}

// MarkChecked records that the check CheckedBefore returned key for passed.
// Failing to is no error: the next run checks again.
func MarkChecked(key string) {
	if key == "" || os.MkdirAll(filepath.Dir(key), 0o755) != nil {
		return
	}
	if f, err := os.Create(key); err == nil {
		f.Close()
	}
}
