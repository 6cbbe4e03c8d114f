/* usable.c: allocates blocks of random sizes (1 byte to 300 KiB, some
 * through calloc, realloc, posix_memalign and aligned_alloc), and before
 * freeing each one notes its malloc_usable_size. At the end it prints, for
 * each usable size seen, "usable=U frees=N", so a test can check that the
 * shim counted each free in the class of the block's usable size, exactly,
 * whatever way it finds that size (a realloc is the old block's free and
 * a call). Arguments: blocks (default 200000) and
 * a seed. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { LIVE = 512, MAXU = 1 << 20 };
static uint32_t *tally; /* tally[u]: frees of blocks of usable size u (u < MAXU) */
static uint64_t over;   /* frees of blocks of usable size MAXU or more */

static uint32_t xs(uint32_t *s) {
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void note_free(void *p) {
	size_t u = malloc_usable_size(p);
	if (u < MAXU)
		tally[u]++;
	else
		over++;
	free(p);
}

int main(int argc, char **argv) {
	long blocks = argc > 1 ? atol(argv[1]) : 200000;
	uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], 0, 10) : 1;
	static void *live[LIVE];
	tally = calloc(MAXU, sizeof *tally);
	for (long i = 0; i < blocks; i++) {
		uint32_t r = xs(&seed);
		int k = (int)(r % LIVE);
		if (live[k])
			note_free(live[k]);
		/* mostly small, sometimes pool-sized, rarely large */
		size_t n = (r >> 9) % 100 < 90 ? (r >> 12) % 1100 : (r >> 9) % 100 < 99 ? (r >> 12) % 70000 : (r >> 12) % 300000;
		void *p = NULL;
		switch ((r >> 4) % 16) {
		case 0:
			p = calloc(1, n);
			break;
		case 1: /* the shim counts realloc as a free of the old block */
			p = malloc(n / 2 + 1);
			if (p) {
				size_t u = malloc_usable_size(p);
				u < MAXU ? (void)tally[u]++ : (void)over++;
				p = realloc(p, n + 1);
			}
			break;
		case 2:
			if (posix_memalign(&p, 64, n) != 0)
				p = NULL;
			break;
		case 3:
			p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);
			break;
		default:
			p = malloc(n);
		}
		if (!p)
			return 1;
		live[k] = p;
	}
	for (int k = 0; k < LIVE; k++)
		if (live[k])
			note_free(live[k]);
	for (size_t u = 0; u < MAXU; u++)
		if (tally[u])
			printf("usable=%zu frees=%u\n", u, tally[u]);
	printf("over=%llu\n", (unsigned long long)over);
	return 0;
}
