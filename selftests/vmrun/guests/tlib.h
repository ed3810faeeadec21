/* SPDX-License-Identifier: GPL-2.0 */
/* What the 64-bit test guests share: IDT, PIC, a verdict. */
#ifndef TLIB_H
#define TLIB_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vec, err, rip, cs, rflags, rsp, ss;
};

/* Install the IDT: exceptions end the test with status 0xEE. */
void idt_init(void);
/* Both 8259As remapped to vectors 0x20-0x2F; IRQs in `unmask` enabled. */
void pic_init(uint16_t unmask);
void irq_handler(int irq, void (*fn)(void));

static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt"); }

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

/* Print "<name>: FAIL: <why>" and exit with status 1 unless cond. */
#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		outb(COM1 + 3, 0x03);	/* DLAB off, */			\
		outb(COM1 + 4, 0x0b);	/* loopback off: print works */	\
		print("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		print(__VA_ARGS__);					\
		print("\n");						\
		debug_exit(1);						\
	}								\
} while (0)

#endif
