package segment

// read.go owns reading a segment image: validating the header, each ready
// table's schema and its slot area before use, and summing the slots into
// a Snapshot. Every read is bounds-checked against the image, so a
// corrupt, truncated, foreign or future-version segment is an error, never
// a panic or an out-of-bounds read.

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/haktop/haktop/target"
)

// Class is one size class: the request sizes Min..Max, inclusive.
type Class struct {
	Name     string
	Min, Max uint64
}

// Counter is one per-class counter and its role.
type Counter struct {
	Name string
	Role target.Role
}

// Path is one code path whose hits a table counts.
type Path struct {
	ID   uint32
	Name string
}

// Gate is an env gate, the value in force in the process, the ids of the
// paths it guards (each one a Path's ID in the same schema) and whether
// that value switches every one of them off.
type Gate struct {
	Env, Value string
	Paths      []uint32
	Off        bool
}

// Schema is what a table describes: its name, classes, counters, paths
// and gates.
type Schema struct {
	Name     string
	Classes  []Class
	Counters []Counter
	Paths    []Path
	Gates    []Gate
}

// Table is one table's counters at one moment, summed over its slots.
type Table struct {
	Index  int // the directory entry
	PID    int
	PPID   int // the parent's pid when the table is a fork child's copy
	Schema *Schema
	// Counts[c][k] is counter k of class c.
	Counts   [][]uint64
	PathHits []uint64
	// Threads is the number of live slots (threads counting now), Slots
	// the number of slots ever claimed, Lost the threads that found no
	// free slot and were not counted.
	Threads, Slots int
	Lost           uint32
	Refreshed      uint32 // the last refresh request a refresher answered
}

// Snapshot is every ready table of a segment.
type Snapshot struct {
	CreatorPID int
	Request    uint32 // the refresh requests made so far
	Dropped    uint32 // tables that found no room in the segment
	Tables     []Table
}

var le = binary.LittleEndian

// image is a bounds-checked view of segment bytes. Loads of words that
// a writer may be changing are atomic.
type image []byte

func (b image) in(off, n uint64) bool { return off <= uint64(len(b)) && n <= uint64(len(b))-off }

func (b image) u32(off uint64) uint32 {
	p := unsafe.Pointer(&b[off : off+4][0])
	if uintptr(p)%4 == 0 {
		return atomic.LoadUint32((*uint32)(p))
	}
	return le.Uint32(b[off:])
}

func (b image) u64(off uint64) uint64 {
	p := unsafe.Pointer(&b[off : off+8][0])
	if uintptr(p)%8 == 0 {
		return atomic.LoadUint64((*uint64)(p))
	}
	return le.Uint64(b[off:])
}

// header is the validated segment header.
type header struct {
	size, dirOff, dirLen, dataOff uint64
}

func (b image) header() (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("segment truncated: %d bytes, shorter than its %d-byte header", len(b), headerSize)
	}
	if string(b[hMagic:hMagic+8]) != magic {
		return header{}, fmt.Errorf("not a haktop segment (magic %q, want %q)", b[hMagic:hMagic+8], magic)
	}
	if v := b.u32(hVersion); v != Version {
		if v > Version {
			return header{}, fmt.Errorf("segment format version %d is newer than this haktop reads (%d): update haktop", v, Version)
		}
		if v > 0 {
			return header{}, fmt.Errorf("segment format version %d is older than this haktop reads (%d): rebuild the target with this haktop's haktop.h", v, Version)
		}
		return header{}, fmt.Errorf("corrupt segment: format version %d", v)
	}
	if hs := b.u32(hHeader); hs != headerSize {
		return header{}, fmt.Errorf("corrupt segment: header size %d, want %d", hs, headerSize)
	}
	h := header{size: b.u64(hSize), dirOff: uint64(b.u32(hDirOff)), dirLen: uint64(b.u32(hDirLen)), dataOff: b.u64(hDataOff)}
	if h.size != uint64(len(b)) {
		if h.size > uint64(len(b)) {
			return header{}, fmt.Errorf("segment truncated: the header says %d bytes, the file has %d", h.size, len(b))
		}
		return header{}, fmt.Errorf("corrupt segment: the header says %d bytes, the file has %d", h.size, len(b))
	}
	if h.dirOff < headerSize || h.dirOff%8 != 0 || h.dataOff%line != 0 || h.dataOff > h.size ||
		h.dirLen > maxSlots || h.dirOff+h.dirLen*dirEntry > h.dataOff {
		return header{}, fmt.Errorf("corrupt segment: directory at %d with %d entries, data at %d, in %d bytes", h.dirOff, h.dirLen, h.dataOff, h.size)
	}
	return h, nil
}

// layout is a validated table: its schema and where its slots are. Slot
// offsets are absolute and inside the image.
type layout struct {
	off      uint64
	size     uint64
	pid      int
	ppid     int
	schema   *Schema
	slotsOff uint64
	slotSize uint64
	nslots   uint64
	words    uint64
	index    int // the directory entry
}

