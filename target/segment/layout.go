package segment

// layout.go owns the Go side of the segment's binary layout (format version
// 2); target/shim/c/haktop.h owns the C side, and target/shim's tests compile
// that header to check that the two agree, offset by offset.
//
// FORMAT (little-endian; every offset inside a table is relative to the
// table's start; "ref" is a u32 offset into the table's string area and a
// u32 length):
//
//	segment header, 128 bytes at offset 0:
//	  0 magic "HAKTOPSG"       8 version u32 (2)     12 header size u32 (128)
//	 16 file size u64         24 directory offset u32 28 directory entries u32
//	 32 data offset u64 (64-aligned, where table regions start)
//	 40 tables claimed u32    44 tables dropped u32 (no room)
//	 48 data bytes claimed u64 (a table that does not fit claims none)
//	 56 refresh request u32 (a futex word haktop bumps)   60 haktop's pid u32
//	directory entry, 16 bytes: state u32 (2 = ready), pid u32, table offset u64
//	table header, 128 bytes:
//	  0 magic u32 "HKTB"  4 header size u32 (128)  8 table size u64
//	 16 pid u32  20 parent pid u32 (a fork copy's parent, else 0)  24 name ref
//	 32 classes u32  36 counters u32  40 paths u32  44 gates u32
//	 48 classes offset  52 counters offset  56 paths offset  60 gates offset
//	 64 strings offset  68 strings length  72 slots offset (64-aligned)
//	 76 slot size (a multiple of 64)  80 slots  84 threads lost u32
//	 88 refresh answered u32 (the last request value a refresher served)
//	 92 gate paths offset u32  96 gate paths u32
//	class, 24 bytes: name ref, min u64, max u64 (request sizes, inclusive)
//	counter, 16 bytes: name ref, role u32 (index into Roles), 0 u32
//	path, 16 bytes: id u32, name ref, 0 u32
//	gate, 32 bytes: env ref, value ref, first guarded path u32 (an index
//	  into the gate paths), guarded paths u32, flags u32 (1: the value
//	  switches every guarded path off), 0 u32
//	gate path, 4 bytes: the id u32 of a path the table declares
//	slot (one per thread, single writer): state u32 (1 = live), thread id
//	  u32, then u64 words: the class x counter matrix row by row, then one
//	  word per path.

import (
	"strings"

	"github.com/haktop/haktop/target"
)

// EnvVar names the segment file in the environment of the process haktop
// starts.
const EnvVar = "HAKTOP_SEGMENT"

// Version is the format version this package writes and reads.
const Version = 2

// Roles are the counter roles by their number in the segment (haktop.h's
// enum haktop_role): the numbering is the segment's, the roles target's.
var Roles = []target.Role{target.RoleCalls, target.RoleFast, target.RoleRefill, target.RoleRefillFail,
	target.RoleFallback, target.RoleFree, target.RoleFreeFast, target.RoleRemote, target.RoleFreeFallback, target.RoleOther}

const (
	magic      = "HAKTOPSG"
	tableMagic = 0x42544b48 // "HKTB"
	line       = 64

	headerSize = 128
	hMagic     = 0
	hVersion   = 8
	hHeader    = 12
	hSize      = 16
	hDirOff    = 24
	hDirLen    = 28
	hDataOff   = 32
	hNTables   = 40
	hDropped   = 44
	hUsed      = 48
	hRequest   = 56
	hCreator   = 60

	dirEntry = 16
	dState   = 0
	dPID     = 4
	dOff     = 8
	dirReady = 2

	tableHeader   = 128
	tMagic        = 0
	tHeader       = 4
	tSize         = 8
	tPID          = 16
	tPPID         = 20
	tName         = 24
	tNClasses     = 32
	tNCounters    = 36
	tNPaths       = 40
	tNGates       = 44
	tClassesOff   = 48
	tCountersOff  = 52
	tPathsOff     = 56
	tGatesOff     = 60
	tStringsOff   = 64
	tStringsLen   = 68
	tSlotsOff     = 72
	tSlotSize     = 76
	tNSlots       = 80
	tLost         = 84
	tRefreshed    = 88
	tGatePathsOff = 92
	tNGatePaths   = 96

	classDesc = 24
	desc      = 16
	gateDesc  = 32
	gFirst    = 16
	gNPaths   = 20
	gFlags    = 24
	gateOff   = 1

	sState   = 0
	sTID     = 4
	sWords   = 8
	slotLive = 1
)

