package segment

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadSumsSlots(t *testing.T) {
	tt := sampleTable()
	child := sampleTable()
	child.pid, child.ppid = 101, 100
	child.slots = [][]uint64{{1, 1, 1, 1, 1, 1, 1}}
	snap, err := Read(buildSegment(64<<10, tt, child))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Tables) != 2 || snap.CreatorPID != 4242 {
		t.Fatalf("tables %d creator %d, want 2 and 4242", len(snap.Tables), snap.CreatorPID)
	}
	got := snap.Tables[0]
	if !reflect.DeepEqual(*got.Schema, tt.schema) {
		t.Errorf("schema %+v, want %+v", *got.Schema, tt.schema)
	}
	if want := [][]uint64{{11, 22}, {33, 44}, {55, 66}}; !reflect.DeepEqual(got.Counts, want) {
		t.Errorf("counts %v, want %v", got.Counts, want)
	}
	if !reflect.DeepEqual(got.PathHits, []uint64{77}) || got.Threads != 1 || got.Slots != 2 || got.PID != 100 {
		t.Errorf("paths %v threads %d slots %d pid %d, want [77] 1 2 100", got.PathHits, got.Threads, got.Slots, got.PID)
	}
	c := snap.Tables[1]
	if c.PID != 101 || c.PPID != 100 || !reflect.DeepEqual(c.Counts, [][]uint64{{1, 1}, {1, 1}, {1, 1}}) {
		t.Errorf("child table pid %d ppid %d counts %v", c.PID, c.PPID, c.Counts)
	}
	if snap.Table("fake") != &snap.Tables[0] || snap.Table("none") != nil {
		t.Error("Table does not find tables by name")
	}
}

