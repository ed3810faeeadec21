// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8254 on IOAPIC pin 0 (GSI 0: the hypervisor's default
 * routing, as vmrun's MADT tells Linux), delivered through the local APIC;
 * then the sequence of Linux's check_timer() at boot, after which the PIT
 * must still tick on pin 0:
 *   - IRQ 0 unmasked in the 8259A, LVT0 ExtINT, interrupts off: a tick
 *     waits in the PIC's IRR (the PIT, in reinjection mode, now waits for
 *     its EOI);
 *   - LVT0 masked, the 8259As initialized again (ICW1 drops the request,
 *     and with LVT0 masked no EOI comes for it);
 *   - IOAPIC pin 0 unmasked: KVM resets the PIT's reinjection then (its
 *     mask notifier), so the next tick is delivered.
 * With --irqchip=kernel only.
 */
#include "tlib.h"

#define LAPIC		0xfee00000UL
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define LAPIC_LVT0	0x350
#define IOAPIC		0xfec00000UL
#define VECTOR		0x20		/* tlib's IRQ 0 handler */

static volatile int ticks;

static void lapic_write(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC + reg) = v;
}

static void ioapic_write(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC = reg;
	*(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static void pin0(bool masked)
{
	ioapic_write(0x11, 0);				/* to APIC ID 0 */
	ioapic_write(0x10, VECTOR | (masked ? 1u << 16 : 0)); /* edge, high */
}

static void tick(void)
{
	ticks++;
	lapic_write(LAPIC_EOI, 0);	/* tlib's PIC EOI is harmless */
}

static int rtc_seconds(void)
{
	uint8_t s, m;

	while (cmos_read(0x0a) & 0x80)
		pause();
	s = cmos_read(0x00);
	m = cmos_read(0x02);
	return ((m >> 4) * 10 + (m & 15)) * 60 + (s >> 4) * 10 + (s & 15);
}

/* Ten more ticks within 3 RTC seconds, spinning with interrupts on (a
 * halted vCPU that gets none would never come back). */
static int ten_ticks(void)
{
	int t0 = rtc_seconds(), start = ticks;

	sti();
	while (ticks - start < 10 && (rtc_seconds() - t0 + 3600) % 3600 < 3)
		pause();
	cli();
	return ticks - start;
}

void guest_main(void)
{
	int n;

	idt_init();
	irq_handler(0, tick);
	pic_init(0);				/* every 8259A input masked */
	lapic_write(LAPIC_SVR, 0x1ff);		/* software-enabled */
	lapic_write(LAPIC_LVT0, 0x10700);	/* ExtINT, masked */
	pin0(false);
	outb(0x43, 0x34);			/* channel 0, mode 2, 100 Hz */
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	n = ten_ticks();
	print("pit_ioapic: %d ticks on IOAPIC pin 0\n", n);
	CHECK(n == 10, "%d PIT ticks on IOAPIC pin 0 in 3 s, want 10", n);

	/* check_timer()'s sequence. */
	pin0(true);
	lapic_write(LAPIC_LVT0, 0x700);		/* ExtINT */
	pic_init(1 << 0);
	outb(0x20, 0x0a);			/* OCW3: read IRR */
	for (long i = 0; !(inb(0x20) & 1); i++)
		CHECK(i < 100000000, "no tick reached the 8259A's IRR");
	lapic_write(LAPIC_LVT0, 0x10700);	/* masked */
	pic_init(0);				/* ICW1: the request is gone */
	pin0(false);
	n = ten_ticks();
	print("pit_ioapic: %d ticks on IOAPIC pin 0 after check_timer's sequence\n", n);
	CHECK(n == 10, "%d PIT ticks after check_timer's sequence, want 10", n);
	debug_exit(0);
}
