// SPDX-License-Identifier: GPL-2.0
/* Ports and MMIO nobody owns read all-ones and ignore writes. */
#include "tlib.h"

void guest_main(void)
{
	volatile uint32_t *mmio = (volatile uint32_t *)0xfeb00000UL;

	CHECK(inb(0x2f8) == 0xff, "inb COM2");
	outb(0x2f8 + 7, 0x12);
	CHECK(inb(0x2f8 + 7) == 0xff, "a write sticks");
	CHECK(inb(0x2f8) == 0xff, "second inb");
	CHECK(inw(0x1234) == 0xffff, "inw");
	CHECK(inl(0x1238) == 0xffffffff, "inl");
	CHECK(*mmio == 0xffffffff, "MMIO read %x", *mmio);
	*mmio = 0;
	CHECK(*mmio == 0xffffffff, "MMIO write sticks");
	print("unclaimed: all-ones, writes ignored\n");
	debug_exit(0);
}
