/* haktop_shim.c: haktop's LD_PRELOAD shim. It counts, per request-size
 * class, the calls, frees, bytes and failures of an unmodified program's
 * allocator, and, when the process has jemalloc's mallctl, publishes
 * jemalloc's own per-bin statistics, both through haktop's segment
 * (haktop.h).
 *
 * Design.
 * - Interposition: malloc, free, calloc, realloc, posix_memalign,
 *   aligned_alloc, memalign, valloc, pvalloc and malloc_usable_size each
 *   forward to the next definition (dlsym RTLD_NEXT: glibc, or the
 *   allocator preloaded after the shim); reallocarray to the next realloc.
 *   So do C++'s operator new and delete, every form (sized, aligned,
 *   nothrow), defined here by their mangled names: an allocator that
 *   defines them (jemalloc, tcmalloc, mimalloc) never calls malloc from
 *   them, so the shim's forms count them; libstdc++'s call malloc and
 *   free, which count them, so there the forms only forward. Which case a
 *   form is in is probed on its first calls (see "C++ operator new").
 * - Bootstrap: the first call resolves the next definitions. dlsym may
 *   allocate while doing so (glibc reports a missing symbol in a malloc'd
 *   buffer); those calls, on the resolving thread, get blocks from a static
 *   buffer, and free of such a block never reaches the real free. The first
 *   lookup is an optional symbol (mallctl), so with glibc the bootstrap
 *   path runs in every process (the error is allocated, then freed by
 *   dlerror); its counts are in the "haktop-shim" table.
 * - Counting: the table "requests" has haktop's classes C0..C7, P0..P6, L
 *   (allocator/sizeclasses.go; a test checks they agree). A call counts in
 *   the class of its request size; a free counts in the class of the
 *   block's malloc_usable_size. For every allocator whose size classes
 *   include haktop's class boundaries (jemalloc, tcmalloc, mimalloc) that is
 *   the request's class. glibc hands out 8 to 31 bytes more than asked
 *   (its chunk rounding, and a remainder too small to split stays with the
 *   block), so a glibc block asked for just below a class boundary may
 *   free in the next class up: per class glibc's frees are near, summed
 *   over classes they are exact. realloc
 *   counts a free of the old block and a call for the new size. The hot
 *   path is a plain increment of the thread's own slot (haktop.h).
 * - Speed: malloc and free test no resolve state (their next pointers
 *   start as bootstrap functions), find a class with one table load, and
 *   keep what is rare out of line. free finds the block's usable size the
 *   cheapest exact way, chosen once at start and checked there against
 *   the next malloc_usable_size: glibc's chunk header read directly when
 *   the next malloc is glibc's, tcmalloc's GetAllocatedSize called
 *   directly, else the next malloc_usable_size (jemalloc, mimalloc).
 * - Builds: the default counts; HAKTOP_SHIM_INTERPOSE=0 is the stats-only
 *   library (jemalloc's stats, nothing interposed), which haktop preloads
 *   when the counts shown are not the request classes; HAKTOP_SHIM_COUNT=0
 *   is the forward-only library, the benchmark's floor.
 * - The shim allocates nothing through the functions it interposes; what
 *   the C library allocates on the shim's behalf (pthread_create's thread
 *   descriptor, pthread_atfork's table) is not counted, by pointing the
 *   thread's slot at its sink meanwhile. Allocations made before the
 *   shim's constructor (ld.so's and libc's start-up) are not counted.
 * - fork: the child counts in tables of its own (haktop.h); the jemalloc
 *   table is not followed into a child (it has no refresher, and never
 *   writes the parent's jemalloc slot). exec: the new image loads the shim
 *   again and publishes its own tables. A vfork child runs on its parent's
 *   memory and thread until it execs, so what it would allocate (POSIX
 *   allows it nothing) counts as the parent's.
 * - jemalloc: a thread refreshes jemalloc's stats (the epoch mallctl) every
 *   250 ms, at once when haktop bumps the segment's request word (a futex)
 *   but never sooner than 100 ms after the last refresh (so sampling at
 *   100 Hz costs the program at most 10 refreshes a second), and once more
 *   at exit (haktop's Stop asks for one before it signals), and writes
 *   each bin's nrequests (calls), nrequests - nfills (fast: requests the
 *   thread cache served without a fill), nfills (refill), nflushes, nmalloc
 *   and ndalloc into the single slot of the table "jemalloc", one class per
 *   bin. The refresher, a thread named haktop-jemalloc, blocks all signals.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "haktop.h"

#define SHIM_TLS __attribute__((tls_model("initial-exec")))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define HOT __attribute__((hot))
#define COLD __attribute__((noinline, cold))
#define EXPORT __attribute__((visibility("default")))

/* HAKTOP_SHIM_INTERPOSE=0 builds the stats-only library: no allocation
 * function is interposed, so the program runs on its allocator at full
 * speed, and only jemalloc's own stats are published. */
#ifndef HAKTOP_SHIM_INTERPOSE
#define HAKTOP_SHIM_INTERPOSE 1
#endif

/* HAKTOP_SHIM_COUNT=0 builds the forward-only library, the floor the
 * shim's benchmark measures it against: malloc and free forward to the
 * next definition (a bootstrap block aside) and count nothing, so what
 * they cost is the interposition alone. */
#ifndef HAKTOP_SHIM_COUNT
#define HAKTOP_SHIM_COUNT 1
#endif

/* ---- the next definitions */
#if HAKTOP_SHIM_INTERPOSE
static size_t boot_usable(void *p);
#endif
static struct {
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*usable)(void *);
	int (*mallctl)(const char *, void *, size_t *, void *, size_t);
	int (*mallctlnametomib)(const char *, size_t *, size_t *);
	int (*mallctlbymib)(const size_t *, size_t, void *, size_t *, void *, size_t);
} next
#if HAKTOP_SHIM_INTERPOSE
	/* like next_malloc's (below): a free before anything was resolved */
	= {.usable = boot_usable}
#endif
;

