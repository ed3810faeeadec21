// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 and the 8259As: channel 0 at 100 Hz on IRQ 0 for 100 ticks,
 * measured against the RTC; the PIC's IMR/IRR/ISR read back; channel 2 in
 * mode 0 through port 0x61 (Linux's TSC calibration) counts down and raises
 * its output.
 */
#include "tlib.h"

static volatile int ticks;

static void pit_irq(void)
{
	ticks++;
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

void guest_main(void)
{
	int t0, t1, elapsed;
	uint16_t c1, c2;

	idt_init();
	irq_handler(0, pit_irq);
	pic_init(1 << 0);
	outb(0x21, 0xfe);
	CHECK(inb(0x21) == 0xfe, "master IMR reads back");
	outb(0x20, 0x0b);			/* OCW3: read ISR */
	CHECK(inb(0x20) == 0, "ISR empty");
	outb(0x20, 0x0a);			/* OCW3: read IRR */

	/* Channel 0, mode 2, 11932 = 100 Hz. */
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	t0 = rtc_seconds();
	while (ticks < 100)
		sti_hlt();
	cli();
	t1 = rtc_seconds();
	elapsed = (t1 - t0 + 3600) % 3600;
	print("pit: 100 ticks at 100 Hz took %d s by the RTC\n", elapsed);
	CHECK(elapsed <= 4, "100 ticks at 100 Hz took %d s", elapsed);
	outb(0x43, 0x30);			/* channel 0 stopped (mode 0) */

	/* Channel 2 through port 0x61: gate on, speaker off, mode 0. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	outb(0x43, 0x80);			/* latch channel 2 */
	c1 = inb(0x42) | inb(0x42) << 8;
	for (volatile int i = 0; i < 100000; i++)
		;
	outb(0x43, 0x80);
	c2 = inb(0x42) | inb(0x42) << 8;
	CHECK(c2 < c1, "channel 2 counts down (%x then %x)", c1, c2);
	for (long i = 0; !(inb(0x61) & 0x20); i++)
		CHECK(i < 100000000, "channel 2 output never went high");
	print("pit: channel 2 counted %x -> %x and reached 0\n", c1, c2);
	debug_exit(0);
}