// corruptions damage one field of a valid segment each; every one must
// give an error naming what is wrong.
var corruptions = []struct {
	name string
	edit func(b []byte) []byte
	want string
}{
	{"empty", func(b []byte) []byte { return nil }, "truncated"},
	{"cut in the header", func(b []byte) []byte { return b[:100] }, "truncated"},
	{"cut in the tables", func(b []byte) []byte { return b[:len(b)/2] }, "truncated"},
	{"foreign", func(b []byte) []byte { copy(b, "\x7fELF\x02\x01\x01\x00"); return b }, "not a haktop segment"},
	{"future version", func(b []byte) []byte { le.PutUint32(b[hVersion:], Version+1); return b }, "newer than this haktop reads"},
	{"old version", func(b []byte) []byte { le.PutUint32(b[hVersion:], Version-1); return b }, "segment format version 1 is older than this haktop reads (2)"},
	{"version 0", func(b []byte) []byte { le.PutUint32(b[hVersion:], 0); return b }, "corrupt segment: format version 0"},
	{"header size", func(b []byte) []byte { le.PutUint32(b[hHeader:], 64); return b }, "header size"},
	{"size too small", func(b []byte) []byte { le.PutUint64(b[hSize:], 4096); return b }, "corrupt segment: the header says"},
	{"directory past data", func(b []byte) []byte { le.PutUint32(b[hDirLen:], 60000); return b }, "directory"},
	{"data past end", func(b []byte) []byte { le.PutUint64(b[hDataOff:], 1<<40); return b }, "directory"},
	{"table offset", func(b []byte) []byte { le.PutUint64(b[headerSize+dOff:], 1<<50); return b }, "offset outside"},
	{"table offset unaligned", func(b []byte) []byte { le.PutUint64(b[headerSize+dOff:], 1024+3); return b }, "offset outside"},
	{"table magic", func(b []byte) []byte { le.PutUint32(b[tab(b)+tMagic:], 7); return b }, "magic"},
	{"table size", func(b []byte) []byte { le.PutUint64(b[tab(b)+tSize:], 1<<62); return b }, "runs past"},
	{"classes count", func(b []byte) []byte { le.PutUint32(b[tab(b)+tNClasses:], 1<<31); return b }, "over the limits"},
	{"classes offset", func(b []byte) []byte { le.PutUint32(b[tab(b)+tClassesOff:], 1<<30); return b }, "classes"},
	{"strings length", func(b []byte) []byte { le.PutUint32(b[tab(b)+tStringsLen:], 1<<30); return b }, "strings"},
	{"name ref", func(b []byte) []byte { le.PutUint32(b[tab(b)+tName+4:], 3000); return b }, "name: string"},
	{"name not UTF-8", func(b []byte) []byte { b[tab(b)+strOff(b)] = 0xff; return b }, "not UTF-8"},
	{"role", func(b []byte) []byte { le.PutUint32(b[tab(b)+ctrOff(b)+8:], 10); return b }, "role 10"},
	{"class min above max", func(b []byte) []byte { le.PutUint64(b[tab(b)+tableHeader+8:], 1<<40); return b }, "above max"},
	{"slots past end", func(b []byte) []byte { le.PutUint32(b[tab(b)+tNSlots:], 60000); return b }, "do not fit"},
	{"slot too small", func(b []byte) []byte { le.PutUint32(b[tab(b)+tSlotSize:], 0); return b }, "do not fit"},
	{"tables overlap", func(b []byte) []byte {
		copy(b[headerSize+dirEntry:], b[headerSize:headerSize+dirEntry]) // a second entry for the same table
		le.PutUint32(b[hNTables:], 2)
		return b
	}, "overlap"},
	{"more words than bytes", func(b []byte) []byte {
		// 256 classes x 256 counters, described by zeros past the table's
		// old end, and no slots: 512 KiB of words in an 8 KiB table.
		t := tab(b)
		le.PutUint64(b[t+tSize:], 8192)
		le.PutUint32(b[t+tNSlots:], 0)
		le.PutUint32(b[t+tSlotSize:], 1<<32-64) // big enough for the words, and no slots to check
		for _, f := range []uint64{tNClasses, tNCounters} {
			le.PutUint32(b[t+f:], 256)
		}
		for _, f := range []uint64{tClassesOff, tCountersOff} {
			le.PutUint32(b[t+f:], 2048)
		}
		return b
	}, "words per slot"},
	{"gate paths offset", func(b []byte) []byte { le.PutUint32(b[tab(b)+tGatePathsOff:], 1<<30); return b }, "gate paths (4 bytes at 1073741824)"},
	{"gate paths count", func(b []byte) []byte { le.PutUint32(b[tab(b)+tNGatePaths:], 1<<30); return b }, "gate paths (4294967296 bytes"},
	{"guarded paths past the gate paths", func(b []byte) []byte { le.PutUint32(b[tab(b)+gateAt(b, 0)+gFirst:], 1); return b }, "gate HAKMEM_POOL_V2_ENABLED: guarded paths 1..2 outside the table's 1 gate paths"},
	{"guarded path count wraps", func(b []byte) []byte { le.PutUint32(b[tab(b)+gateAt(b, 0)+gNPaths:], 1<<32-1); return b }, "outside the table's 1 gate paths"},
	{"gate guards an undeclared path", func(b []byte) []byte {
		le.PutUint32(b[tab(b)+uint64(le.Uint32(b[tab(b)+tGatePathsOff:])):], 8)
		return b
	}, "gate HAKMEM_POOL_V2_ENABLED guards path id 8, which the table does not declare"},
	{"gate flags", func(b []byte) []byte { le.PutUint32(b[tab(b)+gateAt(b, 1)+gFlags:], 3); return b }, "gate HAKMEM_OTHER: flags 0x3, want 0 or 0x1"},
	{"slots unaligned", func(b []byte) []byte { le.PutUint32(b[tab(b)+tSlotsOff:], 8); return b }, "do not fit"},
}

func tab(b []byte) uint64    { return le.Uint64(b[headerSize+dOff:]) }
func strOff(b []byte) uint64 { return uint64(le.Uint32(b[tab(b)+tStringsOff:])) }
func ctrOff(b []byte) uint64 { return uint64(le.Uint32(b[tab(b)+tCountersOff:])) }
func gateAt(b []byte, i uint64) uint64 {
	return uint64(le.Uint32(b[tab(b)+tGatesOff:])) + i*gateDesc
}

