package main

// `haktop record --cpuprofile FILE`: a record extension (recordHooks) that
// runs a profile.Collector for the whole session and writes the merged CPU
// profile, gzipped pprof, when the session ends. The file is created when
// the session starts, so a bad path fails before the workload runs long.

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/haktop/haktop/profile"
)

func cpuProfileHook(fs *pflag.FlagSet) recordHook {
	var path string
	fs.StringVar(&path, "cpuprofile", "", "also write the session's CPU profile (every window merged) to this file, for go tool pprof")
	var (
		col  *profile.Collector
		file *os.File
	)
	return recordHook{
		Start: func(ctx context.Context, s *recordSession) error {
			if path == "" {
				return nil
			}
			f, err := os.Create(path)
			if err != nil {
				return fmt.Errorf("--cpuprofile: %w", err)
			}
			c, err := profile.NewCollector(profile.DefaultWindow, nil) // written merged, not attributed
			if err == nil {
				err = c.Start()
			}
			if err != nil {
				f.Close()
				os.Remove(path)
				return fmt.Errorf("--cpuprofile %s: %w", path, err)
			}
			col, file = c, f
			s.Collector = c // --listen's /debug/pprof/profile reads its windows
			return nil
		},
		Stop: func(s *recordSession) error {
			if col == nil {
				return nil
			}
			err := col.Stop()
			if err == nil {
				err = col.WriteMerged(file)
			}
			if cerr := file.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("--cpuprofile %s: %w", path, err)
			}
			fmt.Fprintf(s.app.stdout, "wrote the CPU profile to %s (%d samples; go tool pprof -top %s)\n", path, col.Total().Samples, path)
			return nil
		},
	}
}