#if HAKTOP_SHIM_INTERPOSE
/* ---- request classes: haktop's class table */
enum { NCLASSES = 16, LARGE = 15 };
enum { K_CALLS, K_FREES, K_BYTES, K_FAIL, NCOUNTERS };
static const haktop_class_desc classes[NCLASSES] = {
	{"C0", 0, 8},          {"C1", 9, 16},         {"C2", 17, 32},        {"C3", 33, 64},
	{"C4", 65, 128},       {"C5", 129, 256},      {"C6", 257, 512},      {"C7", 513, 1024},
	{"P0", 1025, 2048},    {"P1", 2049, 4096},    {"P2", 4097, 8192},    {"P3", 8193, 16384},
	{"P4", 16385, 32768},  {"P5", 32769, 49152},  {"P6", 49153, 65536},  {"L", 65537, UINT64_MAX},
};
static const haktop_counter_desc counters[NCOUNTERS] = {
	{"alloc_calls", HAKTOP_ROLE_CALLS},
	{"free_calls", HAKTOP_ROLE_FREE},
	{"alloc_bytes", HAKTOP_ROLE_OTHER},
	{"alloc_fail", HAKTOP_ROLE_OTHER},
};
HAKTOP_TABLE(req, NCLASSES, NCOUNTERS, 0);

/* class_row[(n + 7) >> 3], for n up to LUT_MAX, is the byte offset of n's
 * class row in a thread's slot (every class boundary below L is a multiple
 * of 8), so the hot path finds a class with one branch that is almost
 * never taken, a shift and a load; built from classes[] at resolve so no
 * boundary is typed twice. */
enum { ROW = NCOUNTERS * sizeof(uint64_t), LUT_MAX = 65536 };
#define ROW_AT(k) (offsetof(req_haktop_slot, c) + (k) * ROW)
static uint16_t class_row[LUT_MAX / 8 + 1];

static inline size_t row_of(size_t n) {
	if (UNLIKELY(n > LUT_MAX))
		return ROW_AT(LARGE);
	return class_row[(n + 7) >> 3];
}

static unsigned class_scan(uint64_t n) {
	unsigned k = 0;
	while (k < LARGE && classes[k].max < n)
		k++;
	return k;
}

/* ---- diagnostics: the bootstrap path's use */
enum { D_BOOT_ALLOCS, D_BOOT_FREES, D_BOOT_BYTES, NDIAG };
static const haktop_class_desc diag_classes[1] = {{"shim", 0, 0}};
static const haktop_counter_desc diag_counters[NDIAG] = {
	{"bootstrap_allocs", HAKTOP_ROLE_OTHER},
	{"bootstrap_frees", HAKTOP_ROLE_OTHER},
	{"bootstrap_bytes", HAKTOP_ROLE_OTHER},
};
HAKTOP_TABLE(diag, 1, NDIAG, 0);


static _Atomic int resolve_state; /* 0 not begun, 1 resolving, 2 resolved */

/* next_malloc and next_free start as functions that resolve the next
 * definitions first, so malloc and free test no state: they make one
 * indirect call (an acquire load is a plain move on x86). */
typedef void *malloc_fn(size_t);
typedef void free_fn(void *);
static void *boot_malloc(size_t n);
static void boot_free_first(void *p);
static malloc_fn *_Atomic next_malloc = boot_malloc;
static free_fn *_Atomic next_free = boot_free_first;
#define NEXT_MALLOC() atomic_load_explicit(&next_malloc, memory_order_acquire)
#define NEXT_FREE() atomic_load_explicit(&next_free, memory_order_acquire)
static _Thread_local int resolving SHIM_TLS;

/* ---- bootstrap buffer: blocks carry their size in the 16 bytes before */
static _Alignas(64) unsigned char boot_buf[64 << 10];
static _Atomic size_t boot_used;
static _Atomic uint64_t boot_allocs, boot_bytes;

static inline int is_boot(const void *p) {
	return (uintptr_t)p - (uintptr_t)boot_buf < sizeof boot_buf; /* one compare */
}

static __attribute__((noinline, cold)) void *boot_alloc(size_t n, size_t align) {
	if (align < 16)
		align = 16;
	size_t used = atomic_load(&boot_used), start, end;
	do {
		start = (used + 16 + align - 1) / align * align;
		end = start + n;
		if (n > sizeof boot_buf || end > sizeof boot_buf) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!atomic_compare_exchange_weak(&boot_used, &used, end));
	memcpy(boot_buf + start - 16, &n, sizeof n);
	/* The word before the block looks like no glibc chunk header: glibc's
	 * free path (glibc_index) sends the block to its rare path. */
	memset(boot_buf + start - sizeof(size_t), 0xff, sizeof(size_t));
	atomic_fetch_add(&boot_allocs, 1);
	atomic_fetch_add(&boot_bytes, n);
	return boot_buf + start;
}

static size_t boot_size(const void *p) {
	size_t n;
	memcpy(&n, (const unsigned char *)p - 16, sizeof n);
	return n;
}

static _Atomic uint64_t boot_frees; /* before the diag table is published */

static __attribute__((noinline, cold)) void boot_free(void) {
	if (atomic_load_explicit(&diag.state, memory_order_acquire) == HAKTOP__PUBLISHED)
		HAKTOP_COUNT(diag, 0, D_BOOT_FREES);
	else
		atomic_fetch_add(&boot_frees, 1);
}

static void die(const char *what) {
	static const char msg[] = "haktop shim: cannot find the next ";
	(void)!write(2, msg, sizeof msg - 1);
	(void)!write(2, what, strlen(what));
	(void)!write(2, "\n", 1);
	abort();
}

/* resolve finds the next definitions once; it returns 0 when the caller is
 * the resolving thread itself (inside dlsym) and must use the bootstrap
 * buffer. */
