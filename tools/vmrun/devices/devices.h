/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device models, one per file.  Each *_init() allocates its state and
 * registers the ports (or MMIO range) it owns on vm->pio / vm->mmio, and any
 * file descriptor it waits on with the event loop.
 *
 * ISA IRQs: 0 PIT, 1 keyboard controller, 4 COM1, 8 RTC.
 */
#ifndef VMRUN_DEVICES_H
#define VMRUN_DEVICES_H

#include <stdbool.h>

struct vm;
struct pic;

/* pic.c: the master/slave 8259A pair at 0x20 and 0xA0, ELCR at 0x4D0. */
void pic_init(struct vm *vm);
/* Caller holds vm->lock. */
void pic_set_irq(struct pic *pic, int irq, int level);
int pic_intack(struct pic *pic);

/* pit.c: the 8254 at 0x40-0x43 and port 0x61 (speaker gate, channel 2). */
void pit_init(struct vm *vm);

/* uart.c: a 16550A as COM1 (0x3F8, IRQ 4) on stdin/stdout. */
void uart_init(struct vm *vm);

/* rtc.c: the MC146818 CMOS/RTC at 0x70-0x71, host time. */
void rtc_init(struct vm *vm);

/* i8042.c: the keyboard controller at 0x60/0x64 and its reset line. */
void i8042_init(struct vm *vm);

/* reset.c: the reset control register at 0xCF9. */
void reset_init(struct vm *vm);

/* debug_exit.c: a write of N to port 0x501 ends vmrun with status N. */
#define DEBUG_EXIT_PORT 0x501
void debug_exit_init(struct vm *vm);

#endif
