/* ending.c: a program that ends the way its argument says, after counting
 * 1000 allocations of 100 bytes (kept, so each is counted once): "exit3"
 * exits with status 3, "segv" writes through a null pointer, "abort" calls
 * abort(), "spin" allocates and frees 64 bytes until it is signalled,
 * "stubborn" does the same but ignores SIGTERM (so only SIGKILL ends it),
 * and "fork" forks a child that allocates 5000 bytes 3000 times and exits
 * while the parent waits for it; "exec" execs itself in place (same pid)
 * with "exit3"; "burst" waits for SIGUSR1, then allocates 100 bytes 20000
 * times (kept), prints "burst" and waits to be stopped. It prints "ready"
 * once it has counted. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;
static volatile sig_atomic_t go;

static void on_usr1(int sig) {
	(void)sig;
	go = 1;
}

int main(int argc, char **argv) {
	const char *how = argc > 1 ? argv[1] : "exit3";
	if (strcmp(how, "burst") == 0)
		signal(SIGUSR1, on_usr1); /* before "ready": the test signals after it */
	static void *kept[1000];
	for (int i = 0; i < 1000; i++)
		kept[i] = malloc(100);
	printf("ready\n");
	fflush(stdout);
	if (strcmp(how, "exit3") == 0)
		return 3;
	if (strcmp(how, "segv") == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile int *)sink = 1;
		return 0;
	}
	if (strcmp(how, "abort") == 0)
		abort();
	if (strcmp(how, "exec") == 0) {
		execl("/proc/self/exe", argv[0], "exit3", (char *)NULL);
		return 127;
	}
	if (strcmp(how, "fork") == 0) {
		pid_t child = fork();
		if (child == 0) {
			for (int i = 0; i < 3000; i++) {
				sink = malloc(5000);
				free(sink);
			}
			for (int i = 0; i < 1000; i++)
				free(kept[i]);
			_exit(0);
		}
		int status;
		waitpid(child, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (strcmp(how, "burst") == 0) {
		static void *burst[20000];
		while (!go)
			usleep(1000);
		for (int i = 0; i < 20000; i++)
			burst[i] = malloc(100);
		sink = burst;
		printf("burst\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (strcmp(how, "stubborn") == 0)
		signal(SIGTERM, SIG_IGN);
	for (;;) {
		sink = malloc(64);
		free(sink);
	}
}
