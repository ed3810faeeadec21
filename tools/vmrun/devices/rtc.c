// SPDX-License-Identifier: GPL-2.0
/*
 * The MC146818 real-time clock and its CMOS RAM at 0x70 (index; bit 7 masks
 * NMI) and 0x71 (data).  The time is the host's, in UTC, in BCD and 24-hour
 * mode as a PC BIOS leaves it (register B = 0x02); writes to the time are
 * accepted and ignored.  No RTC interrupts (IRQ 8).  CMOS bytes 0x34/0x35
 * hold the memory above 16 MiB in 64 KiB units, as the BIOS writes them.
 */
#include <stdlib.h>
#include <time.h>

#include "../bus.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

#define REG_A		0x0a	/* bit 7: update in progress */
#define REG_B		0x0b	/* bit 2: binary, bit 1: 24-hour */
#define REG_C		0x0c	/* interrupt flags, cleared by a read */
#define REG_D		0x0d	/* bit 7: valid RAM and time */
#define REG_CENTURY	0x32

struct rtc {
	uint8_t index;
	uint8_t cmos[128];
};

static uint8_t to_bcd(struct rtc *rtc, int v)
{
	if (rtc->cmos[REG_B] & 0x04)
		return v;
	return (v / 10) << 4 | v % 10;
}

static uint8_t read_time(struct rtc *rtc, int reg)
{
	time_t now = time(NULL);
	struct tm tm;
	int hour;

	gmtime_r(&now, &tm);
	switch (reg) {
	case 0x00: return to_bcd(rtc, tm.tm_sec);
	case 0x02: return to_bcd(rtc, tm.tm_min);
	case 0x04:
		if (rtc->cmos[REG_B] & 0x02)
			return to_bcd(rtc, tm.tm_hour);
		hour = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return to_bcd(rtc, hour) | (tm.tm_hour >= 12 ? 0x80 : 0);
	case 0x06: return to_bcd(rtc, tm.tm_wday + 1);
	case 0x07: return to_bcd(rtc, tm.tm_mday);
	case 0x08: return to_bcd(rtc, tm.tm_mon + 1);
	case 0x09: return to_bcd(rtc, tm.tm_year % 100);
	default:   return to_bcd(rtc, 19 + tm.tm_year / 100);	/* century */
	}
}

static void rtc_io(void *dev, uint64_t off, uint8_t *data, unsigned int size,
		   bool write)
{
	struct rtc *rtc = dev;
	uint8_t reg = rtc->index;

	(void)size;
	if (off == 0) {
		if (write)
			rtc->index = data[0] & 0x7f;
		return;
	}
	if (write) {
		if (reg == REG_A)
			rtc->cmos[reg] = data[0] & 0x7f;	/* UIP is read-only */
		else if (reg == REG_B)
			rtc->cmos[reg] = data[0];
		else if (reg > REG_D)
			rtc->cmos[reg] = data[0];
		return;
	}
	switch (reg) {
	case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08:
	case 0x09: case REG_CENTURY:
		data[0] = read_time(rtc, reg);
		break;
	case REG_C:
		data[0] = rtc->cmos[REG_C];
		rtc->cmos[REG_C] = 0;
		break;
	default:
		data[0] = rtc->cmos[reg];
		break;
	}
}

void rtc_init(struct vm *vm)
{
	struct rtc *rtc = calloc(1, sizeof(*rtc));
	uint64_t above16m = vm->mem_size > (16 << 20) ?
			    (vm->mem_size - (16 << 20)) >> 16 : 0;

	if (!rtc)
		die("out of memory");
	if (above16m > 0xffff)
		above16m = 0xffff;
	rtc->cmos[REG_A] = 0x26;	/* 32.768 kHz base, 1024 Hz rate */
	rtc->cmos[REG_B] = 0x02;	/* BCD, 24-hour */
	rtc->cmos[REG_D] = 0x80;
	rtc->cmos[0x34] = above16m & 0xff;
	rtc->cmos[0x35] = above16m >> 8;
	bus_register(&vm->pio, 0x70, 2, "CMOS/RTC", rtc_io, rtc);
}
