// SPDX-License-Identifier: GPL-2.0
/*
 * Each vCPU says hello with its index (from RDI/EDI); vCPU 0 waits for all
 * of them and exits with status 0.  Built as ELF64, ELF32 and both flat.
 */
#include "guest.h"

#ifdef __x86_64__
#define BITS "64"
#else
#define BITS "32"
#endif

static volatile int print_lock, arrived;

void guest_main(unsigned long cpu, unsigned long ncpus)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		pause();
	print("hello: %s-bit, vCPU %u of %u\n", BITS, (unsigned int)cpu,
	      (unsigned int)ncpus);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
	if (cpu)
		return;
	while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != (int)ncpus)
		pause();
	print("hello: all %u vCPUs\n", (unsigned int)ncpus);
	debug_exit(0);
}
