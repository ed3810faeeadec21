/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device models, one per file.  Each *_init() allocates its state and
 * registers the ports (or MMIO range) it owns on vm->pio / vm->mmio, and any
 * file descriptor it waits on with the event loop.
 *
 * ISA IRQs: 0 PIT, 1 keyboard controller, 4 COM1, 8 RTC, 9 ACPI SCI.
 * With the in-kernel irqchip (the default) the 8259As and the 8254 are the
 * hypervisor's, and pic.c and pit.c are not used.
 */
#ifndef VMRUN_DEVICES_H
#define VMRUN_DEVICES_H

#include <stdbool.h>

struct vm;
struct pic;

/* pic.c: the master/slave 8259A pair at 0x20 and 0xA0, ELCR at 0x4D0
 * (--irqchip=user). */
void pic_init(struct vm *vm);
/* Caller holds vm->lock. */
void pic_set_irq(struct pic *pic, int irq, int level);
int pic_intack(struct pic *pic);

/* pit.c: the 8254 at 0x40-0x43 and port 0x61 (speaker gate, channel 2)
 * (--irqchip=user). */
void pit_init(struct vm *vm);

/* uart.c: a 16550A as COM1 (0x3F8, IRQ 4) on stdin/stdout. */
void uart_init(struct vm *vm);

/* rtc.c: the MC146818 CMOS/RTC at 0x70-0x71, host time. */
void rtc_init(struct vm *vm);

/* i8042.c: the keyboard controller at 0x60/0x64 and its reset line. */
void i8042_init(struct vm *vm);

/* reset.c: the reset control register at 0xCF9; RESET_CF9_RESET written
 * there resets the machine (the ACPI reset register, acpi.c). */
#define RESET_CF9_PORT	0xcf9
#define RESET_CF9_RESET	0x06
void reset_init(struct vm *vm);

/* acpi_pm.c: the ACPI PM1 event and control registers of the FADT
 * (acpi.c).  SLP_EN with SLP_TYP = ACPI_S5_SLP_TYP (the DSDT's \_S5)
 * powers off: vmrun stops with status 0. */
#define ACPI_PM1_EVT_PORT	0x600
#define ACPI_PM1_EVT_LEN	4	/* PM1_STS, PM1_EN: 16 bits each */
#define ACPI_PM1_CNT_PORT	0x604
#define ACPI_PM1_CNT_LEN	2
#define ACPI_S5_SLP_TYP		5
void acpi_pm_init(struct vm *vm);

/* debug_exit.c: a write of N to port 0x501 ends vmrun with status N. */
#define DEBUG_EXIT_PORT 0x501
void debug_exit_init(struct vm *vm);

#endif
