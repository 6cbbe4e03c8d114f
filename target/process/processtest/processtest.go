// Package processtest builds scripted targets in other processes for the
// tests above target/process: the preload shim and the C test programs.
package processtest

// Used by live's process Source tests and tui's screens of it. Everything
// is compiled once per test binary into a temp directory that Cleanup
// removes; a machine without a C compiler skips those tests.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/haktop/haktop/target/shim"
)

// The C test programs, as paths from the module's root.
const (
	EndingC     = "target/process/testdata/ending.c" // ends as its argument says: exit3, segv, abort, spin, ...
	HakmemC     = "target/shim/testdata/hakmem_test.c"
	RandomMixed = "target/shim/testdata/random_mixed.c"
)

var (
	mu    sync.Mutex
	dir   string
	lib   string
	progs = map[string]string{}
)

// root is the module's root directory.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Shim returns the preload shim, built once into a temp directory; it
// skips t without a C compiler.
func Shim(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath(shim.Compiler); err != nil {
		t.Skipf("no C compiler (%s): install gcc to run the tests of programs under the shim", shim.Compiler)
	}
	mu.Lock()
	defer mu.Unlock()
	if lib == "" {
		d, err := os.MkdirTemp("", "haktop-targettest-")
		if err != nil {
			t.Fatal(err)
		}
		if lib, err = shim.BuildIn(filepath.Join(d, "cache")); err != nil {
			os.RemoveAll(d)
			t.Fatal(err)
		}
		dir = d
	}
	return lib
}

// Program compiles the C program src (a path from the module's root, or an absolute one) with
// flags, once per test binary, and returns the executable.
func Program(t testing.TB, src string, flags ...string) string {
	t.Helper()
	Shim(t)
	key := src + " " + strings.Join(flags, " ")
	mu.Lock()
	defer mu.Unlock()
	if p, ok := progs[key]; ok {
		return p
	}
	out := filepath.Join(dir, fmt.Sprintf("%s-%d", strings.TrimSuffix(filepath.Base(src), ".c"), len(progs)))
	path := src
	if !filepath.IsAbs(path) {
		path = filepath.Join(root(), src)
	}
	args := append([]string{"-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-I" + filepath.Join(root(), "target/shim/c"),
		"-o", out, path}, flags...)
	if b, err := exec.Command(shim.Compiler, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", shim.Compiler, strings.Join(args, " "), err, b)
	}
	progs[key] = out
	return out
}

// Cleanup removes what Shim and Program built; call it from TestMain.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if dir != "" {
		os.RemoveAll(dir)
	}
}
