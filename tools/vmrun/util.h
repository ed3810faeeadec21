/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by every part of vmrun: errors and number parsing. */
#ifndef VMRUN_UTIL_H
#define VMRUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses of vmrun itself (a guest picks its own via the debug port). */
#define EXIT_FAILED	1	/* runtime failure, guest crash */
#define EXIT_USAGE	2	/* bad command line */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One line "vmrun: ..." on stderr, then exit(status).  The terminal is
 * restored by the atexit handler of term.c. */
_Noreturn void die_status(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define die(...) die_status(EXIT_FAILED, __VA_ARGS__)
#define usage_error(...) die_status(EXIT_USAGE, __VA_ARGS__)

/* "vmrun: ..." on stderr, when --verbose was given. */
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool verbose_on;

/* A number in C syntax (0x.., 0.., decimal); false if it is not one. */
bool parse_u64(const char *s, uint64_t *out);
/* A size: a number with an optional K, M or G suffix (binary units). */
bool parse_size(const char *s, uint64_t *out);

/* The whole file, malloc'd; dies with a clear line if it cannot be read. */
void *read_file(const char *path, size_t *size);

#endif
