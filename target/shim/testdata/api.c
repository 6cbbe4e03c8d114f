/* api.c: every function the shim interposes, each in a class of its own,
 * and three failures, so the tests know each class's exact counts. With
 * an argument "nopvalloc" it skips pvalloc (jemalloc has none: the next
 * definition would be glibc's, on glibc's heap). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile keep;
static volatile size_t huge = SIZE_MAX / 2; /* opaque to the compiler's size checks */

int main(int argc, char **argv) {
	int pv = !(argc > 1 && strcmp(argv[1], "nopvalloc") == 0);
	void *a = malloc(100);                 /* C4 */
	void *b = calloc(10, 30);              /* C6 */
	void *c = realloc(NULL, 3000);         /* P1 */
	c = realloc(c, 5000);                  /* free P1, call P2 */
	void *d = reallocarray(NULL, 20, 100); /* P0 */
	d = reallocarray(d, 40, 100);          /* free P0, call P1 */
	void *e = NULL;
	int r = posix_memalign(&e, 64, 10000); /* P3 */
	void *f = aligned_alloc(256, 20000);   /* P4 */
	void *g = memalign(512, 40000);        /* P5 */
	void *h = valloc(60000);               /* P6 */
	void *i = pv ? pvalloc(70000) : malloc(70000); /* L */
	size_t u = malloc_usable_size(a);
	/* failures: none of these can succeed */
	keep = malloc(huge);                         /* L fail */
	keep = calloc(huge, 4);              /* L fail (overflow) */
	keep = reallocarray(NULL, huge, 4);  /* L fail (overflow) */
	void *x = NULL;
	int bad = posix_memalign(&x, 3, 100);        /* C4 fail: not a power of two */
	free(NULL);
	void *all[] = {a, b, c, d, e, f, g, h, i};
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
		free(all[k]);
	printf("ok=%d usable=%d bad=%d\n", r == 0 && a && b && c && d && e && f && g && h && i, u >= 100, bad != 0);
	return 0;
}
