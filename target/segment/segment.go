// Package segment is the shared-memory segment through which a process haktop
// starts publishes its allocator's schema and per-thread counters to haktop.
package segment

// segment.go owns the segment file: creating it (mode 0600 in a private
// 0700 directory under $XDG_RUNTIME_DIR, else /dev/shm, else a temp dir), mapping it
// read-only, asking the target for a refresh, and removing it. The layout
// is described in layout.go; reading and validation are in read.go.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultSize is the segment file's size: room for about 400 processes
// under the shim (a table of 256 thread slots each, about 150 KiB); the
// file is sparse, so only the pages a process touches use memory.
const DefaultSize = 64 << 20

// dirEntries is the table directory's length in a segment haktop creates.
const dirEntries = 1024

// Segment is a segment file haktop created or opened, mapped read-only.
type Segment struct {
	path    string
	dir     string // the private directory Create made, removed by Close
	f       *os.File
	mem     []byte
	r       reader
	created bool
}

// shmDir is where Create goes without a runtime dir, when it is a tmpfs.
var shmDir = "/dev/shm"

// runtimeDir returns where Create makes its private directory:
// $XDG_RUNTIME_DIR, else /dev/shm, else the temp dir. The first two are
// memory file systems; on a disk-backed one (a temp dir often is) the
// kernel would write the counters' dirty pages back to the disk every few
// seconds, I/O the target never asked for.
func runtimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); usable(d) {
		return d
	}
	var st unix.Statfs_t
	if usable(shmDir) && unix.Statfs(shmDir, &st) == nil && st.Type == unix.TMPFS_MAGIC {
		return shmDir
	}
	return os.TempDir()
}

// usable reports whether d is a directory Create can make its own in.
func usable(d string) bool {
	fi, err := os.Stat(d)
	return d != "" && err == nil && fi.IsDir() && unix.Access(d, unix.W_OK|unix.X_OK) == nil
}

// Create makes a new segment file of size bytes (DefaultSize when 0) with an
// empty table directory, in a new private directory, and maps it. It first
// removes the directories of segments whose haktop died (stale.go).
func Create(size int) (*Segment, error) {
	if size == 0 {
		size = DefaultSize
	}
	dataOff := (headerSize + dirEntries*dirEntry + 4095) / 4096 * 4096
	if size < dataOff+4096 {
		return nil, fmt.Errorf("segment size %d: want at least %d bytes", size, dataOff+4096)
	}
	parent := runtimeDir()
	reapStale(parent)
	dir, err := os.MkdirTemp(parent, "haktop-")
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("segment: %w", err)
	}
	path := filepath.Join(dir, "segment")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("segment: %w", err)
	}
	h := make([]byte, headerSize)
	copy(h[hMagic:], magic)
	le.PutUint32(h[hVersion:], Version)
	le.PutUint32(h[hHeader:], headerSize)
	le.PutUint64(h[hSize:], uint64(size))
	le.PutUint32(h[hDirOff:], headerSize)
	le.PutUint32(h[hDirLen:], dirEntries)
	le.PutUint64(h[hDataOff:], uint64(dataOff))
	le.PutUint32(h[hCreator:], uint32(os.Getpid()))
	if err = f.Truncate(int64(size)); err == nil {
		_, err = f.WriteAt(h, 0)
	}
	if err != nil {
		f.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("segment: %w", err)
	}
	s, err := mapFile(f, path)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.dir, s.created = dir, true
	return s, nil
}

// Open maps an existing segment file read-only.
func Open(path string) (*Segment, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	return mapFile(f, path)
}

func mapFile(f *os.File, path string) (*Segment, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("segment: %w", err)
	}
	if fi.Size() < headerSize {
		f.Close()
		return nil, fmt.Errorf("segment %s truncated: %d bytes, shorter than its %d-byte header", path, fi.Size(), headerSize)
	}
	if fi.Size() > math.MaxInt32*4 {
		f.Close()
		return nil, fmt.Errorf("segment %s: %d bytes is too large for a segment", path, fi.Size())
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("segment %s: mmap: %w", path, err)
	}
	return &Segment{path: path, f: f, mem: mem}, nil
}

// Path is the segment file's name.
func (s *Segment) Path() string { return s.path }

// Env is the environment entry that names the segment for a child.
func (s *Segment) Env() string { return EnvVar + "=" + s.path }

// Snapshot validates the segment and sums every ready table's slots. A
// segment the target truncated under the mapping is an error, not a crash.
func (s *Segment) Snapshot() (snap *Snapshot, err error) {
	if s.mem == nil {
		return nil, errors.New("segment: closed")
	}
	if fi, err := s.f.Stat(); err != nil || fi.Size() < int64(len(s.mem)) {
		return nil, fmt.Errorf("segment %s truncated under its mapping", s.path)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(interface{ Addr() uintptr }); ok && faultIn(s.mem, e.Addr()) {
				snap, err = nil, fmt.Errorf("segment %s truncated while being read", s.path)
				return
			}
			panic(r)
		}
	}()
	snap, err = s.r.snapshot(image(s.mem))
	if err != nil {
		err = fmt.Errorf("segment %s: %w", s.path, err)
	}
	return snap, err
}

func faultIn(mem []byte, addr uintptr) bool {
	base := uintptr(unsafe.Pointer(&mem[0]))
	return addr >= base && addr < base+uintptr(len(mem))
}

// RequestRefresh bumps the segment's request word and wakes a target's
// refresher (such as the shim's jemalloc stats thread) waiting on it.
func (s *Segment) RequestRefresh() error {
	if s.mem == nil {
		return errors.New("segment: closed")
	}
	if !s.created {
		return fmt.Errorf("segment %s: only the segment's creator asks for refreshes", s.path)
	}
	var w [4]byte
	le.PutUint32(w[:], image(s.mem).u32(hRequest)+1)
	if _, err := s.f.WriteAt(w[:], hRequest); err != nil {
		return fmt.Errorf("segment %s: %w", s.path, err)
	}
	addr := uintptr(unsafe.Pointer(&s.mem[hRequest]))
	const futexWake = 1 // FUTEX_WAKE, shared: the waiter is another process
	if _, _, e := unix.Syscall6(unix.SYS_FUTEX, addr, futexWake, math.MaxInt32, 0, 0, 0); e != 0 {
		return fmt.Errorf("segment %s: futex wake: %w", s.path, e)
	}
	return nil
}

// Close unmaps the segment and, for one Create made, removes the file and
// its directory.
func (s *Segment) Close() error {
	if s.mem == nil {
		return nil
	}
	err := unix.Munmap(s.mem)
	s.mem = nil
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if s.dir != "" && strings.HasPrefix(s.path, s.dir) {
		if rerr := os.RemoveAll(s.dir); err == nil {
			err = rerr
		}
	}
	return err
}
