/* nostats.c: haktop.h's macros with side effects in their arguments. With
 * -DHAKTOP_STATS=0 none is evaluated (exit status 0); with stats on, all
 * four are (exit status 4). */
#define _GNU_SOURCE
#include "haktop.h"

static const haktop_class_desc cls[1] = {{"A", 0, 8}};
static const haktop_counter_desc ctr[1] = {{"calls", HAKTOP_ROLE_CALLS}};
static const haktop_path_desc paths[1] = {{0, "fast"}};
HAKTOP_TABLE(nt, 1, 1, 1);

int main(void) {
	int i = 0;
	HAKTOP_PUBLISH(nt, "nostats", cls, ctr, paths, NULL, (uint32_t)(i++ & 0));
	HAKTOP_COUNT(nt, i++ & 0, 0);
	HAKTOP_ADD(nt, 0, 0, i++);
	HAKTOP_PATH(nt, i++ & 0);
	return i;
}