static __attribute__((noinline, cold)) int resolve(void) {
	int st = atomic_load_explicit(&resolve_state, memory_order_acquire);
	if (st == 2)
		return 1;
	if (resolving)
		return 0;
	int expect = 0;
	if (!atomic_compare_exchange_strong(&resolve_state, &expect, 1)) {
		while (atomic_load_explicit(&resolve_state, memory_order_acquire) != 2)
			sched_yield();
		return 1;
	}
	resolving = 1;
	/* What the resolving thread allocates meanwhile is not the program's. */
	req_haktop_slot *saved = req_haktop_tls;
	req_haktop_tls = &req_haktop_sink;
	/* An optional symbol first: when it is missing, dlsym allocates the
	 * error, and that goes to the bootstrap buffer. */
	next.mallctl = (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
	/* Take the error back, so the program's own dlerror() never sees it:
	 * the second call frees the message, a bootstrap block. */
	(void)dlerror();
	(void)dlerror();
#define NEXT(f, name)                                   \
	do {                                            \
		void *sym_ = dlsym(RTLD_NEXT, name);    \
		memcpy(&next.f, &sym_, sizeof sym_);    \
	} while (0)
	malloc_fn *m;
	free_fn *f;
	void *sym = dlsym(RTLD_NEXT, "malloc");
	memcpy(&m, &sym, sizeof sym);
	sym = dlsym(RTLD_NEXT, "free");
	memcpy(&f, &sym, sizeof f);
	NEXT(calloc, "calloc");
	NEXT(realloc, "realloc");
	NEXT(posix_memalign, "posix_memalign");
	NEXT(aligned_alloc, "aligned_alloc");
	NEXT(memalign, "memalign");
	NEXT(valloc, "valloc");
	NEXT(pvalloc, "pvalloc");
	NEXT(usable, "malloc_usable_size");
#undef NEXT
	if (!m || !f || !next.calloc || !next.realloc || !next.usable)
		die("malloc, free, calloc, realloc or malloc_usable_size");
	if (!next.posix_memalign || !next.memalign)
		die("posix_memalign or memalign");
	for (size_t i = 0; i < sizeof class_row / sizeof class_row[0]; i++)
		class_row[i] = (uint16_t)ROW_AT(class_scan(i * 8));
	atomic_store_explicit(&next_free, f, memory_order_release);
	atomic_store_explicit(&next_malloc, m, memory_order_release);
	req_haktop_tls = saved;
	resolving = 0;
	atomic_store_explicit(&resolve_state, 2, memory_order_release);
	return 1;
}

static COLD void *boot_malloc(size_t n) {
	if (!resolve())
		return boot_alloc(n, 16);
	return NEXT_MALLOC()(n);
}

/* boot_free_first frees a block before anything was resolved: none the
 * shim handed out (those are bootstrap blocks), so one the program got
 * elsewhere; inside the resolving dlsym it is left alone. */
static COLD void boot_free_first(void *p) {
	if (resolve())
		NEXT_FREE()(p);
}

static COLD size_t boot_usable(void *p) {
	if (!resolve() || next.usable == boot_usable)
		return 0;
	return next.usable(p);
}

/* ---- how free finds a block's class: the next malloc_usable_size, or a
 * cheaper exact way chosen once, at start, for the allocator found. */
enum { SIZE_CALL, SIZE_GLIBC_HEADER, SIZE_TCMALLOC };
static _Atomic int size_way;
static void *tc_instance;
static size_t (*tc_allocated)(void *, const void *);

/* glibc_usable is glibc's malloc_usable_size of an in-use block (musable):
 * the chunk's size word just before the block, less its flag bits (2:
 * mmapped), less the header words the block does not own. */
static inline size_t glibc_usable(const void *p) {
	size_t h;
	memcpy(&h, (const unsigned char *)p - sizeof h, sizeof h);
	return (h & ~(size_t)7) - sizeof h - (h & 2) * (sizeof h / 2);
}

static inline size_t size_by_call(void *p, int way) {
	if (way == SIZE_TCMALLOC)
		return tc_allocated(tc_instance, p);
	return next.usable(p);
}

/* glibc_row is row_of(glibc_usable(p)) in fewer steps: with a = h >> 3
 * and usable = 8a - 8 - 8 * mmapped, (usable + 7) >> 3 is a - 1 - mmapped. */
static inline size_t glibc_index(const void *p) {
	size_t h;
	memcpy(&h, (const unsigned char *)p - sizeof h, sizeof h);
	return (h >> 3) - 1 - ((h >> 1) & 1);
}

static inline size_t glibc_row(const void *p) {
	size_t i = glibc_index(p);
	if (UNLIKELY(i > LUT_MAX / 8))
		return ROW_AT(LARGE);
	return class_row[i];
}

static inline size_t block_size(void *p) {
	int way = atomic_load_explicit(&size_way, memory_order_acquire);
	if (LIKELY(way == SIZE_GLIBC_HEADER))
		return glibc_usable(p);
	return size_by_call(p, way);
}

/* agrees checks a way of finding sizes against the next
 * malloc_usable_size on blocks of every kind the allocator has (small,
 * page-sized, aligned, and, when big is not 0, one of big bytes); the
 * check allocates through the next functions directly, so it counts
 * nothing. */
static int agrees(size_t (*way)(void *), size_t big) {
	static const size_t sizes[] = {0, 1, 24, 25, 100, 1000, 1039, 5000, 70000};
	int ok = 1;
	for (size_t i = 0; i <= sizeof sizes / sizeof sizes[0] && ok; i++) {
		size_t n = i < sizeof sizes / sizeof sizes[0] ? sizes[i] : big;
		if (n == 0 && i != 0)
			break;
		void *p = NEXT_MALLOC()(n);
		if (p)
			ok = way(p) == next.usable(p);
		NEXT_FREE()(p);
	}
	for (size_t align = 64; align <= 8192 && ok; align *= 8) {
		void *p = next.memalign(align, 100);
		if (p)
			ok = way(p) == next.usable(p);
		NEXT_FREE()(p);
	}
	return ok;
}

static size_t glibc_way(void *p) {
	return glibc_row(p) == row_of(glibc_usable(p)) ? glibc_usable(p) : SIZE_MAX;
}
static size_t tc_way(void *p) { return tc_allocated(tc_instance, p); }

/* same_object reports whether a and b are in the same loaded object. */
static int same_object(const void *a, const void *b) {
	Dl_info ia, ib;
	return dladdr(a, &ia) && dladdr(b, &ib) && ia.dli_fbase == ib.dli_fbase;
}

/* choose_size_way runs once, in the constructor. glibc: when the next
 * malloc, free and malloc_usable_size are the C library's own (not an
 * allocator preloaded after the shim, nor glibc's malloc-debug library),
 * free reads the chunk header itself, which glibc's free reads next
 * anyway. tcmalloc: its malloc_usable_size is a call through
 * MallocExtension::instance() and a virtual call; when the instance is a
 * TCMallocImplementation (its vtable pointer says so exactly), free calls
 * that class's GetAllocatedSize directly. Either way only after agrees(). */
static void choose_size_way(void) {
	void *m, *f, *u;
	malloc_fn *nm = NEXT_MALLOC();
	free_fn *nf = NEXT_FREE();
	memcpy(&m, &nm, sizeof m);
	memcpy(&f, &nf, sizeof f);
	memcpy(&u, &next.usable, sizeof u);
#if defined(__x86_64__) || defined(__i386__)
	void *libc = dlsym(RTLD_DEFAULT, "gnu_get_libc_version");
	/* glibc's mmapped chunks: freeing one raises glibc's mmap threshold
	 * to its size, up to 4 Mi longs (32 MiB), so the check's is larger and
	 * leaves the threshold where the program's own frees put it. */
	size_t mmapped = (size_t)4 * 1024 * 1024 * sizeof(long) + ((size_t)1 << 20);
	if (libc && same_object(m, libc) && same_object(f, libc) && same_object(u, libc) && agrees(glibc_way, mmapped)) {
		atomic_store_explicit(&size_way, SIZE_GLIBC_HEADER, memory_order_release);
		return;
	}
#endif
	void *instance = dlsym(RTLD_DEFAULT, "_ZN15MallocExtension8instanceEv");
	void *vtable = dlsym(RTLD_DEFAULT, "_ZTV22TCMallocImplementation");
	void *get = dlsym(RTLD_DEFAULT, "_ZN22TCMallocImplementation16GetAllocatedSizeEPKv");
	if (instance && vtable && get && same_object(u, get)) {
		void *(*instance_fn)(void);
		memcpy(&instance_fn, &instance, sizeof instance);
		void *ext = instance_fn();
		void *vptr = NULL;
		if (ext)
			memcpy(&vptr, ext, sizeof vptr);
		/* the Itanium C++ ABI: an object's vtable pointer points two
		 * words into its class's vtable */
		if (vptr == (void **)vtable + 2) {
			tc_instance = ext;
			memcpy(&tc_allocated, &get, sizeof get);
			if (agrees(tc_way, 0))
				atomic_store_explicit(&size_way, SIZE_TCMALLOC, memory_order_release);
		}
	}
	(void)dlerror();
}

#define SLOT() HAKTOP__SLOT(req)

/* counter is counter k of the class row at byte offset row of slot s. */
static inline uint64_t *counter(req_haktop_slot *s, size_t row, int k) {
	return (uint64_t *)(void *)((unsigned char *)s + k * sizeof(uint64_t) + row);
}

static inline void count_alloc(void *p, size_t n) {
	req_haktop_slot *s = SLOT();
	size_t row = row_of(n);
	if (p) {
		++*counter(s, row, K_CALLS);
		*counter(s, row, K_BYTES) += n;
	} else {
		++*counter(s, row, K_FAIL);
	}
}

static inline void count_free(size_t usable) { ++*counter(SLOT(), row_of(usable), K_FREES); }

/* The hot path. malloc: one indirect call, then a thread-local load, two
 * tests, the class row and two adds; whatever is rare (a failure, a
 * thread's first call) is malloc_rare's. free: two tests, a thread-local
 * load, the block's size, the class row, one add, and a tail call; on
 * glibc the bootstrap test rides on the header's (see glibc_index). */
static COLD void *malloc_rare(void *p, size_t n) {
	count_alloc(p, n);
	return p;
}

EXPORT HOT void *malloc(size_t n) {
#if !HAKTOP_SHIM_COUNT
	return NEXT_MALLOC()(n);
#endif
	void *p = NEXT_MALLOC()(n);
	req_haktop_slot *s = req_haktop_tls;
	if (UNLIKELY(!p || !s))
		return malloc_rare(p, n);
	size_t row = row_of(n);
	++*counter(s, row, K_CALLS);
	*counter(s, row, K_BYTES) += n;
	return p;
}

static COLD void free_rare(void *p) {
	if (is_boot(p)) {
		boot_free();
		return;
	}
	count_free(block_size(p));
	NEXT_FREE()(p);
}

/* free_by_call is free for the allocators whose block size takes a call;
 * out of line, so that glibc's free, which reads the header inline, needs
 * no stack frame. */
static __attribute__((noinline)) HOT void free_by_call(void *p, int way) {
	req_haktop_slot *s = req_haktop_tls;
	if (UNLIKELY(is_boot(p) || !s)) {
		free_rare(p);
		return;
	}
	++*counter(s, row_of(size_by_call(p, way)), K_FREES);
	NEXT_FREE()(p);
}

EXPORT HOT void free(void *p) {
	if (UNLIKELY(!p))
		return;
#if !HAKTOP_SHIM_COUNT
	if (UNLIKELY(is_boot(p))) {
		boot_free();
		return;
	}
	NEXT_FREE()(p);
	return;
#endif
	int way = atomic_load_explicit(&size_way, memory_order_acquire);
	if (way != SIZE_GLIBC_HEADER) {
		free_by_call(p, way);
		return;
	}
	req_haktop_slot *s = req_haktop_tls;
	size_t i = glibc_index(p);
	/* rare: a thread's first count, a block above the table (L), or a
	 * bootstrap block (its header word makes i huge) */
	if (UNLIKELY(!s || i > LUT_MAX / 8)) {
		free_rare(p);
		return;
	}
	++*counter(s, class_row[i], K_FREES);
	NEXT_FREE()(p);
}

EXPORT void *calloc(size_t n, size_t m) {
	size_t size;
	int over = __builtin_mul_overflow(n, m, &size);
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2) && !resolve()) {
		if (over) {
			errno = ENOMEM;
			return NULL;
		}
		return boot_alloc(size, 16); /* the buffer is zero and never reused */
	}
	void *p = next.calloc(n, m);
	count_alloc(p, over ? SIZE_MAX : size);
	return p;
}

