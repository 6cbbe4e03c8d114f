package allocator

import (
	"reflect"
	"runtime"
	"testing"
)

// TestPathFuncsExist checks that every function the path registry names is
// a real function of this package, spelled as pprof will report it.
func TestPathFuncsExist(t *testing.T) {
	funcs := []any{
		(*Heap).Alloc, (*Heap).Free, (*Heap).tinyRefill, (*Heap).refillFallback, (*Heap).tinyFlush,
		(*arena).mapSuperslab, (*arena).unmapSuperslab, (*Heap).freeRemote, (*RemoteQueue).push,
		(*Heap).drainRemote, (*Heap).poolV1Alloc, (*Heap).poolV1Free, (*Heap).poolV2Alloc,
		(*Heap).poolV2Free, (*Heap).poolV2Fallback, (*Allocator).largeAlloc, (*Allocator).largeFree,
		(*Heap).invalidFree, (*Heap).allocSlow, (*Heap).freeSmall, (*Heap).tinyAlloc, (*Heap).largeAllocSlow,
	}
	real := map[string]bool{}
	for _, f := range funcs {
		real[runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()] = true
	}
	named := map[string]bool{}
	for _, p := range Paths {
		for _, f := range p.Funcs {
			named[f] = true
			if !real[f] {
				t.Errorf("path %s names %s, which is not a function of this package", p.Key, f)
			}
		}
	}
	for f := range real {
		if !named[f] {
			t.Errorf("%s implements a path but the registry does not name it", f)
		}
	}
}
