package shim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildCachesByHash builds into an empty cache once: a second Build
// returns the same library without compiling, and no temporary is left.
func TestBuildCachesByHash(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	lib, err := BuildIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(lib) != "shim-"+Shim.hash()+".so" || filepath.Dir(lib) != dir {
		t.Errorf("built %s, want %s/shim-%s.so", lib, dir, Shim.hash())
	}
	before, _ := os.Stat(lib)
	if err := os.Chmod(lib, 0o555); err != nil {
		t.Fatal(err)
	}
	again, err := BuildIn(dir)
	if err != nil || again != lib {
		t.Fatalf("second build: %s, %v", again, err)
	}
	after, _ := os.Stat(lib)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("the second Build compiled again")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries, want the library only", len(entries))
	}
}

// TestBuildWithoutCompiler names the package to install.
func TestBuildWithoutCompiler(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := BuildIn(t.TempDir())
	if !errors.Is(err, ErrNoCompiler) || !strings.Contains(err.Error(), "install gcc") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err %v, want one line naming gcc", err)
	}
}

// TestBuildUserCache uses os.UserCacheDir()/haktop.
func TestBuildUserCache(t *testing.T) {
	needCC(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	lib, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "haktop", "shim-"+Shim.hash()+".so"); lib != want {
		t.Errorf("built %s, want %s", lib, want)
	}
}

// TestStatsOnlyIsItsOwnBuild: the two libraries are cached side by side.
func TestStatsOnlyIsItsOwnBuild(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	a, err := Shim.BuildIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := StatsOnly.BuildIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a == b || !strings.HasPrefix(filepath.Base(b), "stats-") {
		t.Errorf("shim %s, stats-only %s: want two files, the second stats-HASH.so", a, b)
	}
}