/* resize is realloc and reallocarray. reallocarray is the checked
 * multiply and the next realloc, never the next reallocarray: glibc's
 * calls realloc, which is the shim's, and would count twice. */
static void *resize(void *p, size_t n, size_t m) {
	size_t size;
	int over = __builtin_mul_overflow(n, m, &size);
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2) && !resolve()) {
		void *q = over ? NULL : boot_alloc(size, 16);
		if (q && p)
			memcpy(q, p, is_boot(p) && boot_size(p) < size ? boot_size(p) : size);
		return q;
	}
	if (UNLIKELY(p && is_boot(p))) {
		if (over) {
			errno = ENOMEM;
			return NULL;
		}
		void *q = malloc(size);
		if (q)
			memcpy(q, p, boot_size(p) < size ? boot_size(p) : size);
		return q;
	}
	if (over) {
		errno = ENOMEM;
		count_alloc(NULL, SIZE_MAX);
		return NULL;
	}
	if (!p) {
		void *q = next.realloc(NULL, size);
		count_alloc(q, size);
		return q;
	}
	size_t u = block_size(p);
	void *q = next.realloc(p, size);
	if (q || size == 0)
		count_free(u); /* realloc(p, 0) may free p and return NULL */
	if (q || size != 0)
		count_alloc(q, size);
	return q;
}