func TestReadRejectsCorruptSegments(t *testing.T) {
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			b := c.edit(buildSegment(64<<10, sampleTable()))
			_, err := Read(b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestReadSkipsTablesNotReady(t *testing.T) {
	b := buildSegment(64<<10, sampleTable(), sampleTable())
	le.PutUint32(b[headerSize+dirEntry+dState:], 1) // the second is still being written
	le.PutUint32(b[hNTables:], 100)                 // claims past the directory's end count as dropped
	snap, err := Read(b)
	if err != nil || len(snap.Tables) != 1 {
		t.Fatalf("tables %v err %v, want the first table only", snap, err)
	}
}

func TestCreateIsPrivate(t *testing.T) {
	run := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", run)
	s, err := Create(0)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(s.Path())
	if filepath.Dir(dir) != run {
		t.Errorf("segment %s is not in a directory under %s", s.Path(), run)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, s.Path(): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v err %v, want %v", path, fi.Mode(), err, want)
		}
	}
	if fi, _ := os.Stat(s.Path()); fi.Size() != DefaultSize {
		t.Errorf("size %d, want %d", fi.Size(), DefaultSize)
	}
	if s.Env() != "HAKTOP_SEGMENT="+s.Path() {
		t.Errorf("Env %q", s.Env())
	}
	snap, err := s.Snapshot()
	if err != nil || len(snap.Tables) != 0 || snap.CreatorPID != os.Getpid() {
		t.Fatalf("empty segment: %+v, %v", snap, err)
	}
	if err := s.RequestRefresh(); err != nil {
		t.Fatal(err)
	}
	if snap, _ = s.Snapshot(); snap.Request != 1 {
		t.Errorf("request %d after one RequestRefresh, want 1", snap.Request)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", dir, err)
	}
}

// TestCreateWithoutRuntimeDir: without $XDG_RUNTIME_DIR the segment goes
// to /dev/shm, a memory file system, and only without one (shmDir pointed
// at a disk-backed directory) to the temp dir.
func TestCreateWithoutRuntimeDir(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", t.TempDir())
	var st unix.Statfs_t
	if unix.Statfs(shmDir, &st) != nil || st.Type != unix.TMPFS_MAGIC {
		t.Skipf("%s is not a tmpfs here", shmDir)
	}
	s, err := Create(0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.Path(), shmDir+"/") {
		t.Errorf("segment %s not under %s", s.Path(), shmDir)
	}
	if err := unix.Statfs(s.Path(), &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Errorf("segment %s: statfs type %#x, %v: want a tmpfs", s.Path(), st.Type, err)
	}
	disk := t.TempDir()
	if unix.Statfs(disk, &st) == nil && st.Type == unix.TMPFS_MAGIC {
		t.Logf("the temp dir %s is a tmpfs too: the fallback is checked by path only", disk)
	}
	defer func(d string) { shmDir = d }(shmDir)
	shmDir = disk
	if d := runtimeDir(); d != os.Getenv("TMPDIR") && unix.Statfs(disk, &st) == nil && st.Type != unix.TMPFS_MAGIC {
		t.Errorf("with %s (not a tmpfs) as the shm dir, Create goes to %s, want TMPDIR", disk, d)
	}
}

func TestSnapshotOfTruncatedFile(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	s, err := Create(0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Truncate(s.Path(), 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Snapshot(); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("err %v, want truncated", err)
	}
	if _, err := Open(s.Path()); err != nil {
		t.Fatalf("Open maps a truncated segment: %v", err)
	}
	os.Truncate(s.Path(), 10)
	if _, err := Open(s.Path()); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("Open of a 10-byte file: %v", err)
	}
}

func TestOpenReadsAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	if err := os.WriteFile(path, buildSegment(64<<10, sampleTable()), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Snapshot()
	if err != nil || len(snap.Tables) != 1 || snap.Tables[0].Counts[2][1] != 66 {
		t.Fatalf("%+v %v", snap, err)
	}
	if err := s.RequestRefresh(); err == nil {
		t.Error("RequestRefresh on an opened segment: want an error")
	}
}
