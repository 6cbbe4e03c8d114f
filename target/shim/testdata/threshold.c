/* threshold.c: prints whether glibc serves a 200000-byte block with mmap
 * (its default threshold is 128 KiB, and only frees of mmapped blocks
 * raise it), from the block's usable size: an mmapped chunk's is 16 bytes
 * short of a page multiple, a heap chunk's is 8 more than a multiple of
 * 16. The shim must leave glibc's threshold as the program's own frees
 * put it. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
	void *p = malloc(200000);
	size_t u = malloc_usable_size(p);
	printf("%s\n", (u + 16) % 4096 == 0 ? "mmapped" : "heap");
	free(p);
	return 0;
}
