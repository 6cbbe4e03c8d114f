/* calls.c: the per-call cost of malloc and free with nothing else in the
 * way. N rounds of malloc(SIZE), a write to the block, free; the block is
 * the same one each round (every allocator's thread cache hands it back),
 * so no cache miss and no branch the allocator cannot predict is timed:
 * what an interposer adds to a call is the difference of two runs.
 * Usage: calls [N [SIZE]] (default 20000000 64); prints
 * "ns_per_pair=X pairs=N". */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 20000000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 64;
	uint64_t t0 = now();
	for (long i = 0; i < n; i++) {
		unsigned char *volatile p = malloc(size);
		p[0] = (unsigned char)i;
		free(p);
	}
	double ns = (double)(now() - t0) / (double)n;
	printf("ns_per_pair=%.3f pairs=%ld\n", ns, n);
	return 0;
}
