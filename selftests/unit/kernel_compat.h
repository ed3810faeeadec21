/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of the kernel that arch/x86/insn_decode.c and guest_walk.c use
 * (and module/io_bus.c, with the rest in its test),
 * for building them into userspace unit tests.  The Makefile generates
 * linux/{types,errno,bits,string}.h that include this file, so the kernel
 * sources compile unchanged.
 */
#ifndef EMBER_UNIT_KERNEL_COMPAT_H
#define EMBER_UNIT_KERNEL_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define GENMASK(h, l)		((~0UL << (l)) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

#endif /* EMBER_UNIT_KERNEL_COMPAT_H */
