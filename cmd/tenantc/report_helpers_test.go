package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// runTool runs a tenantc command and returns its exit code, stdout and stderr.
func runTool(t *testing.T, command string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{command}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func check(t *testing.T, args ...string) (int, string, string) { return runTool(t, "check", args...) }
func vet(t *testing.T, args ...string) (int, string, string)   { return runTool(t, "vet", args...) }

// finding is one finding of the JSON report vet and check write.
type finding struct {
	Code, Severity, Object, File, Message, Fix string
	Line, Column                               int
}

// jsonFindings runs a command with --format json and returns the exit code and
// findings, checking that the report names the command.
func jsonFindings(t *testing.T, command string, args ...string) (int, []finding) {
	t.Helper()
	code, stdout, stderr := runTool(t, command, append([]string{"--format", "json"}, args...)...)
	var doc struct {
		Tool     string
		Findings []finding
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc), "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Equal(t, "tenantc "+command, doc.Tool)
	return code, doc.Findings
}

// codes returns the distinct codes of fs, sorted.
func codes(fs []finding) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	slices.Sort(out)
	return out
}
