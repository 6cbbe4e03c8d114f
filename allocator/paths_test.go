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
		(*Heap).drainQueue, (*Heap).poolV1Alloc, (*Heap).poolV1Free, (*Heap).poolV2Alloc,
		(*Heap).poolV2Free, (*Heap).poolV2Fallback, (*Allocator).largeAlloc, (*Allocator).largeFree,
		(*Heap).invalidFree, (*Heap).allocSlow, (*Heap).freeSmall, (*Heap).tinyAlloc, (*Heap).largeAllocSlow,
	}
	real := map[string]bool{}
	for _, f := range funcs {
		real[runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()] = true
	}
	named := map[string]bool{}
	for _, f := range EntryFuncs {
		named[f] = true
		if !real[f] {
			t.Errorf("EntryFuncs names %s, which is not a function of this package", f)
		}
	}
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

// TestPathFuncsBelongToOnePath checks that no function is named twice:
// a CPU sample in it is then evidence of one path (or of the shared entry
// code) alone.
func TestPathFuncsBelongToOnePath(t *testing.T) {
	owner := map[string]string{}
	claim := func(f, by string) {
		if o, ok := owner[f]; ok {
			t.Errorf("%s is named by both %s and %s", f, o, by)
		}
		owner[f] = by
	}
	for _, f := range EntryFuncs {
		claim(f, "EntryFuncs")
	}
	for _, p := range Paths {
		for _, f := range p.Funcs {
			claim(f, p.Key)
		}
	}
}
