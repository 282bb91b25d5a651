//go:build !unix

package benchkit

import (
	"os"
	"time"
)

// processCPU is unknown here: the client's CPU per call reads as 0.
func processCPU() time.Duration { return 0 }

// maxRSS is unknown here: peak RSS reads as 0.
func maxRSS(*os.ProcessState) int64 { return 0 }
