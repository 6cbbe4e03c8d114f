package profile

// A small builder for hand-made CPU profiles: profile.Profile literals with
// Functions, Locations whose Lines carry inline frames, and labels.

import (
	"testing"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/embedded"
)

const (
	al   = "github.com/haktop/haktop/allocator."
	wl   = "github.com/haktop/haktop/workload."
	tick = int64(10_000_000) // 10 ms, the CPU profiler's period
)

// embeddedSchema describes the embedded allocator, whose functions the
// hand-made profiles name.
var embeddedSchema = embedded.Schema(allocator.DefaultConfig())

type builder struct {
	p     *pprofile.Profile
	funcs map[string]*pprofile.Function
}

func newBuilder() *builder {
	return &builder{
		p: &pprofile.Profile{
			SampleType: []*pprofile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
			PeriodType: &pprofile.ValueType{Type: "cpu", Unit: "nanoseconds"},
			Period:     tick,
		},
		funcs: map[string]*pprofile.Function{},
	}
}

func (b *builder) fn(name string) *pprofile.Function {
	f := b.funcs[name]
	if f == nil {
		f = &pprofile.Function{ID: uint64(len(b.p.Function) + 1), Name: name, SystemName: name, Filename: "x.go"}
		b.funcs[name] = f
		b.p.Function = append(b.p.Function, f)
	}
	return f
}

// loc returns a Location whose Lines are names, innermost (inlined) first.
func (b *builder) loc(names ...string) *pprofile.Location {
	l := &pprofile.Location{ID: uint64(len(b.p.Location) + 1), Address: uint64(0x1000 * (len(b.p.Location) + 1))}
	for i, n := range names {
		l.Line = append(l.Line, pprofile.Line{Function: b.fn(n), Line: int64(10 + i)})
	}
	b.p.Location = append(b.p.Location, l)
	return l
}

// sample adds n ticks on the stack locs (leaf first) with labels k1, v1, k2, v2...
func (b *builder) sample(n int64, labels []string, locs ...*pprofile.Location) {
	s := &pprofile.Sample{Location: locs, Value: []int64{n, n * tick}}
	for i := 0; i+1 < len(labels); i += 2 {
		if s.Label == nil {
			s.Label = map[string][]string{}
		}
		s.Label[labels[i]] = []string{labels[i+1]}
	}
	b.p.Sample = append(b.p.Sample, s)
}

func (b *builder) valid(t *testing.T) *pprofile.Profile {
	t.Helper()
	if err := b.p.CheckValid(); err != nil {
		t.Fatalf("hand-built profile is invalid: %v", err)
	}
	return b.p
}
