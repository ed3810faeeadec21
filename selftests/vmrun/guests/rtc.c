// SPDX-License-Identifier: GPL-2.0
/* The CMOS RTC: prints the date and time in BCD as a BIOS leaves it. */
#include "tlib.h"

static int bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 15);
}

void guest_main(void)
{
	uint8_t b = cmos_read(0x0b);

	CHECK(cmos_read(0x0d) & 0x80, "RTC not valid (register D)");
	CHECK(b & 0x02, "not 24-hour (register B %x)", b);
	CHECK(!(b & 0x04), "not BCD (register B %x)", b);
	while (cmos_read(0x0a) & 0x80)
		pause();
	print("rtc: %02d%02d-%02d-%02d %02d:%02d:%02d UTC\n",
	      bcd(cmos_read(0x32)), bcd(cmos_read(0x09)),
	      bcd(cmos_read(0x08)), bcd(cmos_read(0x07)),
	      bcd(cmos_read(0x04)), bcd(cmos_read(0x02)),
	      bcd(cmos_read(0x00)));
	outb(0x70, 0x40);
	outb(0x71, 0xa5);			/* CMOS RAM keeps a byte */
	CHECK(cmos_read(0x40) == 0xa5, "CMOS RAM");
	debug_exit(0);
}
