/* haktop.h: an allocator (or haktop's preload shim) publishes its size
 * classes, per-class counters, code paths and env gates to haktop through a
 * shared-memory segment, and bumps each counter with one macro.
 *
 * Design. haktop creates the segment file, sizes it and names it in the
 * environment variable HAKTOP_SEGMENT; this header owns the C side of its
 * binary layout (target/segment/layout.go owns the Go side, and a test
 * compiles this header to check that both agree). A process maps the file
 * read-write, claims a table in it (a compare-and-swap on the bytes used,
 * an atomic add on the table count), writes the table's schema and
 * publishes it with a release store. Each thread claims one cache-line-padded slot of the table
 * with a compare-and-swap the first time it counts, and from then on counts
 * with a plain increment of its own slot through a thread-local pointer: no
 * lock and no atomic read-modify-write on the hot path. haktop sums the
 * slots. A thread that exits gives its slot back (its counts stay in it and
 * the next thread adds to them). Without a segment, before the table is
 * published, or when every slot is taken, a thread counts into a private
 * thread-local sink that nobody reads (slots lost are counted in the table).
 *
 * fork: the child gets its own tables (a copy of the parent's schema with
 * zeroed slots, tagged with the child's pid and the parent's), so the child
 * never writes the parent's slots. exec: the new image attaches anew, as
 * its own tables. haktop reads every table and knows each one's pid.
 *
 * Usage, in C11 with _GNU_SOURCE defined before the first #include (the
 * descriptors and HAKTOP_TABLE at file scope, the rest in functions):
 *   static const haktop_class_desc cls[] = {{"C0", 1, 8}, ...};
 *   static const haktop_counter_desc ctr[] = {{"alloc_calls", HAKTOP_ROLE_CALLS}, ...};
 *   static const haktop_path_desc paths[] = {{0, "tiny fast"}, ...};
 *   static const uint32_t v2_paths[] = {4, 5};       // ids of paths[] a gate guards
 *   haktop_gate_desc gates[] = {{"MY_V2", v, v2_paths, 2, !strcmp(v, "0")}};
 *   HAKTOP_TABLE(hk, 8, 4, 2);                       // classes, counters, paths
 *   HAKTOP_SLOTS(hk, 64);                            // optional: thread slots (256)
 *   HAKTOP_PUBLISH(hk, "my-allocator", cls, ctr, paths, gates, ngates);  // once, at init
 *   HAKTOP_COUNT(hk, class_index, counter_index);    // hot path
 *   HAKTOP_ADD(hk, class_index, counter_index, n);
 *   HAKTOP_PATH(hk, path_index);
 * A table with no paths passes 0 paths and NULL. A gate names its env
 * variable and the value in force, the ids (haktop_path_desc.id) of the
 * paths it guards (NULL and 0 when none), and off: nonzero when that value
 * switches every one of them off. haktop then says of each guarded path
 * whether it ran (OFF, ACTIVE, NEVER EXECUTED, ...). An id no path has makes
 * haktop reject the table. With -DHAKTOP_STATS=0 every macro compiles to
 * nothing and evaluates none of its arguments.
 */
#ifndef HAKTOP_H
#define HAKTOP_H

#include <stddef.h>
#include <stdint.h>

#ifndef HAKTOP_STATS
#define HAKTOP_STATS 1
#endif

/* Counter roles, in the order of the segment's role numbers. */
enum haktop_role {
	HAKTOP_ROLE_CALLS = 0,
	HAKTOP_ROLE_FAST,
	HAKTOP_ROLE_REFILL,
	HAKTOP_ROLE_REFILL_FAIL,
	HAKTOP_ROLE_FALLBACK,
	HAKTOP_ROLE_FREE,
	HAKTOP_ROLE_FREE_FAST,
	HAKTOP_ROLE_REMOTE,
	HAKTOP_ROLE_FREE_FALLBACK,
	HAKTOP_ROLE_OTHER,
	HAKTOP_NUM_ROLES
};

typedef struct { const char *name; uint64_t min, max; } haktop_class_desc;
typedef struct { const char *name; int role; } haktop_counter_desc;
typedef struct { uint32_t id; const char *name; } haktop_path_desc;
typedef struct {
	const char *env, *value; /* the env variable and the value in force */
	const uint32_t *paths;   /* ids of the paths it guards */
	uint32_t npaths;
	int off; /* nonzero: the value switches every guarded path off */
} haktop_gate_desc;