EXPORT void *realloc(void *p, size_t n) { return resize(p, n, 1); }
EXPORT void *reallocarray(void *p, size_t n, size_t m) { return resize(p, n, m); }

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2) && !resolve()) {
		*out = boot_alloc(n, align);
		return *out ? 0 : ENOMEM;
	}
	int r = next.posix_memalign(out, align, n);
	count_alloc(r == 0 ? *out : NULL, n);
	return r;
}

static void *aligned(void *(*f)(size_t, size_t), size_t align, size_t n) {
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2) && !resolve())
		return boot_alloc(n, align);
	void *p = (f ? f : next.memalign)(align, n);
	count_alloc(p, n);
	return p;
}

EXPORT void *aligned_alloc(size_t align, size_t n) { return aligned(next.aligned_alloc, align, n); }
EXPORT void *memalign(size_t align, size_t n) { return aligned(next.memalign, align, n); }

EXPORT void *valloc(size_t n) {
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2) && !resolve())
		return boot_alloc(n, 4096);
	void *p = next.valloc ? next.valloc(n) : next.memalign((size_t)sysconf(_SC_PAGESIZE), n);
	count_alloc(p, n);
	return p;
}

EXPORT void *pvalloc(size_t n) {
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2) && !resolve())
		return boot_alloc((n + page - 1) / page * page, page);
	void *p = next.pvalloc ? next.pvalloc(n) : next.memalign(page, (n + page - 1) / page * page);
	count_alloc(p, n);
	return p;
}

EXPORT size_t malloc_usable_size(void *p) {
	if (!p)
		return 0;
	if (is_boot(p))
		return boot_size(p);
	if (UNLIKELY(atomic_load_explicit(&resolve_state, memory_order_acquire) != 2))
		resolve();
	return next.usable(p);
}

/* ---- C++ operator new and delete. The shim defines every form (by its
 * mangled name). Each forwards to the next definition, and counts as
 * malloc and free do when that definition is the allocator's own
 * (libjemalloc, libtcmalloc and libmimalloc define operator new without
 * calling malloc); libstdc++'s calls malloc (or aligned_alloc) and free,
 * which count it, so there the forms only forward. Which case a form is in
 * is probed on its first calls: a call that reaches none of the shim's
 * allocation functions (the thread's counts did not move) makes the form
 * count itself; two calls that did make it forward only. A form with no
 * next definition is malloc and free (a throwing one aborts when out of
 * memory: C cannot throw). A throwing form that throws is not counted. A
 * sized delete counts in the class of the block's usable size, as free. */
typedef void (*cxx_fn)(void);
enum { CXX_PROBE, CXX_SELF, CXX_THROUGH };
/* The shapes of the forms' parameters after the first. */
enum { S_NONE, S_NOTHROW, S_ALIGN, S_ALIGN_NOTHROW, S_SIZE, S_SIZE_ALIGN };
#define CXX_FORMS(X)                                                                \
	X(NEW, "_Znwm", S_NONE)                                                   \
	X(NEW_ARR, "_Znam", S_NONE)                                               \
	X(NEW_NT, "_ZnwmRKSt9nothrow_t", S_NOTHROW)                               \
	X(NEW_ARR_NT, "_ZnamRKSt9nothrow_t", S_NOTHROW)                           \
	X(NEW_AL, "_ZnwmSt11align_val_t", S_ALIGN)                                \
	X(NEW_ARR_AL, "_ZnamSt11align_val_t", S_ALIGN)                            \
	X(NEW_AL_NT, "_ZnwmSt11align_val_tRKSt9nothrow_t", S_ALIGN_NOTHROW)       \
	X(NEW_ARR_AL_NT, "_ZnamSt11align_val_tRKSt9nothrow_t", S_ALIGN_NOTHROW)   \
	X(DEL, "_ZdlPv", S_NONE)                                                  \
	X(DEL_ARR, "_ZdaPv", S_NONE)                                              \
	X(DEL_SZ, "_ZdlPvm", S_SIZE)                                              \
	X(DEL_ARR_SZ, "_ZdaPvm", S_SIZE)                                          \
	X(DEL_NT, "_ZdlPvRKSt9nothrow_t", S_NOTHROW)                              \
	X(DEL_ARR_NT, "_ZdaPvRKSt9nothrow_t", S_NOTHROW)                          \
	X(DEL_AL, "_ZdlPvSt11align_val_t", S_ALIGN)                               \
	X(DEL_ARR_AL, "_ZdaPvSt11align_val_t", S_ALIGN)                           \
	X(DEL_SZ_AL, "_ZdlPvmSt11align_val_t", S_SIZE_ALIGN)                      \
	X(DEL_ARR_SZ_AL, "_ZdaPvmSt11align_val_t", S_SIZE_ALIGN)                  \
	X(DEL_AL_NT, "_ZdlPvSt11align_val_tRKSt9nothrow_t", S_ALIGN_NOTHROW)      \
	X(DEL_ARR_AL_NT, "_ZdaPvSt11align_val_tRKSt9nothrow_t", S_ALIGN_NOTHROW)