func (b image) table(h header, index int, off uint64) (*layout, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("corrupt segment: table %d at %d: %s", index, off, fmt.Sprintf(format, args...))
	}
	if off%line != 0 || off < h.dataOff || !b.in(off, tableHeader) {
		return nil, bad("offset outside the data area")
	}
	if m := b.u32(off + tMagic); m != tableMagic {
		return nil, bad("magic %#x, want %#x", m, tableMagic)
	}
	if hs := b.u32(off + tHeader); hs != tableHeader {
		return nil, bad("header size %d, want %d", hs, tableHeader)
	}
	size := b.u64(off + tSize)
	if size < tableHeader || !b.in(off, size) {
		return nil, bad("size %d runs past the segment's end", size)
	}
	t := image(b[off : off+size])
	u32 := func(o uint64) uint64 { return uint64(t.u32(o)) }
	nc, nk, np, ng := u32(tNClasses), u32(tNCounters), u32(tNPaths), u32(tNGates)
	if nc > maxClasses || nk > maxCounters || np > maxPaths || ng > maxGates {
		return nil, bad("%d classes, %d counters, %d paths, %d gates: over the limits (%d, %d, %d, %d)", nc, nk, np, ng, maxClasses, maxCounters, maxPaths, maxGates)
	}
	arrays := []struct {
		what    string
		off, sz uint64
	}{
		{"classes", u32(tClassesOff), nc * classDesc},
		{"counters", u32(tCountersOff), nk * desc},
		{"paths", u32(tPathsOff), np * desc},
		{"gates", u32(tGatesOff), ng * gateDesc},
		{"gate paths", u32(tGatePathsOff), 4 * u32(tNGatePaths)},
		{"strings", u32(tStringsOff), u32(tStringsLen)},
	}
	for _, a := range arrays {
		if a.off < tableHeader || !t.in(a.off, a.sz) {
			return nil, bad("%s (%d bytes at %d) outside the table's %d bytes", a.what, a.sz, a.off, size)
		}
	}
	gatePaths := arrays[4]
	strs := image(t[arrays[5].off : arrays[5].off+arrays[5].sz])
	str := func(ref uint64, what string) (string, error) {
		o, n := u32(ref), u32(ref+4)
		if n > maxString || !strs.in(o, n) {
			return "", bad("%s: string of %d bytes at %d outside the %d-byte string area", what, n, o, len(strs))
		}
		s := string(strs[o : o+n])
		if !utf8.ValidString(s) {
			return "", bad("%s: %q is not UTF-8", what, s)
		}
		return s, nil
	}
	s := &Schema{}
	var err error
	if s.Name, err = str(tName, "name"); err != nil {
		return nil, err
	}
	for i := uint64(0); i < nc; i++ {
		d := arrays[0].off + i*classDesc
		c := Class{Min: t.u64(d + 8), Max: t.u64(d + 16)}
		if c.Name, err = str(d, fmt.Sprintf("class %d", i)); err != nil {
			return nil, err
		}
		if c.Min > c.Max {
			return nil, bad("class %s: min %d above max %d", c.Name, c.Min, c.Max)
		}
		s.Classes = append(s.Classes, c)
	}
	for i := uint64(0); i < nk; i++ {
		d := arrays[1].off + i*desc
		role := u32(d + 8)
		if role >= uint64(len(Roles)) {
			return nil, bad("counter %d: role %d, want 0..%d", i, role, len(Roles)-1)
		}
		c := Counter{Role: Roles[role]}
		if c.Name, err = str(d, fmt.Sprintf("counter %d", i)); err != nil {
			return nil, err
		}
		s.Counters = append(s.Counters, c)
	}
	for i := uint64(0); i < np; i++ {
		d := arrays[2].off + i*desc
		p := Path{ID: t.u32(d)}
		if p.Name, err = str(d+4, fmt.Sprintf("path %d", i)); err != nil {
			return nil, err
		}
		s.Paths = append(s.Paths, p)
	}
	for i := uint64(0); i < ng; i++ {
		d := arrays[3].off + i*gateDesc
		var g Gate
		if g.Env, err = str(d, fmt.Sprintf("gate %d", i)); err != nil {
			return nil, err
		}
		if g.Value, err = str(d+8, fmt.Sprintf("gate %s's value", g.Env)); err != nil {
			return nil, err
		}
		first, n, flags := u32(d+gFirst), u32(d+gNPaths), u32(d+gFlags)
		if n > gatePaths.sz/4 || first > gatePaths.sz/4-n {
			return nil, bad("gate %s: guarded paths %d..%d outside the table's %d gate paths", g.Env, first, first+n, gatePaths.sz/4)
		}
		if flags&^gateOff != 0 {
			return nil, bad("gate %s: flags %#x, want 0 or %#x", g.Env, flags, gateOff)
		}
		g.Off = flags&gateOff != 0
		g.Paths = []uint32{}
		for j := uint64(0); j < n; j++ {
			id := t.u32(gatePaths.off + 4*(first+j))
			if !slices.ContainsFunc(s.Paths, func(p Path) bool { return p.ID == id }) {
				return nil, bad("gate %s guards path id %d, which the table does not declare", g.Env, id)
			}
			g.Paths = append(g.Paths, id)
		}
		s.Gates = append(s.Gates, g)
	}
	l := &layout{index: index, off: off, size: size, pid: int(t.u32(tPID)), ppid: int(t.u32(tPPID)), schema: s,
		slotsOff: u32(tSlotsOff), slotSize: u32(tSlotSize), nslots: u32(tNSlots), words: nc*nk + np}
	if l.words > maxWords || 8*l.words > size {
		return nil, bad("%d words per slot: over the limit %d or the table's %d bytes", l.words, maxWords, size)
	}
	if l.nslots > maxSlots || l.slotSize%line != 0 || l.slotSize < sWords+8*l.words || l.slotsOff%line != 0 ||
		l.slotsOff < tableHeader || !t.in(l.slotsOff, l.nslots*l.slotSize) {
		return nil, bad("%d slots of %d bytes at %d do not fit the table's %d bytes (each needs %d)", l.nslots, l.slotSize, l.slotsOff, size, sWords+8*l.words)
	}
	l.slotsOff += off
	return l, nil
}