/* ---- The segment's binary layout, version 2 (little-endian, offsets in
 * bytes). Every offset inside a table is relative to the table's start. */
#define HAKTOP_ENV "HAKTOP_SEGMENT"
#define HAKTOP_MAGIC "HAKTOPSG"
#define HAKTOP_VERSION 2u
#define HAKTOP_LINE 64u

/* segment header */
#define HAKTOP_H_MAGIC 0        /* 8 bytes "HAKTOPSG" */
#define HAKTOP_H_VERSION 8      /* u32 */
#define HAKTOP_H_HEADER_SIZE 12 /* u32, 128 */
#define HAKTOP_H_SIZE 16        /* u64, the file's size */
#define HAKTOP_H_DIR_OFF 24     /* u32, the table directory's offset */
#define HAKTOP_H_DIR_LEN 28     /* u32, directory entries */
#define HAKTOP_H_DATA_OFF 32    /* u64, where table regions start (64-aligned) */
#define HAKTOP_H_NTABLES 40     /* u32 atomic, entries claimed (may pass DIR_LEN) */
#define HAKTOP_H_DROPPED 44     /* u32 atomic, tables that found no room */
#define HAKTOP_H_USED 48        /* u64 atomic, data bytes claimed */
#define HAKTOP_H_REQUEST 56     /* u32 futex word: the reader bumps it to ask for a refresh */
#define HAKTOP_H_CREATOR 60     /* u32, haktop's pid */
#define HAKTOP_HEADER_SIZE 128u

/* directory entry */
#define HAKTOP_D_STATE 0 /* u32: 0 empty, 1 being written, 2 ready */
#define HAKTOP_D_PID 4   /* u32 */
#define HAKTOP_D_OFF 8   /* u64, the table's offset in the segment */
#define HAKTOP_DIR_ENTRY 16u
#define HAKTOP_DIR_READY 2u

/* table header */
#define HAKTOP_T_MAGIC 0          /* u32 */
#define HAKTOP_T_HEADER_SIZE 4    /* u32, 128 */
#define HAKTOP_T_SIZE 8           /* u64, the table region's bytes */
#define HAKTOP_T_PID 16           /* u32 */
#define HAKTOP_T_PPID 20          /* u32, the parent's pid for a fork copy, else 0 */
#define HAKTOP_T_NAME_OFF 24      /* u32, in the string area */
#define HAKTOP_T_NAME_LEN 28      /* u32 */
#define HAKTOP_T_NCLASSES 32      /* u32 */
#define HAKTOP_T_NCOUNTERS 36     /* u32 */
#define HAKTOP_T_NPATHS 40        /* u32 */
#define HAKTOP_T_NGATES 44        /* u32 */
#define HAKTOP_T_CLASSES_OFF 48   /* u32, 24 bytes each: name off, len u32, min, max u64 */
#define HAKTOP_T_COUNTERS_OFF 52  /* u32, 16 bytes each: name off, len, role, 0 u32 */
#define HAKTOP_T_PATHS_OFF 56     /* u32, 16 bytes each: id, name off, len, 0 u32 */
#define HAKTOP_T_GATES_OFF 60     /* u32, 32 bytes each: env off, len, value off, len, first guarded
				   * path (an index into the gate paths), guarded paths, flags, 0 u32 */
#define HAKTOP_T_STRINGS_OFF 64   /* u32 */
#define HAKTOP_T_STRINGS_LEN 68   /* u32 */
#define HAKTOP_T_SLOTS_OFF 72     /* u32, 64-aligned */
#define HAKTOP_T_SLOT_SIZE 76     /* u32, a multiple of 64 */
#define HAKTOP_T_NSLOTS 80        /* u32 */
#define HAKTOP_T_LOST 84          /* u32 atomic, threads that found no free slot */
#define HAKTOP_T_REFRESHED 88     /* u32, the last REQUEST value a refresher answered */
#define HAKTOP_T_GATE_PATHS_OFF 92 /* u32, 4 bytes each: a guarded path's id */
#define HAKTOP_T_NGATE_PATHS 96   /* u32 */
#define HAKTOP_TABLE_MAGIC 0x42544b48u /* "HKTB" */
#define HAKTOP_TABLE_HEADER 128u
#define HAKTOP_CLASS_DESC 24u
#define HAKTOP_DESC 16u
#define HAKTOP_GATE_DESC 32u
#define HAKTOP_G_FIRST 16 /* in a gate descriptor */
#define HAKTOP_G_NPATHS 20
#define HAKTOP_G_FLAGS 24
#define HAKTOP_GATE_OFF 1u /* flag: the value switches the guarded paths off */

