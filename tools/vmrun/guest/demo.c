// SPDX-License-Identifier: GPL-2.0
/*
 * The demo guest `make run` shows: it says hello on COM1 from every vCPU,
 * reports what CPUID tells it, computes the first primes and draws the
 * Mandelbrot set in text (integer arithmetic: no FPU state needed), then
 * leaves through vmrun's debug-exit port with status 0.
 */
#include <stdbool.h>

#include "guest.h"

static volatile int print_lock;
static volatile int arrived;

static void lock(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		pause();
}

static void unlock(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static void show_cpuid(void)
{
	static const struct { int reg, bit; const char *name; } flags[] = {
		{ 3, 0, "fpu" }, { 3, 4, "tsc" }, { 3, 5, "msr" },
		{ 3, 6, "pae" }, { 3, 9, "apic" }, { 3, 15, "cmov" },
		{ 3, 25, "sse" }, { 3, 26, "sse2" }, { 2, 0, "sse3" },
		{ 2, 5, "vmx" }, { 2, 19, "sse4.1" }, { 2, 20, "sse4.2" },
		{ 2, 21, "x2apic" }, { 2, 26, "xsave" }, { 2, 28, "avx" },
		{ 2, 30, "rdrand" }, { 2, 31, "hypervisor" },
	};
	uint32_t r[4], max, brand[13] = { 0 };
	char vendor[13];

	cpuid(0, 0, r);
	max = r[0];
	*(uint32_t *)&vendor[0] = r[1];
	*(uint32_t *)&vendor[4] = r[3];
	*(uint32_t *)&vendor[8] = r[2];
	vendor[12] = 0;
	print("CPUID: vendor \"%s\", highest leaf 0x%x\n", vendor, max);

	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000004) {
		for (int i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[4 * i]);
		const char *b = (const char *)brand;

		while (*b == ' ')
			b++;
		if (*b)
			print("CPUID: brand \"%s\"\n", b);
	}
	cpuid(1, 0, r);
	print("CPUID: family %u model %u stepping %u, APIC ID %u\n",
	      ((r[0] >> 8) & 0xf) + ((r[0] >> 20) & 0xff),
	      ((r[0] >> 4) & 0xf) | ((r[0] >> 12) & 0xf0), r[0] & 0xf,
	      r[1] >> 24);
	print("CPUID: features");
	for (unsigned int i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (r[flags[i].reg] & (1u << flags[i].bit))
			print(" %s", flags[i].name);
	print("\n");
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		print("CPUID: %u physical and %u virtual address bits\n",
		      r[0] & 0xff, (r[0] >> 8) & 0xff);
	}
}

static void show_primes(int count)
{
	static bool composite[1000];
	int found = 0;

	print("The first %d primes:", count);
	for (int n = 2; n < 1000 && found < count; n++) {
		if (composite[n])
			continue;
		print("%s%d", found % 15 ? " " : "\n  ", n);
		found++;
		for (int m = n * n; m < 1000; m += n)
			composite[m] = true;
	}
	print("\n");
}

/* Fixed point with 12 fractional bits. */
#define FIX(x) ((int64_t)((x) * 4096))

static void show_mandelbrot(void)
{
	static const char shades[] = " .:-=+*%#@";

	print("The Mandelbrot set:\n");
	for (int y = 0; y < 22; y++) {
		for (int x = 0; x < 72; x++) {
			int64_t cr = FIX(-2.2) + x * FIX(3.0) / 72;
			int64_t ci = FIX(-1.2) + y * FIX(2.4) / 22;
			int64_t zr = 0, zi = 0;
			int i;

			for (i = 0; i < 40; i++) {
				int64_t zr2 = zr * zr >> 12, zi2 = zi * zi >> 12;

				if (zr2 + zi2 > FIX(4))
					break;
				zi = (2 * zr * zi >> 12) + ci;
				zr = zr2 - zi2 + cr;
			}
			serial_putc(i == 40 ? '#' : shades[i % 9]);
		}
		print("\n");
	}
}

void guest_main(uint64_t cpu, uint64_t ncpus)
{
	if (cpu) {
		lock();
		print("vCPU %u of %u: hello\n", (unsigned int)cpu,
		      (unsigned int)ncpus);
		unlock();
		__atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
		return;		/* start.S halts this vCPU */
	}
	lock();
	print("Hello from the vmrun demo guest, vCPU 0 of %u, in 64-bit mode.\n",
	      (unsigned int)ncpus);
	show_cpuid();
	show_primes(45);
	show_mandelbrot();
	unlock();
	while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) != (int)ncpus - 1)
		pause();
	print("All %u vCPUs said hello. Bye.\n", (unsigned int)ncpus);
	debug_exit(0);
}
