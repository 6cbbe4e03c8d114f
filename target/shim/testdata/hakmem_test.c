/* hakmem_test.c: a small hakmem-shaped allocator and a driver for it, the
 * test target for haktop.h. It publishes its own classes, counters, paths
 * and gate through haktop's segment.
 *
 * Design.
 * - tiny classes C0..C7 (8..1024 bytes): a per-thread cache per class,
 *   refilled in batches of REFILL blocks from a central list under a
 *   mutex, and flushed by half to it when it holds more than CACHE_CAP.
 * - pool classes P0..P6 (2..64 KiB): v1 is a central list per class under
 *   a mutex. v2, on when HAKMEM_POOL_V2_ENABLED=1, is a per-thread cache
 *   in front of v1: a hit is fast, a miss falls back to v1, a free into a
 *   full cache falls back to v1's free.
 * - large (over 64 KiB): one mmap each.
 * - Its gate HAKMEM_POOL_V2_ENABLED declares the v2 paths it guards and
 *   that any value but 1 switches them off, so haktop gives it a verdict.
 * - Every block has a 16-byte header holding its class. Memory comes from
 *   1 MiB mmap'd chunks, carved under a mutex.
 * The driver runs THREADS threads of a random mixed loop (xorshift32, WS
 * slots each; one draw in 8 is a pool or large size, or with a fourth
 * argument "tiny" every request is 1..1024 bytes; all wait for each other
 * after their first allocation) and prints its totals, which the tests
 * compare with the counters haktop reads. Built with
 * -DHAKTOP_STATS=0 it counts nothing and publishes nothing.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "haktop.h"

enum { NTINY = 8, NPOOL = 7, LARGE = NTINY + NPOOL, NCLASSES = LARGE + 1 };
enum { REFILL = 32, CACHE_CAP = 64, POOL_CAP = 16, HDR = 16, CHUNK = 1 << 20 };
enum { ALLOC_CALLS, ALLOC_FAST, ALLOC_REFILL, ALLOC_FALLBACK, FREE_CALLS, FREE_FAST, FREE_FALLBACK, NCOUNTERS };
enum { TINY_FAST, TINY_REFILL, POOL_V1_ALLOC, POOL_V1_FREE, POOL_V2_ALLOC, POOL_V2_FREE, LARGE_MAP, NPATHS };

static const size_t class_size[LARGE] = {8, 16, 32, 64, 128, 256, 512, 1024,
					 2048, 4096, 8192, 16384, 32768, 49152, 65536};
static const haktop_class_desc classes[NCLASSES] = {
	{"C0", 0, 8},         {"C1", 9, 16},        {"C2", 17, 32},       {"C3", 33, 64},
	{"C4", 65, 128},      {"C5", 129, 256},     {"C6", 257, 512},     {"C7", 513, 1024},
	{"P0", 1025, 2048},   {"P1", 2049, 4096},   {"P2", 4097, 8192},   {"P3", 8193, 16384},
	{"P4", 16385, 32768}, {"P5", 32769, 49152}, {"P6", 49153, 65536}, {"L", 65537, UINT64_MAX},
};
static const haktop_counter_desc counters[NCOUNTERS] = {
	{"alloc_calls", HAKTOP_ROLE_CALLS},         {"alloc_fast", HAKTOP_ROLE_FAST},
	{"alloc_refill", HAKTOP_ROLE_REFILL},       {"alloc_fallback_v1", HAKTOP_ROLE_FALLBACK},
	{"free_calls", HAKTOP_ROLE_FREE},           {"free_fast", HAKTOP_ROLE_FREE_FAST},
	{"free_fallback_v1", HAKTOP_ROLE_FREE_FALLBACK},
};
static const haktop_path_desc paths[NPATHS] = {
	{0, "tiny fast"},     {1, "tiny refill"},  {2, "pool v1 alloc"}, {3, "pool v1 free"},
	{4, "pool v2 alloc"}, {5, "pool v2 free"}, {6, "large map"},
};
HAKTOP_TABLE(hk, NCLASSES, NCOUNTERS, NPATHS);

typedef struct block { struct block *next; } block;
typedef struct { block *head; int n; } list;

static struct { pthread_mutex_t mu; list free; } central[LARGE];
static pthread_mutex_t chunk_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *chunk_at, *chunk_end;
static _Thread_local list cache[LARGE];
static int pool_v2;

static void *carve(size_t n) {
	pthread_mutex_lock(&chunk_mu);
	if (!chunk_at || (size_t)(chunk_end - chunk_at) < n) {
		size_t len = n > CHUNK ? n : CHUNK;
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			abort();
		chunk_at = m;
		chunk_end = chunk_at + len;
	}
	void *p = chunk_at;
	chunk_at += n;
	pthread_mutex_unlock(&chunk_mu);
	return p;
}

/* central_take moves up to want blocks of class c to l (caller holds no lock). */
static void central_take(int c, list *l, int want) {
	pthread_mutex_lock(&central[c].mu);
	for (; want > 0; want--) {
		block *b = central[c].free.head;
		if (b) {
			central[c].free.head = b->next;
			central[c].free.n--;
		} else {
			b = carve(HDR + class_size[c]);
			*(uint32_t *)b = (uint32_t)c;
			b = (block *)((unsigned char *)b + HDR);
		}
		b->next = l->head;
		l->head = b;
		l->n++;
	}
	pthread_mutex_unlock(&central[c].mu);
}

