// Package processtest builds the preload shim and the C test programs for
// the tests above target/process that run programs in other processes.
package processtest

// Used by target/process's, live's, tui's and cmd/haktop's tests. It keeps
// what needs target/shim (the shim's build, the shim's compiler); the
// programs' sources, flags and allocators are ctest's, which target/shim's
// own tests share. Everything is built once per test binary into
// ctest.Dir, which ctest.Main (the tests' TestMain) removes; a machine
// without a C compiler skips those tests.

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/shim"
)

var (
	mu  sync.Mutex
	lib string
)

// Shim returns the preload shim, built once into ctest.Dir; it skips t
// without a C compiler.
func Shim(t testing.TB) string {
	t.Helper()
	ctest.NeedCC(t, shim.Compiler)
	mu.Lock()
	defer mu.Unlock()
	if lib == "" {
		l, err := shim.BuildIn(filepath.Join(ctest.Dir(t), "cache"))
		if err != nil {
			t.Fatal(err)
		}
		lib = l
	}
	return lib
}

// Program compiles the C program src (a path from the module's root, or
// an absolute one, such as ctest.EndingC) with flags and the shim's
// compiler, once per test binary, and returns the executable.
func Program(t testing.TB, src string, flags ...string) string {
	t.Helper()
	return ctest.Program(t, shim.Compiler, src, flags...)
}