/* slot: u32 state (0 free, 1 live), u32 thread id, then u64 words: the
 * class x counter matrix row by row, then one word per path. */
#define HAKTOP_S_STATE 0
#define HAKTOP_S_TID 4
#define HAKTOP_S_WORDS 8
#define HAKTOP_SLOT_FREE 0u
#define HAKTOP_SLOT_LIVE 1u

#if HAKTOP_STATS

#if !defined(_GNU_SOURCE)
#error "haktop.h: define _GNU_SOURCE before the first #include (it needs mmap, syscall and sched_yield)"
#endif
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define HAKTOP__TLS_MODEL __attribute__((tls_model("initial-exec")))
#define HAKTOP__LIKELY(x) __builtin_expect(!!(x), 1)
#define HAKTOP__COLD __attribute__((noinline, cold, unused))
#else
#define HAKTOP__TLS_MODEL
#define HAKTOP__LIKELY(x) (x)
#define HAKTOP__COLD
#endif

enum { HAKTOP__UNPUBLISHED = 0, HAKTOP__PUBLISHED = 1, HAKTOP__DETACHED = 2 };

/* haktop_table is process-local bookkeeping for one table; the macros
 * define one per HAKTOP_TABLE. */
typedef struct haktop_table {
	uint32_t nclasses, ncounters, npaths, slot_bytes;
	void **(*tls)(void);   /* this thread's slot pointer */
	void *(*sink)(void);   /* this thread's private sink */
	void (*release)(void *);
	_Atomic int state;
	int follow_fork;       /* 0: a fork child counts into its sink */
	unsigned char *region; /* the table in the segment, when published */
	uint32_t nslots, slot_size, slots_off, dir_index;
	uint64_t region_size;
	pthread_key_t key;
	int key_ok;
	struct haktop_table *next; /* tables of this translation unit */
} haktop_table;

