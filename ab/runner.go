package ab

// Runner is the seam between the A/B protocol and the processes it measures:
// one call is one `haktop bench --json` run of one arm, returning the child's
// profile.RunReport. The protocol (protocol.go) and the statistics
// (stats.go) only see this interface and that report, so tests drive them
// with a deterministic fake runner.

import (
	"context"
	"fmt"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target"
)

// Runner runs one benchmark of one arm.
type Runner interface {
	// Run returns the report of one benchmark run of arm, or an error. When
	// ctx is cancelled it returns promptly; the run is then discarded.
	Run(ctx context.Context, arm Arm) (profile.RunReport, error)
}

// checkReport returns an error when r cannot be a report of a finished run
// of an arm whose allocator s describes: no throughput, or a gate value
// other than the one the arm set (the environment did not reach the child).
func checkReport(r profile.RunReport, s *target.Schema) error {
	if !(r.OpsPerSec > 0) {
		return fmt.Errorf("child reported ops_per_sec %v: want a positive number", r.OpsPerSec)
	}
	for _, g := range r.Gates {
		var want string
		if d := s.Gate(g.Env); d != nil {
			want = d.Value
		}
		if want != "" && g.Value != want {
			return fmt.Errorf("child ran with %s=%s, but the arm sets %s: the environment did not reach it", g.Env, g.Value, want)
		}
	}
	return nil
}

// pathHits returns the hits report r gives path key, and whether it lists it.
func pathHits(r profile.RunReport, key string) (uint64, bool) {
	for _, p := range r.Paths {
		if p.ID == key {
			return p.Hits, true
		}
	}
	return 0, false
}