// sum adds up a table's slots. It reads only inside the validated slot area.
func (b image) sum(l *layout) Table {
	s := l.schema
	t := Table{Index: l.index, PID: l.pid, PPID: l.ppid, Schema: s, Lost: b.u32(l.off + tLost), Refreshed: b.u32(l.off + tRefreshed)}
	nk := uint64(len(s.Counters))
	flat := make([]uint64, l.words)
	for i := uint64(0); i < l.nslots; i++ {
		p := l.slotsOff + i*l.slotSize
		state, tid := b.u32(p+sState), b.u32(p+sTID)
		if state == slotLive {
			t.Threads++
		}
		if tid != 0 {
			t.Slots++
		} else if state != slotLive {
			continue // never claimed: a writer stores its tid before it counts
		}
		for w := uint64(0); w < l.words; w++ {
			flat[w] += b.u64(p + sWords + 8*w)
		}
	}
	t.Counts = make([][]uint64, len(s.Classes))
	for c := range t.Counts {
		t.Counts[c] = flat[uint64(c)*nk : uint64(c+1)*nk : uint64(c+1)*nk]
	}
	t.PathHits = flat[uint64(len(s.Classes))*nk:]
	return t
}

// reader keeps the tables it has validated: a table's schema never changes
// once its directory entry is ready, so it is parsed once.
type reader struct {
	tables map[int]*layout
}

func (r *reader) snapshot(b image) (*Snapshot, error) {
	h, err := b.header()
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{CreatorPID: int(b.u32(hCreator)), Request: b.u32(hRequest), Dropped: b.u32(hDropped)}
	n := min(uint64(b.u32(hNTables)), h.dirLen)
	var ready []*layout
	for i := 0; i < int(n); i++ {
		d := h.dirOff + uint64(i)*dirEntry
		if b.u32(d+dState) != dirReady {
			continue
		}
		off := b.u64(d + dOff)
		l := r.tables[i]
		if l == nil || l.off != off {
			if l, err = b.table(h, i, off); err != nil {
				return nil, err
			}
			if r.tables == nil {
				r.tables = map[int]*layout{}
			}
			r.tables[i] = l
		}
		ready = append(ready, l)
	}
	// Tables never overlap, so summing them reads each byte once.
	byOff := slices.Clone(ready)
	slices.SortFunc(byOff, func(x, y *layout) int { return cmp.Compare(x.off, y.off) })
	for i := 1; i < len(byOff); i++ {
		if prev := byOff[i-1]; byOff[i].off < prev.off+prev.size {
			return nil, fmt.Errorf("corrupt segment: the tables at %d (%d bytes) and %d overlap", prev.off, prev.size, byOff[i].off)
		}
	}
	for _, l := range ready {
		snap.Tables = append(snap.Tables, b.sum(l))
	}
	return snap, nil
}

// Read validates a segment image and returns its snapshot.
func Read(b []byte) (*Snapshot, error) {
	var r reader
	return r.snapshot(image(b))
}

// Table returns the first table named name, or nil.
func (s *Snapshot) Table(name string) *Table {
	for i := range s.Tables {
		if s.Tables[i].Schema.Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// Counter returns the index of the counter named name, or -1.
func (s *Schema) Counter(name string) int {
	for i, c := range s.Counters {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Class returns the index of the class named name, or -1.
func (s *Schema) Class(name string) int {
	for i, c := range s.Classes {
		if c.Name == name {
			return i
		}
	}
	return -1
}
