/* threads.c: threads that allocate while others start and end. P threads
 * run at once, then S short threads one after another (more than the
 * shim's slots, so slots are reused); each makes N malloc(100) and N
 * malloc(5000) calls and frees them. The counts must add up exactly. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long n;

static void *work(void *arg) {
	(void)arg;
	void **blocks = malloc((size_t)n * 2 * sizeof(void *)); /* n*16 bytes: not C4 or P2 */
	for (long i = 0; i < n; i++) {
		blocks[2 * i] = malloc(100);
		blocks[2 * i + 1] = malloc(5000);
	}
	for (long i = 0; i < 2 * n; i++)
		free(blocks[i]);
	free(blocks);
	return NULL;
}

int main(int argc, char **argv) {
	int p = argc > 1 ? atoi(argv[1]) : 8, s = argc > 2 ? atoi(argv[2]) : 300;
	n = argc > 3 ? atol(argv[3]) : 1000;
	pthread_t tid[64];
	for (int i = 0; i < p && i < 64; i++)
		pthread_create(&tid[i], NULL, work, NULL);
	for (int i = 0; i < p && i < 64; i++)
		pthread_join(tid[i], NULL);
	for (int i = 0; i < s; i++) {
		pthread_t t;
		pthread_create(&t, NULL, work, NULL);
		pthread_join(t, NULL);
	}
	printf("threads=%d blocks=%ld\n", p + s, (long)(p + s) * n);
	return 0;
}
