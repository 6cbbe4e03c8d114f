/* fork.c: a parent counts while it forks; the child counts, frees blocks
 * it inherited, and execs /bin/true. Nothing the child does may reach the
 * parent's counts. Sizes: the parent's main thread 100 bytes (C4), its
 * second thread 200 (C5), the child 5000 (P2). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The compiler may drop a malloc whose block is unused: keep each. */
static void *volatile sink;

enum { N1 = 1000, N2 = 3000, N3 = 500, ROUNDS = 200, BATCH = 100 };

static void *churn(void *arg) {
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		void *b[BATCH];
		for (int i = 0; i < BATCH; i++)
			b[i] = malloc(200);
		for (int i = 0; i < BATCH; i++)
			free(b[i]);
	}
	return NULL;
}

int main(void) {
	static void *kept[N1];
	for (int i = 0; i < N1; i++)
		kept[i] = malloc(100);
	pthread_t t;
	pthread_create(&t, NULL, churn, NULL);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		for (int i = 0; i < N2; i++)
			{
			sink = malloc(5000);
			free(sink);
		}
		for (int i = 0; i < N1 / 2; i++)
			free(kept[i]);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	pthread_join(t, NULL);
	int status;
	waitpid(child, &status, 0);
	for (int i = 0; i < N3; i++)
		{
		sink = malloc(100);
		free(sink);
	}
	printf("parent=%d child=%d status=%d\n", (int)getpid(), (int)child, status);
	return 0;
}
