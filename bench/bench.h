/* SPDX-License-Identifier: GPL-2.0 */
/* What bench.c and the figure files beside it share. */
#ifndef EMBER_BENCH_H
#define EMBER_BENCH_H

#include <stdint.h>

#include "kvm_util.h"

#define MAX_SAMPLES	4096

struct stats {
	uint64_t median, min, p90, n;
	uint64_t mean10;	/* mean, in tenths (no floating point here) */
};

extern int round_no;
extern const char *dev_name_s;

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)
			 : : "memory");
	return lo | (uint64_t)hi << 32;
}

struct stats stats_of(uint64_t *s, uint64_t n);
void report(const char *fig, uint64_t value, struct stats st);
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* irq.c: the in-kernel interrupt controller's figures. */
void bench_irqchip(struct test_dev *dev);

#endif /* EMBER_BENCH_H */