static inline uint32_t haktop__ld32(const unsigned char *p, size_t off) {
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}
static inline uint64_t haktop__ld64(const unsigned char *p, size_t off) {
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}
static inline void haktop__st32(unsigned char *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static inline void haktop__st64(unsigned char *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }
static inline _Atomic uint32_t *haktop__a32(unsigned char *p, size_t off) {
	return (_Atomic uint32_t *)(void *)(p + off);
}
static inline _Atomic uint64_t *haktop__a64(unsigned char *p, size_t off) {
	return (_Atomic uint64_t *)(void *)(p + off);
}

/* Process-wide state of this translation unit. */
static unsigned char *haktop__seg;
static uint64_t haktop__seg_size;
static _Atomic int haktop__seg_state; /* 0 untried, 1 trying, 2 mapped, 3 none */
static haktop_table *haktop__tables;
static pthread_mutex_t haktop__mu = PTHREAD_MUTEX_INITIALIZER;

/* haktop__attach maps the segment named in HAKTOP_SEGMENT once, and checks
 * the header haktop wrote. It makes no call that allocates. */
static inline unsigned char *haktop__attach(void) {
	int st = atomic_load_explicit(&haktop__seg_state, memory_order_acquire);
	if (st == 2)
		return haktop__seg;
	if (st == 3)
		return NULL;
	int expect = 0;
	if (!atomic_compare_exchange_strong(&haktop__seg_state, &expect, 1)) {
		while ((st = atomic_load_explicit(&haktop__seg_state, memory_order_acquire)) == 1)
			sched_yield();
		return st == 2 ? haktop__seg : NULL;
	}
	unsigned char *seg = NULL;
	const char *path = getenv(HAKTOP_ENV);
	int fd = path && *path ? open(path, O_RDWR | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size >= (off_t)HAKTOP_HEADER_SIZE) {
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			seg = m;
			uint64_t size = haktop__ld64(seg, HAKTOP_H_SIZE);
			uint64_t dir = haktop__ld32(seg, HAKTOP_H_DIR_OFF), n = haktop__ld32(seg, HAKTOP_H_DIR_LEN);
			uint64_t data = haktop__ld64(seg, HAKTOP_H_DATA_OFF);
			if (memcmp(seg, HAKTOP_MAGIC, 8) != 0 || haktop__ld32(seg, HAKTOP_H_VERSION) != HAKTOP_VERSION ||
			    size != (uint64_t)sb.st_size || dir < HAKTOP_HEADER_SIZE || dir % 8 != 0 ||
			    dir + n * HAKTOP_DIR_ENTRY > data || data % HAKTOP_LINE != 0 || data > size) {
				munmap(m, (size_t)sb.st_size);
				seg = NULL;
			} else {
				haktop__seg_size = size;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	haktop__seg = seg;
	atomic_store_explicit(&haktop__seg_state, seg ? 2 : 3, memory_order_release);
	return seg;
}

/* haktop__region claims size bytes of the data area (a compare-and-swap,
 * so a table too big for the room left takes none of it and a smaller one
 * still fits), then a directory entry. */
static inline unsigned char *haktop__region(unsigned char *seg, uint64_t size, uint32_t *index) {
	uint32_t n = haktop__ld32(seg, HAKTOP_H_DIR_LEN);
	uint64_t data = haktop__ld64(seg, HAKTOP_H_DATA_OFF), room = haktop__seg_size - data;
	_Atomic uint64_t *used = haktop__a64(seg, HAKTOP_H_USED);
	uint64_t off = atomic_load(used);
	do {
		if (off > room || size > room - off) {
			atomic_fetch_add(haktop__a32(seg, HAKTOP_H_DROPPED), 1);
			return NULL;
		}
	} while (!atomic_compare_exchange_weak(used, &off, off + size));
	uint32_t i = atomic_fetch_add(haktop__a32(seg, HAKTOP_H_NTABLES), 1);
	if (i >= n) {
		atomic_fetch_add(haktop__a32(seg, HAKTOP_H_DROPPED), 1);
		return NULL;
	}
	*index = i;
	return seg + data + off;
}

static inline void haktop__publish_dir(unsigned char *seg, uint32_t index, unsigned char *region) {
	unsigned char *d = seg + haktop__ld32(seg, HAKTOP_H_DIR_OFF) + (size_t)index * HAKTOP_DIR_ENTRY;
	haktop__st32(d, HAKTOP_D_PID, (uint32_t)getpid());
	haktop__st64(d, HAKTOP_D_OFF, (uint64_t)(region - seg));
	atomic_store_explicit(haktop__a32(d, HAKTOP_D_STATE), HAKTOP_DIR_READY, memory_order_release);
}

static inline size_t haktop__len(const char *s) { return s ? strlen(s) : 0; }

/* haktop__string appends s to the string area and stores its reference. */
static inline void haktop__string(unsigned char *t, uint32_t *cursor, size_t ref, const char *s) {
	size_t n = haktop__len(s);
	uint32_t base = haktop__ld32(t, HAKTOP_T_STRINGS_OFF);
	if (n)
		memcpy(t + base + *cursor, s, n);
	haktop__st32(t, ref, *cursor);
	haktop__st32(t, ref + 4, (uint32_t)n);
	*cursor += (uint32_t)n;
}

static inline void haktop__fork_child(void);

/* haktop__publish writes t's schema into a new table of the segment. It
 * allocates nothing through malloc, so haktop's preload shim can call it. */
static inline void haktop__publish(haktop_table *t, const char *name, const haktop_class_desc *cls,
				   const haktop_counter_desc *ctr, const haktop_path_desc *paths,
				   const haktop_gate_desc *gates, uint32_t ngates) {
	static int atfork_done;
	pthread_mutex_lock(&haktop__mu);
	if (atomic_load(&t->state) != HAKTOP__UNPUBLISHED) {
		pthread_mutex_unlock(&haktop__mu);
		return;
	}
	unsigned char *seg = haktop__attach();
	unsigned char *r = NULL;
	if (seg) {
		uint64_t strings = haktop__len(name);
		for (uint32_t i = 0; i < t->nclasses; i++)
			strings += haktop__len(cls[i].name);
		for (uint32_t i = 0; i < t->ncounters; i++)
			strings += haktop__len(ctr[i].name);
		for (uint32_t i = 0; i < t->npaths; i++)
			strings += haktop__len(paths[i].name);
		uint64_t ngate_paths = 0;
		for (uint32_t i = 0; i < ngates; i++) {
			strings += haktop__len(gates[i].env) + haktop__len(gates[i].value);
			ngate_paths += gates[i].paths ? gates[i].npaths : 0;
		}
		uint32_t classes_off = HAKTOP_TABLE_HEADER;
		uint32_t counters_off = classes_off + t->nclasses * HAKTOP_CLASS_DESC;
		uint32_t paths_off = counters_off + t->ncounters * HAKTOP_DESC;
		uint32_t gates_off = paths_off + t->npaths * HAKTOP_DESC;
		uint32_t gate_paths_off = gates_off + ngates * HAKTOP_GATE_DESC;
		uint64_t strings_off64 = gate_paths_off + ngate_paths * 4;
		uint32_t strings_off = (uint32_t)strings_off64;
		uint64_t slots_off = (strings_off + strings + HAKTOP_LINE - 1) / HAKTOP_LINE * HAKTOP_LINE;
		uint32_t slot_size = (t->slot_bytes + HAKTOP_LINE - 1) / HAKTOP_LINE * HAKTOP_LINE;
		uint32_t nslots = t->nslots ? t->nslots : 256;
		uint64_t size = slots_off + (uint64_t)nslots * slot_size;
		uint32_t index = 0;
		if (strings_off64 < UINT32_MAX && slots_off < UINT32_MAX && (r = haktop__region(seg, size, &index)) != NULL) {
			haktop__st32(r, HAKTOP_T_MAGIC, HAKTOP_TABLE_MAGIC);
			haktop__st32(r, HAKTOP_T_HEADER_SIZE, HAKTOP_TABLE_HEADER);
			haktop__st64(r, HAKTOP_T_SIZE, size);
			haktop__st32(r, HAKTOP_T_PID, (uint32_t)getpid());
			haktop__st32(r, HAKTOP_T_PPID, 0);
			haktop__st32(r, HAKTOP_T_NCLASSES, t->nclasses);
			haktop__st32(r, HAKTOP_T_NCOUNTERS, t->ncounters);
			haktop__st32(r, HAKTOP_T_NPATHS, t->npaths);
			haktop__st32(r, HAKTOP_T_NGATES, ngates);
			haktop__st32(r, HAKTOP_T_CLASSES_OFF, classes_off);
			haktop__st32(r, HAKTOP_T_COUNTERS_OFF, counters_off);
			haktop__st32(r, HAKTOP_T_PATHS_OFF, paths_off);
			haktop__st32(r, HAKTOP_T_GATES_OFF, gates_off);
			haktop__st32(r, HAKTOP_T_GATE_PATHS_OFF, gate_paths_off);
			haktop__st32(r, HAKTOP_T_NGATE_PATHS, (uint32_t)ngate_paths);
			haktop__st32(r, HAKTOP_T_STRINGS_OFF, strings_off);
			haktop__st32(r, HAKTOP_T_STRINGS_LEN, (uint32_t)strings);
			haktop__st32(r, HAKTOP_T_SLOTS_OFF, (uint32_t)slots_off);
			haktop__st32(r, HAKTOP_T_SLOT_SIZE, slot_size);
			haktop__st32(r, HAKTOP_T_NSLOTS, nslots);
			uint32_t cur = 0;
			haktop__string(r, &cur, HAKTOP_T_NAME_OFF, name);
			for (uint32_t i = 0; i < t->nclasses; i++) {
				unsigned char *d = r + classes_off + i * HAKTOP_CLASS_DESC;
				haktop__string(r, &cur, (size_t)(d - r), cls[i].name);
				haktop__st64(d, 8, cls[i].min);
				haktop__st64(d, 16, cls[i].max);
			}
			for (uint32_t i = 0; i < t->ncounters; i++) {
				unsigned char *d = r + counters_off + i * HAKTOP_DESC;
				haktop__string(r, &cur, (size_t)(d - r), ctr[i].name);
				haktop__st32(d, 8, (uint32_t)ctr[i].role);
			}
			for (uint32_t i = 0; i < t->npaths; i++) {
				unsigned char *d = r + paths_off + i * HAKTOP_DESC;
				haktop__st32(d, 0, paths[i].id);
				haktop__string(r, &cur, (size_t)(d - r) + 4, paths[i].name);
			}
			uint32_t first = 0;
			for (uint32_t i = 0; i < ngates; i++) {
				unsigned char *d = r + gates_off + i * HAKTOP_GATE_DESC;
				uint32_t np = gates[i].paths ? gates[i].npaths : 0;
				haktop__string(r, &cur, (size_t)(d - r), gates[i].env);
				haktop__string(r, &cur, (size_t)(d - r) + 8, gates[i].value);
				haktop__st32(d, HAKTOP_G_FIRST, first);
				haktop__st32(d, HAKTOP_G_NPATHS, np);
				haktop__st32(d, HAKTOP_G_FLAGS, gates[i].off ? HAKTOP_GATE_OFF : 0);
				for (uint32_t j = 0; j < np; j++)
					haktop__st32(r, gate_paths_off + (size_t)(first + j) * 4, gates[i].paths[j]);
				first += np;
			}
			t->region = r;
			t->region_size = size;
			t->nslots = nslots;
			t->slot_size = slot_size;
			t->slots_off = (uint32_t)slots_off;
			t->dir_index = index;
			t->key_ok = t->release && pthread_key_create(&t->key, t->release) == 0;
			haktop__publish_dir(seg, index, r);
		}
	}
	t->next = haktop__tables;
	haktop__tables = t;
	if (!atfork_done)
		atfork_done = pthread_atfork(NULL, NULL, haktop__fork_child) == 0;
	atomic_store_explicit(&t->state, r ? HAKTOP__PUBLISHED : HAKTOP__DETACHED, memory_order_release);
	pthread_mutex_unlock(&haktop__mu);
}

/* haktop__claim gives the calling thread a slot of t (one CAS on a free
 * slot's state), or its sink. It runs once per thread and table, out of
 * line, so the counting macros inline to a load, a test and an add. */
static HAKTOP__COLD void *haktop__claim(haktop_table *t) {
	int st = atomic_load_explicit(&t->state, memory_order_acquire);
	if (st == HAKTOP__UNPUBLISHED)
		return t->sink(); /* not cached: the next call tries again */
	void *s = NULL;
	if (st == HAKTOP__PUBLISHED) {
		for (uint32_t i = 0; i < t->nslots && !s; i++) {
			unsigned char *p = t->region + t->slots_off + (size_t)i * t->slot_size;
			uint32_t free_ = HAKTOP_SLOT_FREE;
			if (atomic_load_explicit(haktop__a32(p, HAKTOP_S_STATE), memory_order_relaxed) == HAKTOP_SLOT_FREE &&
			    atomic_compare_exchange_strong(haktop__a32(p, HAKTOP_S_STATE), &free_, HAKTOP_SLOT_LIVE)) {
				haktop__st32(p, HAKTOP_S_TID, (uint32_t)syscall(SYS_gettid));
				s = p;
			}
		}
		if (!s)
			atomic_fetch_add(haktop__a32(t->region, HAKTOP_T_LOST), 1);
	}
	if (!s)
		s = t->sink();
	*t->tls() = s;
	if (s != t->sink() && t->key_ok)
		pthread_setspecific(t->key, s);
	return s;
}

/* haktop__release returns an exiting thread's slot; its counts stay. */
static inline void haktop__release(haktop_table *t, void *s) {
	*t->tls() = NULL;
	if (s && s != t->sink())
		atomic_store_explicit(haktop__a32(s, HAKTOP_S_STATE), HAKTOP_SLOT_FREE, memory_order_release);
}

/* haktop__fork_child runs in a fork child, which has one thread: each
 * followed table is copied to a new table of the child's own, so nothing
 * the child counts lands in a slot of the parent's. */
static inline void haktop__fork_child(void) {
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	haktop__mu = fresh;
	for (haktop_table *t = haktop__tables; t; t = t->next) {
		if (t->key_ok)
			pthread_setspecific(t->key, NULL);
		*t->tls() = NULL;
		if (atomic_load(&t->state) != HAKTOP__PUBLISHED)
			continue;
		unsigned char *r = NULL;
		uint32_t index = 0;
		if (t->follow_fork)
			r = haktop__region(haktop__seg, t->region_size, &index);
		if (!r) {
			atomic_store(&t->state, HAKTOP__DETACHED);
			continue;
		}
		memcpy(r, t->region, t->slots_off);
		haktop__st32(r, HAKTOP_T_PPID, haktop__ld32(t->region, HAKTOP_T_PID));
		haktop__st32(r, HAKTOP_T_PID, (uint32_t)getpid());
		haktop__st32(r, HAKTOP_T_LOST, 0);
		haktop__st32(r, HAKTOP_T_REFRESHED, 0);
		t->region = r;
		t->dir_index = index;
		haktop__publish_dir(haktop__seg, index, r);
	}
}

/* HAKTOP_SECTION is the ELF section every table's name lands in: haktop
 * reads a program's (or a preloaded library's) section headers before it
 * starts it, and a program that publishes its own table needs no shim
 * that interposes its allocation calls. */
#define HAKTOP_SECTION ".haktop"

/* HAKTOP_TABLE defines table T with NC classes, NK counters per class and
 * NP paths, its slot type, thread-local slot pointer and sink, and marks
 * the object as one that publishes (HAKTOP_SECTION). */
#define HAKTOP_TABLE(T, NC, NK, NP)                                                                  \
	__attribute__((used, section(HAKTOP_SECTION))) static const char T##_haktop_mark[] = #T;     \
	typedef struct {                                                                             \
		uint32_t state, tid;                                                                 \
		uint64_t c[NC][NK];                                                                  \
		uint64_t p[(NP) + 1];                                                                \
	} T##_haktop_slot;                                                                           \
	static _Thread_local T##_haktop_slot *T##_haktop_tls HAKTOP__TLS_MODEL;                      \
	static _Thread_local T##_haktop_slot T##_haktop_sink HAKTOP__TLS_MODEL;                      \
	static void **T##_haktop_tlsp(void) { return (void **)&T##_haktop_tls; }                     \
	static void *T##_haktop_sinkp(void) { return &T##_haktop_sink; }                             \
	static void T##_haktop_release(void *s);                                                     \
	static haktop_table T = {(NC), (NK), (NP), (uint32_t)sizeof(T##_haktop_slot), T##_haktop_tlsp, \
				 T##_haktop_sinkp, T##_haktop_release, 0, 1, NULL, 0, 0, 0, 0, 0,           \
				 (pthread_key_t)0, 0, NULL};                                                 \
	static void T##_haktop_release(void *s) { haktop__release(&T, s); }                          \
	typedef int T##_haktop_defined

/* HAKTOP_SLOTS sets the number of thread slots of T before it is published. */
#define HAKTOP_SLOTS(T, N) ((void)((T).nslots = (N)))
#define HAKTOP_PUBLISH(T, NAME, CLASSES, COUNTERS, PATHS, GATES, NGATES) \
	haktop__publish(&(T), (NAME), (CLASSES), (COUNTERS), (PATHS), (GATES), (NGATES))
#define HAKTOP__SLOT(T) \
	(HAKTOP__LIKELY(T##_haktop_tls != NULL) ? T##_haktop_tls : (T##_haktop_slot *)haktop__claim(&(T)))
#define HAKTOP_COUNT(T, CLS, CTR) ((void)(HAKTOP__SLOT(T)->c[(CLS)][(CTR)]++))
#define HAKTOP_ADD(T, CLS, CTR, N) ((void)(HAKTOP__SLOT(T)->c[(CLS)][(CTR)] += (N)))
#define HAKTOP_PATH(T, PATH) ((void)(HAKTOP__SLOT(T)->p[(PATH)]++))

#else /* !HAKTOP_STATS: every macro compiles to nothing */

#define HAKTOP_TABLE(T, NC, NK, NP) typedef int T##_haktop_defined
#define HAKTOP_SLOTS(T, N) ((void)0)
#define HAKTOP_PUBLISH(T, NAME, CLASSES, COUNTERS, PATHS, GATES, NGATES) \
	((void)sizeof(CLASSES), (void)sizeof(COUNTERS), (void)sizeof(PATHS), (void)sizeof(GATES))
#define HAKTOP_COUNT(T, CLS, CTR) ((void)0)
#define HAKTOP_ADD(T, CLS, CTR, N) ((void)0)
#define HAKTOP_PATH(T, PATH) ((void)0)

#endif /* HAKTOP_STATS */
#endif /* HAKTOP_H */