// Limits a reader accepts; anything larger is corrupt.
const (
	maxClasses  = 4096
	maxCounters = 256
	maxPaths    = 4096
	maxGates    = 1024
	maxSlots    = 1 << 16
	maxString   = 4096
	maxWords    = 1 << 20
)

// Offsets lists every layout constant by its haktop.h name, so a test can
// compare them with the C header's.
var Offsets = map[string]uint64{
	"HAKTOP_VERSION": Version, "HAKTOP_LINE": line,
	"HAKTOP_H_MAGIC": hMagic, "HAKTOP_H_VERSION": hVersion, "HAKTOP_H_HEADER_SIZE": hHeader,
	"HAKTOP_H_SIZE": hSize, "HAKTOP_H_DIR_OFF": hDirOff, "HAKTOP_H_DIR_LEN": hDirLen,
	"HAKTOP_H_DATA_OFF": hDataOff, "HAKTOP_H_NTABLES": hNTables, "HAKTOP_H_DROPPED": hDropped,
	"HAKTOP_H_USED": hUsed, "HAKTOP_H_REQUEST": hRequest, "HAKTOP_H_CREATOR": hCreator,
	"HAKTOP_HEADER_SIZE": headerSize,
	"HAKTOP_D_STATE":     dState, "HAKTOP_D_PID": dPID, "HAKTOP_D_OFF": dOff,
	"HAKTOP_DIR_ENTRY": dirEntry, "HAKTOP_DIR_READY": dirReady,
	"HAKTOP_T_MAGIC": tMagic, "HAKTOP_T_HEADER_SIZE": tHeader, "HAKTOP_T_SIZE": tSize,
	"HAKTOP_T_PID": tPID, "HAKTOP_T_PPID": tPPID, "HAKTOP_T_NAME_OFF": tName,
	"HAKTOP_T_NCLASSES": tNClasses, "HAKTOP_T_NCOUNTERS": tNCounters, "HAKTOP_T_NPATHS": tNPaths,
	"HAKTOP_T_NGATES": tNGates, "HAKTOP_T_CLASSES_OFF": tClassesOff, "HAKTOP_T_COUNTERS_OFF": tCountersOff,
	"HAKTOP_T_PATHS_OFF": tPathsOff, "HAKTOP_T_GATES_OFF": tGatesOff, "HAKTOP_T_STRINGS_OFF": tStringsOff,
	"HAKTOP_T_STRINGS_LEN": tStringsLen, "HAKTOP_T_SLOTS_OFF": tSlotsOff, "HAKTOP_T_SLOT_SIZE": tSlotSize,
	"HAKTOP_T_NSLOTS": tNSlots, "HAKTOP_T_LOST": tLost, "HAKTOP_T_REFRESHED": tRefreshed,
	"HAKTOP_TABLE_MAGIC": tableMagic, "HAKTOP_TABLE_HEADER": tableHeader,
	"HAKTOP_CLASS_DESC": classDesc, "HAKTOP_DESC": desc,
	"HAKTOP_T_GATE_PATHS_OFF": tGatePathsOff, "HAKTOP_T_NGATE_PATHS": tNGatePaths,
	"HAKTOP_GATE_DESC": gateDesc, "HAKTOP_G_FIRST": gFirst, "HAKTOP_G_NPATHS": gNPaths,
	"HAKTOP_G_FLAGS": gFlags, "HAKTOP_GATE_OFF": gateOff,
	"HAKTOP_S_STATE": sState, "HAKTOP_S_TID": sTID, "HAKTOP_S_WORDS": sWords, "HAKTOP_SLOT_LIVE": slotLive,
	"HAKTOP_NUM_ROLES": uint64(len(Roles)),
}

func init() {
	for i, r := range Roles {
		Offsets["HAKTOP_ROLE_"+strings.ToUpper(string(r))] = uint64(i)
	}
}
