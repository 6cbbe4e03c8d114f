package segment

// write_test.go is a Go writer of segment images, mirroring haktop.h's
// writer, so the reader's tests and fuzz seeds can build segments with
// known contents and then damage them field by field.

import "github.com/haktop/haktop/target"

type testTable struct {
	schema    Schema
	pid, ppid uint32
	nslots    int
	slots     [][]uint64 // per claimed slot: its words
	live      []bool
	lost      uint32
}

func roleNumber(r target.Role) uint32 {
	for i, n := range Roles {
		if n == r {
			return uint32(i)
		}
	}
	return 99
}

// buildSegment lays tables out as haktop.h does, in a segment of size bytes.
func buildSegment(size int, tables ...testTable) []byte {
	b := make([]byte, size)
	dataOff := uint64(headerSize+8*dirEntry+line-1) / line * line
	copy(b, magic)
	le.PutUint32(b[hVersion:], Version)
	le.PutUint32(b[hHeader:], headerSize)
	le.PutUint64(b[hSize:], uint64(size))
	le.PutUint32(b[hDirOff:], headerSize)
	le.PutUint32(b[hDirLen:], 8)
	le.PutUint64(b[hDataOff:], dataOff)
	le.PutUint32(b[hCreator:], 4242)
	off := dataOff
	for i, t := range tables {
		s := t.schema
		var strs []byte
		ref := func(at []byte, v string) {
			le.PutUint32(at, uint32(len(strs)))
			le.PutUint32(at[4:], uint32(len(v)))
			strs = append(strs, v...)
		}
		hdr := make([]byte, tableHeader)
		ref(hdr[tName:], s.Name)
		classes := make([]byte, len(s.Classes)*classDesc)
		for j, c := range s.Classes {
			d := classes[j*classDesc:]
			ref(d, c.Name)
			le.PutUint64(d[8:], c.Min)
			le.PutUint64(d[16:], c.Max)
		}
		counters := make([]byte, len(s.Counters)*desc)
		for j, c := range s.Counters {
			ref(counters[j*desc:], c.Name)
			le.PutUint32(counters[j*desc+8:], roleNumber(c.Role))
		}
		paths := make([]byte, len(s.Paths)*desc)
		for j, p := range s.Paths {
			le.PutUint32(paths[j*desc:], p.ID)
			ref(paths[j*desc+4:], p.Name)
		}
		gates := make([]byte, len(s.Gates)*gateDesc)
		var gatePaths []byte
		for j, g := range s.Gates {
			d := gates[j*gateDesc:]
			ref(d, g.Env)
			ref(d[8:], g.Value)
			le.PutUint32(d[gFirst:], uint32(len(gatePaths)/4))
			le.PutUint32(d[gNPaths:], uint32(len(g.Paths)))
			if g.Off {
				le.PutUint32(d[gFlags:], gateOff)
			}
			for _, id := range g.Paths {
				gatePaths = le.AppendUint32(gatePaths, id)
			}
		}
		words := len(s.Classes)*len(s.Counters) + len(s.Paths)
		slotSize := (sWords + 8*words + line - 1) / line * line
		co := uint64(tableHeader)
		ko := co + uint64(len(classes))
		po := ko + uint64(len(counters))
		gso := po + uint64(len(paths))
		gpo := gso + uint64(len(gates))
		so := gpo + uint64(len(gatePaths))
		slotsOff := (so + uint64(len(strs)) + line - 1) / line * line
		tsize := slotsOff + uint64(t.nslots*slotSize)
		le.PutUint32(hdr[tMagic:], tableMagic)
		le.PutUint32(hdr[tHeader:], tableHeader)
		le.PutUint64(hdr[tSize:], tsize)
		le.PutUint32(hdr[tPID:], t.pid)
		le.PutUint32(hdr[tPPID:], t.ppid)
		for k, v := range map[int]uint64{tNClasses: uint64(len(s.Classes)), tNCounters: uint64(len(s.Counters)),
			tNPaths: uint64(len(s.Paths)), tNGates: uint64(len(s.Gates)), tClassesOff: co, tCountersOff: ko,
			tPathsOff: po, tGatesOff: gso, tGatePathsOff: gpo, tNGatePaths: uint64(len(gatePaths) / 4), tStringsOff: so, tStringsLen: uint64(len(strs)), tSlotsOff: slotsOff,
			tSlotSize: uint64(slotSize), tNSlots: uint64(t.nslots), tLost: uint64(t.lost)} {
			le.PutUint32(hdr[k:], uint32(v))
		}
		tb := b[off:]
		copy(tb, hdr)
		copy(tb[co:], classes)
		copy(tb[ko:], counters)
		copy(tb[po:], paths)
		copy(tb[gso:], gates)
		copy(tb[gpo:], gatePaths)
		copy(tb[so:], strs)
		for j, ws := range t.slots {
			sl := tb[slotsOff+uint64(j*slotSize):]
			if j < len(t.live) && t.live[j] {
				le.PutUint32(sl[sState:], slotLive)
			}
			le.PutUint32(sl[sTID:], uint32(1000+j))
			for w, v := range ws {
				le.PutUint64(sl[sWords+8*w:], v)
			}
		}
		d := b[headerSize+i*dirEntry:]
		le.PutUint32(d[dState:], dirReady)
		le.PutUint32(d[dPID:], t.pid)
		le.PutUint64(d[dOff:], off)
		off += (tsize + line - 1) / line * line
	}
	le.PutUint32(b[hNTables:], uint32(len(tables)))
	le.PutUint64(b[hUsed:], off-dataOff)
	return b
}

// sampleTable is a table with 3 classes, 2 counters, 1 path and 1 gate,
// and two slots (one live) whose sums the tests know.
func sampleTable() testTable {
	return testTable{
		schema: Schema{
			Name:     "fake",
			Classes:  []Class{{"A", 1, 16}, {"B", 17, 64}, {"C", 65, 1 << 20}},
			Counters: []Counter{{"alloc_calls", "calls"}, {"alloc_fast", "fast"}},
			Paths:    []Path{{7, "pool v2 alloc"}},
			Gates:    []Gate{{"HAKMEM_POOL_V2_ENABLED", "1", []uint32{7}, false}, {"HAKMEM_OTHER", "0", []uint32{}, true}},
		},
		pid: 100, nslots: 4,
		slots: [][]uint64{{1, 2, 3, 4, 5, 6, 7}, {10, 20, 30, 40, 50, 60, 70}},
		live:  []bool{true, false},
	}
}