#define CXX_INDEX(id, name, shape) CXX_##id,
enum { CXX_FORMS(CXX_INDEX) NCXX };
static struct {
	const char *name;
	int shape;
	cxx_fn _Atomic fn;
	_Atomic int looked_up, mode, through;
} cxx[NCXX] = {
#define CXX_ENTRY(id, name, shape) [CXX_##id] = {name, shape, NULL, 0, 0, 0},
	CXX_FORMS(CXX_ENTRY)};

/* cxx_next is form i's next definition, or NULL when there is none. */
static inline cxx_fn cxx_next(int i) {
	if (LIKELY(atomic_load_explicit(&cxx[i].looked_up, memory_order_acquire)))
		return atomic_load_explicit(&cxx[i].fn, memory_order_relaxed);
	req_haktop_slot *saved = req_haktop_tls;
	req_haktop_tls = &req_haktop_sink; /* dlsym's own allocations */
	void *sym = dlsym(RTLD_NEXT, cxx[i].name);
	(void)dlerror();
	req_haktop_tls = saved;
	cxx_fn f;
	memcpy(&f, &sym, sizeof f);
	atomic_store_explicit(&cxx[i].fn, f, memory_order_relaxed);
	atomic_store_explicit(&cxx[i].looked_up, 1, memory_order_release);
	return f;
}

static inline void *call_new(int i, cxx_fn f, size_t n, size_t al, const void *nt) {
	switch (cxx[i].shape) {
	case S_NOTHROW:
		return ((void *(*)(size_t, const void *))f)(n, nt);
	case S_ALIGN:
		return ((void *(*)(size_t, size_t))f)(n, al);
	case S_ALIGN_NOTHROW:
		return ((void *(*)(size_t, size_t, const void *))f)(n, al, nt);
	default:
		return ((void *(*)(size_t))f)(n);
	}
}

static inline void call_delete(int i, cxx_fn f, void *p, size_t n, size_t al, const void *nt) {
	switch (cxx[i].shape) {
	case S_SIZE:
		((void (*)(void *, size_t))f)(p, n);
		break;
	case S_NOTHROW:
		((void (*)(void *, const void *))f)(p, nt);
		break;
	case S_ALIGN:
		((void (*)(void *, size_t))f)(p, al);
		break;
	case S_SIZE_ALIGN:
		((void (*)(void *, size_t, size_t))f)(p, n, al);
		break;
	case S_ALIGN_NOTHROW:
		((void (*)(void *, size_t, const void *))f)(p, al, nt);
		break;
	default:
		((void (*)(void *))f)(p);
	}
}

/* moved sums counters k1 and k2 over the classes of slot s. */
static uint64_t moved(req_haktop_slot *s, int k1, int k2) {
	uint64_t v = 0;
	for (unsigned c = 0; c < NCLASSES; c++)
		v += s->c[c][k1] + s->c[c][k2];
	return v;
}

/* decide records what one probed call of form i showed. */
static void decide(int i, int reached) {
	if (!reached)
		atomic_store_explicit(&cxx[i].mode, CXX_SELF, memory_order_relaxed);
	else if (atomic_fetch_add_explicit(&cxx[i].through, 1, memory_order_relaxed) + 1 >= 2)
		atomic_store_explicit(&cxx[i].mode, CXX_THROUGH, memory_order_relaxed);
}

static COLD void *new_probe(int i, cxx_fn f, size_t n, size_t al, const void *nt) {
	req_haktop_slot *s = SLOT();
	uint64_t before = moved(s, K_CALLS, K_FAIL);
	void *p = call_new(i, f, n, al, nt);
	if (SLOT() == s) {
		int reached = moved(s, K_CALLS, K_FAIL) != before;
		decide(i, reached);
		if (!reached)
			count_alloc(p, n);
	}
	return p;
}

static COLD void *new_fallback(size_t n, size_t al, int throws) {
	void *p = NULL;
	if (al) {
		if (posix_memalign(&p, al, n) != 0)
			p = NULL;
	} else {
		p = malloc(n);
	}
	if (!p && throws) {
		static const char msg[] = "haktop shim: operator new: out of memory (no C++ library to throw std::bad_alloc)\n";
		(void)!write(2, msg, sizeof msg - 1);
		abort();
	}
	return p;
}

static inline void *new_form(int i, size_t n, size_t al, const void *nt) {
	cxx_fn f = cxx_next(i);
	if (UNLIKELY(!f))
		return new_fallback(n, al, nt == NULL);
	int mode = atomic_load_explicit(&cxx[i].mode, memory_order_relaxed);
	if (LIKELY(mode == CXX_THROUGH))
		return call_new(i, f, n, al, nt);
	if (mode == CXX_SELF) {
		void *p = call_new(i, f, n, al, nt);
		count_alloc(p, n);
		return p;
	}
	return new_probe(i, f, n, al, nt);
}

static COLD void delete_probe(int i, cxx_fn f, void *p, size_t n, size_t al, const void *nt) {
	req_haktop_slot *s = SLOT();
	size_t u = block_size(p);
	uint64_t before = moved(s, K_FREES, K_FREES);
	call_delete(i, f, p, n, al, nt);
	if (SLOT() == s) {
		int reached = moved(s, K_FREES, K_FREES) != before;
		decide(i, reached);
		if (!reached)
			count_free(u);
	}
}

static inline void delete_form(int i, void *p, size_t n, size_t al, const void *nt) {
	cxx_fn f = cxx_next(i);
	if (UNLIKELY(!f)) {
		free(p);
		return;
	}
	if (UNLIKELY(p && is_boot(p))) {
		free(p);
		return;
	}
	int mode = atomic_load_explicit(&cxx[i].mode, memory_order_relaxed);
	if (LIKELY(mode == CXX_THROUGH) || !p) {
		call_delete(i, f, p, n, al, nt);
		return;
	}
	if (mode == CXX_SELF) {
		count_free(block_size(p));
		call_delete(i, f, p, n, al, nt);
		return;
	}
	delete_probe(i, f, p, n, al, nt);
}

/* The forms, by their mangled names (align_val_t is a size_t, a nothrow_t
 * reference a pointer). */