static void central_put(int c, block *b) {
	pthread_mutex_lock(&central[c].mu);
	b->next = central[c].free.head;
	central[c].free.head = b;
	central[c].free.n++;
	pthread_mutex_unlock(&central[c].mu);
}

static int class_of(size_t n) {
	for (int c = 0; c < LARGE; c++)
		if (n <= class_size[c])
			return c;
	return LARGE;
}

static void *pop(list *l) {
	block *b = l->head;
	l->head = b->next;
	l->n--;
	return b;
}

static void *hk_alloc(size_t n) {
	int c = class_of(n);
	HAKTOP_COUNT(hk, c, ALLOC_CALLS);
	if (c < NTINY) {
		list *l = &cache[c];
		if (l->head) {
			HAKTOP_COUNT(hk, c, ALLOC_FAST);
			HAKTOP_PATH(hk, TINY_FAST);
		} else {
			central_take(c, l, REFILL);
			HAKTOP_COUNT(hk, c, ALLOC_REFILL);
			HAKTOP_PATH(hk, TINY_REFILL);
		}
		return pop(l);
	}
	if (c < LARGE) {
		if (pool_v2) {
			HAKTOP_PATH(hk, POOL_V2_ALLOC);
			if (cache[c].head) {
				HAKTOP_COUNT(hk, c, ALLOC_FAST);
				return pop(&cache[c]);
			}
			HAKTOP_COUNT(hk, c, ALLOC_FALLBACK);
		}
		HAKTOP_PATH(hk, POOL_V1_ALLOC);
		list one = {NULL, 0};
		central_take(c, &one, 1);
		return one.head;
	}
	HAKTOP_PATH(hk, LARGE_MAP);
	unsigned char *m = mmap(NULL, HDR + n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	*(uint32_t *)m = LARGE;
	*(uint64_t *)(m + 8) = HDR + n;
	return m + HDR;
}

static void hk_free(void *p) {
	unsigned char *h = (unsigned char *)p - HDR;
	int c = (int)*(uint32_t *)h;
	HAKTOP_COUNT(hk, c, FREE_CALLS);
	if (c < NTINY) {
		list *l = &cache[c];
		block *b = p;
		b->next = l->head;
		l->head = b;
		if (++l->n <= CACHE_CAP) {
			HAKTOP_COUNT(hk, c, FREE_FAST);
			return;
		}
		while (l->n > CACHE_CAP / 2)
			central_put(c, pop(l));
		return;
	}
	if (c < LARGE) {
		if (pool_v2) {
			HAKTOP_PATH(hk, POOL_V2_FREE);
			if (cache[c].n < POOL_CAP) {
				block *b = p;
				b->next = cache[c].head;
				cache[c].head = b;
				cache[c].n++;
				HAKTOP_COUNT(hk, c, FREE_FAST);
				return;
			}
			HAKTOP_COUNT(hk, c, FREE_FALLBACK);
		}
		HAKTOP_PATH(hk, POOL_V1_FREE);
		central_put(c, p);
		return;
	}
	munmap(h, *(uint64_t *)(h + 8));
}

static void hk_init(void) {
	for (int c = 0; c < LARGE; c++)
		pthread_mutex_init(&central[c].mu, NULL);
	const char *v2 = getenv("HAKMEM_POOL_V2_ENABLED");
	pool_v2 = v2 && strcmp(v2, "1") == 0;
	/* the gate guards pool v2's alloc and free paths; any value but 1 is off */
	static const uint32_t v2_paths[] = {POOL_V2_ALLOC, POOL_V2_FREE};
	static haktop_gate_desc gates[1];
	gates[0] = (haktop_gate_desc){"HAKMEM_POOL_V2_ENABLED", pool_v2 ? "1" : "0", v2_paths, 2, !pool_v2};
	HAKTOP_PUBLISH(hk, "hakmem-test", classes, counters, paths, gates, 1);
}

/* ---- the driver */
static long cycles;
static int ws;
static int pool_sizes = 1; /* 0: every request is tiny (1..1024 bytes) */
/* every worker has counted (so holds its slot) before any may finish */
static pthread_barrier_t started;
typedef struct { uint32_t seed; long allocs, frees, pool, large; } worker;

static uint32_t xs(uint32_t *s) {
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void *drive(void *arg) {
	worker *w = arg;
	void **slots = calloc((size_t)ws, sizeof(void *));
	for (long i = 0; i < cycles; i++) {
		uint32_t r = xs(&w->seed);
		int idx = (int)(r % (uint32_t)ws);
		if (slots[idx]) {
			hk_free(slots[idx]);
			slots[idx] = NULL;
			w->frees++;
			continue;
		}
		size_t n = !pool_sizes ? 1 + (r & 0x3FF) : (r & 7) == 0 ? 1025 + (r >> 3) % 70000 : 16 + (r & 0x3FF);
		if (n > 65536)
			w->large++;
		else if (n > 1024)
			w->pool++;
		unsigned char *p = hk_alloc(n);
		p[0] = (unsigned char)r;
		slots[idx] = p;
		if (w->allocs++ == 0)
			pthread_barrier_wait(&started);
	}
	for (int i = 0; i < ws; i++)
		if (slots[i])
			hk_free(slots[i]);
	free(slots);
	return NULL;
}

int main(int argc, char **argv) {
	cycles = argc > 1 ? atol(argv[1]) : 1000000;
	ws = argc > 2 ? atoi(argv[2]) : 1024;
	int threads = argc > 3 ? atoi(argv[3]) : 2;
	pool_sizes = argc > 4 ? strcmp(argv[4], "tiny") != 0 : 1;
	if (threads < 1 || threads > 64 || ws < 1 || cycles < 1)
		return 2;
	hk_init();
	pthread_barrier_init(&started, NULL, (unsigned)threads);
	worker w[64];
	pthread_t tid[64];
	for (int i = 0; i < threads; i++) {
		w[i] = (worker){(uint32_t)(1234567 + i), 0, 0, 0, 0};
		pthread_create(&tid[i], NULL, drive, &w[i]);
	}
	long allocs = 0, frees = 0, pool = 0, large = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		allocs += w[i].allocs;
		frees += w[i].frees;
		pool += w[i].pool;
		large += w[i].large;
	}
	printf("allocs=%ld frees=%ld pool=%ld large=%ld\n", allocs, frees, pool, large);
	return 0;
}
