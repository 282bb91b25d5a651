//go:build !unix

package benchkit

import "time"

// processCPU is unknown here: the client's CPU per call reads as 0.
func processCPU() time.Duration { return 0 }