#define CXX_NEW(fn, sym, id, al, nt, ...)                   \
	EXPORT void *fn(__VA_ARGS__) __asm__(sym);          \
	void *fn(__VA_ARGS__) { return new_form(CXX_##id, n, al, nt); }
#define CXX_DELETE(fn, sym, id, n, al, nt, ...)             \
	EXPORT void fn(__VA_ARGS__) __asm__(sym);           \
	void fn(__VA_ARGS__) { delete_form(CXX_##id, p, n, al, nt); }
CXX_NEW(cxx_new, "_Znwm", NEW, 0, NULL, size_t n)
CXX_NEW(cxx_new_arr, "_Znam", NEW_ARR, 0, NULL, size_t n)
CXX_NEW(cxx_new_nt, "_ZnwmRKSt9nothrow_t", NEW_NT, 0, nt, size_t n, const void *nt)
CXX_NEW(cxx_new_arr_nt, "_ZnamRKSt9nothrow_t", NEW_ARR_NT, 0, nt, size_t n, const void *nt)
CXX_NEW(cxx_new_al, "_ZnwmSt11align_val_t", NEW_AL, al, NULL, size_t n, size_t al)
CXX_NEW(cxx_new_arr_al, "_ZnamSt11align_val_t", NEW_ARR_AL, al, NULL, size_t n, size_t al)
CXX_NEW(cxx_new_al_nt, "_ZnwmSt11align_val_tRKSt9nothrow_t", NEW_AL_NT, al, nt, size_t n, size_t al, const void *nt)
CXX_NEW(cxx_new_arr_al_nt, "_ZnamSt11align_val_tRKSt9nothrow_t", NEW_ARR_AL_NT, al, nt, size_t n, size_t al, const void *nt)
CXX_DELETE(cxx_delete, "_ZdlPv", DEL, 0, 0, NULL, void *p)
CXX_DELETE(cxx_delete_arr, "_ZdaPv", DEL_ARR, 0, 0, NULL, void *p)
CXX_DELETE(cxx_delete_sz, "_ZdlPvm", DEL_SZ, n, 0, NULL, void *p, size_t n)
CXX_DELETE(cxx_delete_arr_sz, "_ZdaPvm", DEL_ARR_SZ, n, 0, NULL, void *p, size_t n)
CXX_DELETE(cxx_delete_nt, "_ZdlPvRKSt9nothrow_t", DEL_NT, 0, 0, nt, void *p, const void *nt)
CXX_DELETE(cxx_delete_arr_nt, "_ZdaPvRKSt9nothrow_t", DEL_ARR_NT, 0, 0, nt, void *p, const void *nt)
CXX_DELETE(cxx_delete_al, "_ZdlPvSt11align_val_t", DEL_AL, 0, al, NULL, void *p, size_t al)
CXX_DELETE(cxx_delete_arr_al, "_ZdaPvSt11align_val_t", DEL_ARR_AL, 0, al, NULL, void *p, size_t al)
CXX_DELETE(cxx_delete_sz_al, "_ZdlPvmSt11align_val_t", DEL_SZ_AL, n, al, NULL, void *p, size_t n, size_t al)
CXX_DELETE(cxx_delete_arr_sz_al, "_ZdaPvmSt11align_val_t", DEL_ARR_SZ_AL, n, al, NULL, void *p, size_t n, size_t al)
CXX_DELETE(cxx_delete_al_nt, "_ZdlPvSt11align_val_tRKSt9nothrow_t", DEL_AL_NT, 0, al, nt, void *p, size_t al, const void *nt)
CXX_DELETE(cxx_delete_arr_al_nt, "_ZdaPvSt11align_val_tRKSt9nothrow_t", DEL_ARR_AL_NT, 0, al, nt, void *p, size_t al, const void *nt)

#endif /* HAKTOP_SHIM_INTERPOSE */

/* ---- jemalloc's per-bin statistics */
enum { JM_MAX_BINS = 64 };
enum { J_REQUESTS, J_FAST, J_FILLS, J_FLUSHES, J_NMALLOC, J_NDALLOC, JM_NCOUNTERS };
static const haktop_counter_desc jm_counters[JM_NCOUNTERS] = {
	{"nrequests", HAKTOP_ROLE_CALLS}, {"fast", HAKTOP_ROLE_FAST},       {"nfills", HAKTOP_ROLE_REFILL},
	{"nflushes", HAKTOP_ROLE_OTHER},  {"nmalloc", HAKTOP_ROLE_OTHER},   {"ndalloc", HAKTOP_ROLE_OTHER},
};
HAKTOP_TABLE(jm, JM_MAX_BINS, JM_NCOUNTERS, 0);
static haktop_class_desc jm_classes[JM_MAX_BINS];
static char jm_names[JM_MAX_BINS][24];
static unsigned jm_nbins;
static jm_haktop_slot *jm_slot;
static pthread_mutex_t jm_mu = PTHREAD_MUTEX_INITIALIZER;
/* mibs of stats.arenas.<all>.bins.<j>.{nrequests,nfills,nflushes,nmalloc,ndalloc} */
static size_t jm_mib[5][6], jm_miblen[5];
static const char *const jm_stat[5] = {"nrequests", "nfills", "nflushes", "nmalloc", "ndalloc"};

static void utoa(char *dst, unsigned long v) {
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*dst++ = tmp[--n];
	*dst = 0;
}

static void jm_refresh(void) {
	pthread_mutex_lock(&jm_mu);
	uint64_t epoch = 1;
	size_t sz = sizeof epoch;
	if (jm_slot && next.mallctl("epoch", &epoch, &sz, &epoch, sz) == 0) {
		for (unsigned j = 0; j < jm_nbins; j++) {
			uint64_t v[5] = {0};
			for (int k = 0; k < 5; k++) {
				size_t mib[6], len = jm_miblen[k];
				memcpy(mib, jm_mib[k], sizeof mib);
				mib[4] = j;
				sz = sizeof v[k];
				if (next.mallctlbymib(mib, len, &v[k], &sz, NULL, 0) != 0)
					v[k] = 0;
			}
			jm_slot->c[j][J_REQUESTS] = v[0];
			jm_slot->c[j][J_FAST] = v[0] > v[1] ? v[0] - v[1] : 0;
			jm_slot->c[j][J_FILLS] = v[1];
			jm_slot->c[j][J_FLUSHES] = v[2];
			jm_slot->c[j][J_NMALLOC] = v[3];
			jm_slot->c[j][J_NDALLOC] = v[4];
		}
	}
	pthread_mutex_unlock(&jm_mu);
}

/* The refresher refreshes every JM_PERIOD_NS, at once on a request, and
 * never sooner than JM_GAP_NS after its last refresh. */
enum { JM_PERIOD_NS = 250 * 1000 * 1000, JM_GAP_NS = 100 * 1000 * 1000 };
#define JM_THREAD "haktop-jemalloc" /* the refresher's thread name */

static void *jm_refresher(void *arg) {
	(void)arg;
#if HAKTOP_SHIM_INTERPOSE
	req_haktop_tls = &req_haktop_sink; /* what mallctl allocates is jemalloc's, not the program's */
#endif
	unsigned char *seg = haktop__seg;
	_Atomic uint32_t *request = haktop__a32(seg, HAKTOP_H_REQUEST);
	for (;;) {
		uint32_t r = atomic_load(request);
		jm_refresh();
		atomic_store(haktop__a32(jm.region, HAKTOP_T_REFRESHED), r);
		struct timespec last, now;
		clock_gettime(CLOCK_MONOTONIC, &last);
		struct timespec ts = {0, JM_PERIOD_NS};
		syscall(SYS_futex, (void *)request, FUTEX_WAIT, r, &ts, NULL, 0);
		/* A request sooner than JM_GAP_NS after the last refresh waits
		 * for the rest of the gap: sampled often, the refresh (some 50
		 * microseconds of mallctl and jemalloc's stats locks) costs the
		 * program at most JM_GAP_NS's share. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t gone = (int64_t)(now.tv_sec - last.tv_sec) * 1000000000 + (now.tv_nsec - last.tv_nsec);
		if (gone >= 0 && gone < JM_GAP_NS) {
			struct timespec rest = {0, (long)(JM_GAP_NS - gone)};
			while (nanosleep(&rest, &rest) != 0 && errno == EINTR)
				;
		}
	}
	return NULL;
}

/* jm_fork_child: a fork child has no refresher, and the jemalloc slot is
 * the parent's: the child neither writes it nor waits on jm_mu, which the
 * parent's refresher may have held at the fork. */
static void jm_fork_child(void) {
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	jm_mu = fresh;
	jm_slot = NULL;
}

/* jm_start describes jemalloc's bins as a table and starts the refresher. */
static void jm_start(void) {
	unsigned nbins = 0;
	size_t sz = sizeof nbins;
	if (next.mallctl("arenas.nbins", &nbins, &sz, NULL, 0) != 0 || nbins == 0)
		return;
	if (nbins > JM_MAX_BINS)
		nbins = JM_MAX_BINS;
	next.mallctlnametomib = (int (*)(const char *, size_t *, size_t *))dlsym(RTLD_DEFAULT, "mallctlnametomib");
	next.mallctlbymib = (int (*)(const size_t *, size_t, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctlbymib");
	if (!next.mallctlnametomib || !next.mallctlbymib)
		return;
	for (int k = 0; k < 5; k++) {
		char name[64] = "stats.arenas.0.bins.0.";
		strcat(name, jm_stat[k]);
		jm_miblen[k] = 6;
		if (next.mallctlnametomib(name, jm_mib[k], &jm_miblen[k]) != 0 || jm_miblen[k] != 6)
			return;
		jm_mib[k][2] = 4096; /* MALLCTL_ARENAS_ALL: merged over arenas */
	}
	uint64_t prev = 0;
	for (unsigned j = 0; j < nbins; j++) {
		char name[48] = "arenas.bin.";
		utoa(name + strlen(name), j);
		strcat(name, ".size");
		size_t size = 0;
		sz = sizeof size;
		if (next.mallctl(name, &size, &sz, NULL, 0) != 0)
			return;
		utoa(jm_names[j], size);
		jm_classes[j] = (haktop_class_desc){jm_names[j], prev + 1, size};
		prev = size;
	}
	jm_nbins = nbins;
	jm.nclasses = nbins;
	jm.follow_fork = 0;
	HAKTOP_SLOTS(jm, 1);
	HAKTOP_PUBLISH(jm, "jemalloc", jm_classes, jm_counters, NULL, NULL, 0);
	if (atomic_load(&jm.state) != HAKTOP__PUBLISHED)
		return;
	jm_slot = (jm_haktop_slot *)haktop__claim(&jm);
	if (pthread_atfork(NULL, NULL, jm_fork_child) != 0) {
		jm_slot = NULL;
		return;
	}
	pthread_attr_t attr;
	pthread_t tid;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The refresher blocks every signal, so the program's signals (and
	 * its handlers) go to the program's own threads. */
	sigset_t all, saved;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	if (pthread_create(&tid, &attr, jm_refresher, NULL) == 0)
		pthread_setname_np(tid, JM_THREAD); /* what top -H and haktop's benchmark see */
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	pthread_attr_destroy(&attr);
}

#if HAKTOP_SHIM_INTERPOSE
__attribute__((constructor)) static void shim_start(void) {
	resolve();
	req_haktop_slot *saved = req_haktop_tls;
	req_haktop_tls = &req_haktop_sink; /* libc's allocations on the shim's behalf */
	HAKTOP_PUBLISH(req, "requests", classes, counters, NULL, NULL, 0);
	HAKTOP_SLOTS(diag, 8); /* bootstrap frees come from a thread or two */
	HAKTOP_PUBLISH(diag, "haktop-shim", diag_classes, diag_counters, NULL, NULL, 0);
	HAKTOP_ADD(diag, 0, D_BOOT_ALLOCS, atomic_load(&boot_allocs));
	HAKTOP_ADD(diag, 0, D_BOOT_BYTES, atomic_load(&boot_bytes));
	HAKTOP_ADD(diag, 0, D_BOOT_FREES, atomic_load(&boot_frees));
	choose_size_way();
	if (next.mallctl)
		jm_start();
	req_haktop_tls = saved;
}
#else
__attribute__((constructor)) static void shim_start(void) {
	next.mallctl = (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
	(void)dlerror();
	(void)dlerror();
	if (next.mallctl)
		jm_start();
}
#endif

__attribute__((destructor)) static void shim_stop(void) {
	if (jm_slot)
		jm_refresh();
}
