/* SPDX-License-Identifier: GPL-2.0 */
/* What a freestanding vmrun guest needs: port I/O, CPUID, the serial port. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

#define COM1		0x3f8
#define DEBUG_EXIT	0x501	/* vmrun: a write of N exits with status N */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline void pause(void)
{
	__asm__ volatile("pause");
}

static inline void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))		/* LSR: THR empty */
		pause();
	outb(COM1, c);
}

static inline void serial_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s++);
	}
}

/* print.c: printf with %s %c %d %u %x (and a width, 0 padding), to COM1. */
void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline __attribute__((noreturn)) void debug_exit(uint8_t status)
{
	outb(DEBUG_EXIT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
