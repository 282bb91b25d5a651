//go:build unix

package main

import (
	"bytes"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/synthapp"
)

// TestInterruptWritesNothing: SIGINT while generate runs (here once its
// first files are staged, while sqlc's child runs) stops it: it exits 1,
// says so, and leaves the project as it was.
func TestInterruptWritesNothing(t *testing.T) {
	dir := t.TempDir()
	_, err := synthapp.Write(dir, 100) // sqlc takes a good part of a second on it
	require.NoError(t, err)
	before := treeWithDirs(t, dir)
	// Ours too, so that a signal arriving after generate stopped listening
	// does not end the test binary.
	own := make(chan os.Signal, 1)
	signal.Notify(own, os.Interrupt)
	defer signal.Stop(own)

	sent := make(chan bool, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				sent <- false
				return
			default:
			}
			if staged, _ := filepath.Glob(filepath.Join(dir, "gen", "*", ".tenantc-*")); len(staged) > 0 {
				sent <- syscall.Kill(os.Getpid(), syscall.SIGINT) == nil
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var stdout, stderr bytes.Buffer
	code := run([]string{"generate", "--dir", dir}, &stdout, &stderr)
	close(done)
	require.True(t, <-sent, "no file was staged before generate ended (exit %d): %s", code, stderr.String())
	require.Equal(t, 1, code, stderr.String())
	require.Contains(t, stderr.String(), "tenantc: interrupted; nothing was written")
	after := treeWithDirs(t, dir)
	require.Equal(t, slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
	require.Equal(t, before, after)
}
