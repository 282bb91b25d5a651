package benchkit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// cpuMeter reads the CPU time used so far by this process (the client: pgx,
// tenantc's runtime, the Go runtime) and by the application role's backends
// (the server's work for the calls), so that a cell's CPU per call can be
// split between the two. The backends' time is read from
// /proc/<pid>/schedstat (nanoseconds on the CPU), which only works when the
// server runs on this machine: each pid's command line must name the role,
// as PostgreSQL's process titles do, or the server side is unknown.
type cpuMeter struct {
	admin *pgx.Conn
	role  string
}

// cpuSample is one reading. server maps a backend's pid to its time on the
// CPU; nil when it cannot be read.
type cpuSample struct {
	client time.Duration
	server map[int32]time.Duration
}

func (m *cpuMeter) read(ctx context.Context) (cpuSample, error) {
	s := cpuSample{client: processCPU()}
	if m == nil || m.admin == nil {
		return s, nil
	}
	rows, _ := m.admin.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE usename = $1", m.role)
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s, fmt.Errorf("benchkit: backends of %s: %w", m.role, err)
	}
	s.server = make(map[int32]time.Duration, len(pids))
	for _, pid := range pids {
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !bytes.Contains(cmd, []byte(m.role)) {
			return cpuSample{client: s.client}, nil // not this machine's server
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			return cpuSample{client: s.client}, nil
		}
		f := strings.Fields(string(stat))
		if len(f) == 0 {
			return cpuSample{client: s.client}, nil
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return cpuSample{client: s.client}, nil
		}
		s.server[pid] = time.Duration(ns)
	}
	return s, nil
}

// since returns the client's and the backends' CPU time from s0 to s; the
// server's is -1 when either reading has none. A backend in only one of the
// two readings (a connection opened or closed in between) is left out.
func (s cpuSample) since(s0 cpuSample) (client, server time.Duration) {
	client, server = s.client-s0.client, -1
	if s.server == nil || s0.server == nil {
		return client, server
	}
	server = 0
	for pid, t := range s.server {
		if t0, ok := s0.server[pid]; ok {
			server += t - t0
		}
	}
	return client, server
}
