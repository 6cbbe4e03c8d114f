package profile

// Export: a pprof profile built from a target's counters instead of CPU
// samples, so `go tool pprof -top -sample_index=alloc_refill paths.pb.gz`
// ranks the paths where refills happen. It owns how counters become
// samples; which path counts what is the schema's (target.Class.Paths,
// filled by the target's adapter: target/embedded's table for haktop's
// own allocator).
//
// Every sample type is a counter (unit count): the schema's per-class
// counters, in column order, and path_hits. Each class contributes one
// sample per path its counters' roles map to, with the stack [path, class]
// (leaf first: the path is the "function", the class its caller), or
// [class] for the counts of a role the class maps to no path; each path's
// hit counter is one sample with the stack [path]. Per sample type, the
// samples add up to exactly the counters' totals.
//
// The calls counters are split the way their parts are: calls (RoleCalls)
// = fast + refill + fallback, frees (RoleFree) = free_fast + remote +
// free_fallback, each part on its own role's path; should a total differ
// from its parts (a torn live snapshot), the difference goes on the fast
// (free_fast) role's path, or the calls role's own when the target has no
// fast counter, so the totals stay exact.

import (
	"fmt"
	"os"
	"path"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/target"
)

// PathHitsType is the sample type of a counter profile's path hits; the
// other sample types are the schema's counter names.
const PathHitsType = "path_hits"

// callParts lists, for each role a calls counter can have, the roles of
// its parts and the role whose path takes the difference.
var callParts = map[target.Role]struct {
	parts []target.Role
	rest  target.Role
}{
	target.RoleCalls: {[]target.Role{target.RoleFast, target.RoleRefill, target.RoleFallback}, target.RoleFast},
	target.RoleFree:  {[]target.Role{target.RoleFreeFast, target.RoleRemote, target.RoleFreeFallback}, target.RoleFreeFast},
}

// CounterProfile returns a valid pprof profile of snap, a snapshot of the
// target s describes, covering d from start (see the top of this file).
// Zero samples are left out; s's Notes become its comments.
func CounterProfile(s *target.Schema, snap target.Snapshot, start time.Time, d time.Duration) *pprofile.Profile {
	n := len(s.Counters)
	numTypes := n + 1 // the counters, then path_hits
	p := &pprofile.Profile{
		// Merge (of epochs, say) needs a period type; one count per event.
		PeriodType:    &pprofile.ValueType{Type: "event", Unit: "count"},
		Period:        1,
		TimeNanos:     start.UnixNano(),
		DurationNanos: d.Nanoseconds(),
		Comments:      append([]string{stacksComment(s)}, s.Notes...),
	}
	if start.IsZero() {
		p.TimeNanos = 0
	}
	p.DefaultSampleType = PathHitsType
	if k := s.CounterOf(target.RoleCalls); k >= 0 {
		p.DefaultSampleType = s.Counters[k].Name
	} else if n > 0 {
		p.DefaultSampleType = s.Counters[0].Name
	}
	for _, c := range s.Counters {
		p.SampleType = append(p.SampleType, &pprofile.ValueType{Type: c.Name, Unit: "count"})
	}
	p.SampleType = append(p.SampleType, &pprofile.ValueType{Type: PathHitsType, Unit: "count"})
	m := &pprofile.Mapping{ID: 1, File: "haktop-counters", HasFunctions: true}
	p.Mapping = []*pprofile.Mapping{m}
	newLoc := func(name, file string) *pprofile.Location {
		f := &pprofile.Function{ID: uint64(len(p.Function) + 1), Name: name, SystemName: name, Filename: file}
		p.Function = append(p.Function, f)
		l := &pprofile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: uint64(len(p.Location)+1) << 4,
			Line: []pprofile.Line{{Function: f}}}
		p.Location = append(p.Location, l)
		return l
	}
	pathsFile, classesFile := sourceFiles(s)
	pathLoc := map[string]*pprofile.Location{}
	for _, pa := range s.Paths {
		pathLoc[pa.ID] = newLoc(pa.ID, pathsFile)
	}
	for c := range s.Classes {
		if (c+1)*n > len(snap.Counters) {
			break // an unmeasured snapshot has no counters
		}
		class := &s.Classes[c]
		classLoc := newLoc(className(class), classesFile)
		row := snap.Row(c, n)
		vals := map[string][]int64{} // path id ("" for none) -> sample values
		var order []string
		put := func(r target.Role, k int, v int64) {
			id := class.Paths[r]
			if _, ok := pathLoc[id]; !ok {
				id = "" // a path the schema does not list: on the class alone
			}
			if vals[id] == nil {
				vals[id] = make([]int64, numTypes)
				order = append(order, id)
			}
			vals[id][k] += v
		}
		for k, counter := range s.Counters {
			split, ok := callParts[counter.Role]
			if !ok {
				put(counter.Role, k, int64(row[k]))
				continue
			}
			rest := row[k] // wraps below zero when the parts exceed the total: the difference is then negative
			for _, part := range split.parts {
				if j := s.CounterOf(part); j >= 0 {
					put(part, k, int64(row[j]))
					rest -= row[j]
				}
			}
			restRole := split.rest
			if !s.Has(restRole) {
				restRole = counter.Role
			}
			put(restRole, k, int64(rest))
		}
		for _, id := range order {
			v := vals[id]
			if isZero(v) {
				continue
			}
			locs := []*pprofile.Location{classLoc}
			if id != "" {
				locs = []*pprofile.Location{pathLoc[id], classLoc}
			}
			p.Sample = append(p.Sample, &pprofile.Sample{Location: locs, Value: v})
		}
	}
	for i, hits := range snap.Paths {
		if hits > 0 && i < len(s.Paths) {
			v := make([]int64, numTypes)
			v[n] = int64(hits)
			p.Sample = append(p.Sample, &pprofile.Sample{Location: []*pprofile.Location{pathLoc[s.Paths[i].ID]}, Value: v})
		}
	}
	return p
}

// stacksComment is a counter profile's first comment: how its stacks read.
func stacksComment(s *target.Schema) string {
	for _, c := range s.Classes {
		if len(c.Paths) > 0 {
			return "haktop counter profile: stacks are [path, class]"
		}
	}
	return "haktop counter profile of " + s.Target + ": stacks are [class] and [path]"
}

func isZero(v []int64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// sourceFiles returns the file names a counter profile gives its path and
// class functions: under the last element of the target's package
// ("allocator/paths.go"), or bare when it has none.
func sourceFiles(s *target.Schema) (paths, classes string) {
	if s.Package == "" {
		return "paths.go", "sizeclasses.go"
	}
	dir := path.Base(s.Package)
	return dir + "/paths.go", dir + "/sizeclasses.go"
}

// className returns a class's function name in a counter profile: its
// name and largest request, e.g. "C3/64B", or "L/large" when unbounded.
func className(c *target.Class) string {
	if c.Max == 0 {
		return c.Name + "/large"
	}
	return fmt.Sprintf("%s/%dB", c.Name, c.Max)
}

// WriteFile writes p gzipped to path, as go tool pprof reads it, and
// returns an error naming path when it cannot.
func WriteFile(path string, p *pprofile.Profile) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("profile: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("profile: writing %s: %w", path, err)
	}
	return nil
}
