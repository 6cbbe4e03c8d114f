// Package shim builds haktop's LD_PRELOAD shim (haktop_shim.c, embedded) with
// the system C compiler, and holds haktop.h, the header allocators publish with.
package shim

// shim.go owns building the shim: the first time it is needed, into the
// user's cache directory as shim-<hash>.so, keyed by the hash of the
// sources and the compiler command, built to a temporary name and renamed,
// so concurrent builds never see a half-written library.

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed c/haktop_shim.c
var shimSource []byte

//go:embed c/haktop.h
var header []byte

// Section is the ELF section of an object that publishes its own tables
// through haktop.h (HAKTOP_SECTION; a test checks they agree).
const Section = ".haktop"

// Header is haktop.h, for allocators that publish their own counters.
func Header() []byte { return bytes.Clone(header) }

// Compiler is the C compiler the shim is built with.
const Compiler = "cc"

// Flags are the compiler flags the shim is built with.
// -fexceptions: an allocator's operator new that throws std::bad_alloc
// unwinds through the shim's operator new.
var Flags = []string{"-std=c11", "-O2", "-fPIC", "-shared", "-fexceptions", "-Wall", "-Wextra", "-Werror", "-pthread"}

// ErrNoCompiler says that no C compiler is installed.
var ErrNoCompiler = errors.New("no C compiler (" + Compiler + ") to build haktop's preload shim: install gcc (apt-get install gcc)")

// Library is one build of haktop_shim.c.
type Library struct {
	name    string   // the cached file's prefix
	defines []string // the build's -D flags
}

var (
	// Shim is the preload shim: it interposes the allocation functions
	// and counts per request class, and publishes jemalloc's stats.
	Shim = Library{"shim", nil}
	// StatsOnly interposes nothing, so the program runs at full speed,
	// and publishes jemalloc's own per-bin stats only.
	StatsOnly = Library{"stats", []string{"-DHAKTOP_SHIM_INTERPOSE=0"}}
)

// String names the build: "shim" or "stats".
func (l Library) String() string { return l.name }

// Build returns the path of the shim library in the user's cache
// directory, compiling it first if that version is not there yet.
func Build() (string, error) { return Shim.Build() }

// BuildIn is Build with the cache directory dir.
func BuildIn(dir string) (string, error) { return Shim.BuildIn(dir) }

// Build returns the path of l in the user's cache directory, compiling it
// first if that version is not there yet.
func (l Library) Build() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("shim: %w", err)
	}
	return l.BuildIn(filepath.Join(dir, "haktop"))
}

// BuildIn is Build with the cache directory dir.
func (l Library) BuildIn(dir string) (string, error) {
	cc, err := exec.LookPath(Compiler)
	if err != nil {
		return "", ErrNoCompiler
	}
	lib := filepath.Join(dir, l.name+"-"+l.hash()+".so")
	if _, err := os.Stat(lib); err == nil {
		return lib, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("shim: %w", err)
	}
	src, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", fmt.Errorf("shim: %w", err)
	}
	defer os.RemoveAll(src)
	if err := os.WriteFile(filepath.Join(src, "haktop_shim.c"), shimSource, 0o644); err != nil {
		return "", fmt.Errorf("shim: %w", err)
	}
	if err := os.WriteFile(filepath.Join(src, "haktop.h"), header, 0o644); err != nil {
		return "", fmt.Errorf("shim: %w", err)
	}
	tmp := filepath.Join(src, "shim.so")
	args := append(append(append([]string{}, Flags...), l.defines...), "-o", tmp, filepath.Join(src, "haktop_shim.c"), "-ldl")
	out, err := exec.Command(cc, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("shim: %s %s: %v\n%s", Compiler, strings.Join(args, " "), err, out)
	}
	if err := os.Rename(tmp, lib); err != nil {
		return "", fmt.Errorf("shim: %w", err)
	}
	return lib, nil
}

// hash keys a build by the sources and the command that compiles them.
func (l Library) hash() string {
	h := sha256.New()
	cmd := Compiler + " " + strings.Join(append(append([]string{}, Flags...), l.defines...), " ")
	for _, b := range [][]byte{shimSource, header, []byte(cmd)} {
		fmt.Fprintf(h, "%d\n", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
