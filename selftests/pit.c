// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8254 PIT (KVM_CREATE_PIT2): the VM ioctls' checks and
 * errnos, KVM_GET/SET_PIT(2) round trips with hostile values, and a guest
 * programming it by port I/O:
 *  - counter 0 without KVM_CREATE_IRQCHIP, which KVM leaves stopped: its
 *    count never moves, so every byte the guest reads is exact (access
 *    modes, byte order, Counter Latch, Read-Back, status bytes, modes 0-5
 *    and their aliases, the BCD bit, widths other than a byte);
 *  - counters 1 and 2, which count from host time whatever the irqchip:
 *    modes 0, 2 and 3, latches that hold while the count moves on, counter
 *    2's GATE and OUT on port 0x61, and the counting rate against the
 *    guest's TSC (whose rate the host measures against CLOCK_MONOTONIC, the
 *    PIT's own clock: in the test machine the TSC ticks once per emulated
 *    instruction, so only rates compare, never absolute times);
 *  - the port 0x61 device only with KVM_PIT_SPEAKER_DUMMY, and accesses
 *    the PIT does not take going to userspace.
 * With an in-kernel irqchip (LAPIC, PIC, IOAPIC), counter 0's timer:
 * periodic interrupts at the programmed rate to an IDT handler, through
 * the IOAPIC and through the PIC, KVM's minimum period, and reinjection of
 * the ticks missed while the guest had interrupts off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_util.h"

#define PIT_HZ		1193182
#define PIT_PORT(n)	(0x40 + (n))
#define PIT_CONTROL	0x43
#define PORT61		0x61

/* Control word: SC1-0, RW1-0, M2-0, BCD. */
#define CW(ch, rw, mode)	((ch) << 6 | (rw) << 4 | (mode) << 1)
#define RW_LATCH	0
#define RW_LSB		1
#define RW_MSB		2
#define RW_WORD		3
/* Read-Back: COUNT and STATUS bits low to latch; counters by bitmask. */
#define READBACK(count, status, mask) \
	(0xc0 | !(count) << 5 | !(status) << 4 | (mask) << 1)

/* ---- guest side ---- */

/* What the host measured: guest TSC ticks per second. */
static uint64_t tsc_hz;
/* The guest's byte log of test "exact" (counter 0 stopped). */
static volatile uint8_t glog[256];
static volatile uint64_t glog_n;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static void log_byte(uint8_t b)
{
	if (glog_n < sizeof(glog))
		glog[glog_n++] = b;
}

/* Reads counter @ch @n times, logging each byte. */
static void log_reads(int ch, int n)
{
	while (n--)
		log_byte(inb(PIT_PORT(ch)));
}

static void pit_program(int ch, int rw, int mode, uint32_t count)
{
	outb(PIT_CONTROL, CW(ch, rw, mode));
	if (rw == RW_LSB || rw == RW_WORD)
		outb(PIT_PORT(ch), count);
	if (rw == RW_MSB || rw == RW_WORD)
		outb(PIT_PORT(ch), count >> 8);
}

/* Two reads, low byte first (RW_WORD). */
static uint16_t pit_read16(int ch)
{
	uint16_t lo = inb(PIT_PORT(ch));
	uint16_t hi = inb(PIT_PORT(ch));

	return lo | hi << 8;
}

static uint16_t pit_latch(int ch)
{
	outb(PIT_CONTROL, CW(ch, RW_LATCH, 0));
	return pit_read16(ch);
}

static int out2(void)
{
	return inb(PORT61) >> 5 & 1;
}

/*
 * Waits @ticks of counter 1 (mode 2 from 65536: the guest's clock), for at
 * most a quarter of a second of TSC.
 */
static void delay_ticks(uint32_t ticks)
{
	uint64_t end = rdtsc() + tsc_hz / 4;
	uint16_t prev = pit_latch(1), c;
	uint32_t n = 0;

	while (n < ticks && rdtsc() < end) {
		c = pit_latch(1);
		n += (uint16_t)(prev - c);
		prev = c;
	}
	GUEST_ASSERT(n >= ticks);
}

/*
 * Counter 0 stands still (no irqchip: KVM starts no timer), so every byte
 * read is exact.  Each step logs what it read; the host checks the log.
 */
static void guest_exact(void)
{
	uint32_t v;

	/* 1: RW 3: low byte, high byte, and again. */
	pit_program(0, RW_WORD, 2, 0x1234);
	log_reads(0, 4);
	/* 2: a latched count outlives a new control word and count. */
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	pit_program(0, RW_WORD, 2, 0x5678);
	log_reads(0, 4);
	/* 3: a second latch before the first is read is ignored. */
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	outb(PIT_PORT(0), 0x9a);
	outb(PIT_PORT(0), 0xbc);
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	log_reads(0, 4);
	/* 4: ... also between the two bytes of a latched count. */
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	log_reads(0, 1);
	pit_program(0, RW_WORD, 2, 0x4321);
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	log_reads(0, 3);
	/* 5: RW 2: high byte only, latched or not. */
	pit_program(0, RW_MSB, 2, 0x5600);
	log_reads(0, 2);
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	log_reads(0, 2);
	/* 6: RW 1: low byte only. */
	pit_program(0, RW_LSB, 2, 0x78);
	log_reads(0, 2);
	outb(PIT_CONTROL, CW(0, RW_LATCH, 0));
	log_reads(0, 2);
	/* 7: Read-Back: status then count; status only; count only. */
	pit_program(0, RW_WORD, 3, 0x2000);
	outb(PIT_CONTROL, READBACK(1, 1, 1));
	log_reads(0, 3);
	outb(PIT_CONTROL, READBACK(0, 1, 1));
	log_reads(0, 3);
	outb(PIT_CONTROL, READBACK(1, 0, 1));
	log_reads(0, 2);
	/* A status latched twice, then a count: one status, one count. */
	outb(PIT_CONTROL, READBACK(0, 1, 1));
	outb(PIT_CONTROL, READBACK(1, 1, 1));
	log_reads(0, 3);
	/* Counters 0 and 2 at once (2 is not programmed yet). */
	outb(PIT_CONTROL, READBACK(0, 1, 5));
	log_reads(0, 1);
	log_byte(inb(PIT_PORT(2)) & 0x7f);	/* OUT depends on time */
	/* 8: the status of each mode, the aliases 6 and 7, BCD. */
	for (v = 0; v < 8; v++) {
		pit_program(0, RW_WORD, v, 0x10);
		outb(PIT_CONTROL, READBACK(0, 1, 1));
		log_reads(0, 1);
		log_reads(0, 2);
	}
	outb(PIT_CONTROL, CW(0, RW_WORD, 2) | 1);
	outb(PIT_PORT(0), 0x34);
	outb(PIT_PORT(0), 0x12);
	outb(PIT_CONTROL, READBACK(0, 1, 1));
	log_reads(0, 3);
	/* 9: a control word between two bytes starts both pairs over. */
	pit_program(0, RW_WORD, 2, 0x1234);
	outb(PIT_PORT(0), 0xaa);
	outb(PIT_CONTROL, CW(0, RW_WORD, 2));
	outb(PIT_PORT(0), 0x11);
	outb(PIT_PORT(0), 0x22);
	log_reads(0, 1);
	outb(PIT_CONTROL, CW(0, RW_WORD, 2));
	log_reads(0, 2);
	/* 10: the control port reads as nothing: AL stays as it was. */
	__asm__ volatile("movb $0x5a, %%al; inb %1, %%al"
			 : "=a"(v) : "Nd"((uint16_t)PIT_CONTROL));
	log_byte(v);
	/* 11: wider accesses move the low byte, zero-extended. */
	v = inw(PIT_PORT(0));
	log_byte(v);
	log_byte(v >> 8);
	outb(PIT_CONTROL, CW(0, RW_LSB, 2));
	outw(PIT_PORT(0), 0xbbaa);
	v = inl(PIT_PORT(0));
	log_byte(v);
	log_byte(v >> 8);
	log_byte(v >> 16);
	log_byte(v >> 24);
	/* 12: a 4-byte access past 0x43 is not the PIT's: userspace's. */
	v = inl(PIT_PORT(1));
	log_byte(v);
	log_byte(v >> 24);
	GUEST_SYNC(1);
	/* 13: whatever KVM_SET_PIT2 put in the state (the host did). */
	log_reads(0, 3);
	outb(PIT_PORT(0), 0x99);
	log_reads(0, 2);
	outb(PIT_CONTROL, READBACK(1, 1, 1));
	log_reads(0, 3);
	GUEST_DONE();
}

/* Results of guest_counting(), for the host to check. */
enum {
	C_P61_RESET, C_P61_3, C_P61_2, C_P61_1,
	C_M0_FIRST, C_M0_OUT_BEFORE, C_M0_REACHED, C_M0_TSC, C_M0_WRAPPED,
	C_M0_STATUS_BEFORE, C_M0_STATUS_AFTER,
	C_LATCH_HELD, C_LATCH_TWICE_HELD,
	C_M3_BAD, C_M3_EDGES, C_M3_TSC,
	C_M2_BAD, C_M2_WRAPS,
	C_M2_BEFORE_GATE, C_M2_AFTER_GATE, C_M0_BEFORE_GATE, C_M0_AFTER_GATE,
	C_MSB_A, C_MSB_B,
	C_RATE_TICKS, C_RATE_TSC,
	C_NR
};
static volatile uint64_t cres[C_NR];

/* Counts of counter 2 (and 1) against the TSC. */
static void guest_counting(void)
{
	uint64_t t0, t1, end;
	uint16_t a, b, prev;
	int i, last, edges;

	pit_program(1, RW_WORD, 2, 0);		/* the clock of delay_ticks */

	/* Port 0x61: GATE2 (bit 0), speaker data (bit 1), read back. */
	cres[C_P61_RESET] = inb(PORT61) & 3;
	outb(PORT61, 3);
	cres[C_P61_3] = inb(PORT61) & 3;
	outb(PORT61, 2);
	cres[C_P61_2] = inb(PORT61) & 3;
	outb(PORT61, 1);
	cres[C_P61_1] = inb(PORT61) & 3;

	/* Mode 0: OUT2 low, then high at terminal count; the count wraps. */
	pit_program(2, RW_WORD, 0, 0x8000);
	t0 = rdtsc();
	cres[C_M0_FIRST] = pit_read16(2);
	cres[C_M0_OUT_BEFORE] = out2();
	outb(PIT_CONTROL, READBACK(0, 1, 4));
	cres[C_M0_STATUS_BEFORE] = inb(PIT_PORT(2));
	end = t0 + tsc_hz;
	while (!out2() && rdtsc() < end)
		;
	t1 = rdtsc();
	cres[C_M0_REACHED] = out2();
	cres[C_M0_TSC] = t1 - t0;
	cres[C_M0_WRAPPED] = pit_latch(2);
	outb(PIT_CONTROL, READBACK(0, 1, 4));
	cres[C_M0_STATUS_AFTER] = inb(PIT_PORT(2));

	/* A latched count holds while the counter goes on. */
	pit_program(2, RW_WORD, 0, 0xf000);
	outb(PIT_CONTROL, CW(2, RW_LATCH, 0));
	delay_ticks(3000);
	a = pit_read16(2);
	b = pit_latch(2);
	cres[C_LATCH_HELD] = (uint16_t)(a - b);
	outb(PIT_CONTROL, CW(2, RW_LATCH, 0));
	delay_ticks(3000);
	outb(PIT_CONTROL, CW(2, RW_LATCH, 0));
	a = pit_read16(2);
	b = pit_latch(2);
	cres[C_LATCH_TWICE_HELD] = (uint16_t)(a - b);

	/* Mode 3: even counts in (0, 0x800]; OUT2 a square wave. */
	pit_program(2, RW_WORD, 3, 0x800);
	for (i = 0; i < 32; i++) {
		a = pit_latch(2);
		if ((a & 1) || !a || a > 0x800)
			cres[C_M3_BAD]++;
	}
	t0 = rdtsc();
	end = t0 + tsc_hz / 10;
	last = out2();
	edges = 0;
	while ((t1 = rdtsc()) < end) {
		i = out2();
		edges += i && !last;
		last = i;
	}
	cres[C_M3_EDGES] = edges;
	cres[C_M3_TSC] = t1 - t0;

	/* Mode 2: counts in (0, 0x1000], reloaded at each terminal count. */
	pit_program(2, RW_WORD, 2, 0x1000);
	prev = pit_latch(2);
	for (i = 0; i < 64; i++) {
		a = pit_latch(2);
		if (!a || a > 0x1000)
			cres[C_M2_BAD]++;
		cres[C_M2_WRAPS] += a > prev;
		prev = a;
		delay_ticks(300);
	}

	/* A rising GATE restarts mode 2, not mode 0 (as KVM models it). */
	pit_program(2, RW_WORD, 2, 0x8000);
	delay_ticks(0x3000);
	cres[C_M2_BEFORE_GATE] = pit_latch(2);
	outb(PORT61, 0);
	outb(PORT61, 1);
	cres[C_M2_AFTER_GATE] = pit_latch(2);
	pit_program(2, RW_WORD, 0, 0x8000);
	delay_ticks(0x3000);
	cres[C_M0_BEFORE_GATE] = pit_latch(2);
	outb(PORT61, 0);
	outb(PORT61, 1);
	cres[C_M0_AFTER_GATE] = pit_latch(2);

	/* RW 2: each read is the high byte. */
	pit_program(2, RW_MSB, 2, 0x8000);
	cres[C_MSB_A] = inb(PIT_PORT(2));
	cres[C_MSB_B] = inb(PIT_PORT(2));

	/*
	 * The rate: mode 2 from 65536 over six turns, each sample's time
	 * the middle of the latch command's exit.
	 */
	pit_program(2, RW_WORD, 2, 0);
	t0 = rdtsc();
	outb(PIT_CONTROL, CW(2, RW_LATCH, 0));
	t0 = (t0 + rdtsc()) / 2;
	prev = pit_read16(2);
	cres[C_RATE_TICKS] = 0;
	end = t0 + 2 * tsc_hz;
	while (cres[C_RATE_TICKS] < 6 * 65536 && rdtsc() < end) {
		t1 = rdtsc();
		outb(PIT_CONTROL, CW(2, RW_LATCH, 0));
		t1 = (t1 + rdtsc()) / 2;
		a = pit_read16(2);
		cres[C_RATE_TICKS] += (uint16_t)(prev - a);
		prev = a;
	}
	cres[C_RATE_TSC] = t1 - t0;
	GUEST_DONE();
}

/* The speaker port without KVM_PIT_SPEAKER_DUMMY, and past 0x61 with it. */
static void guest_speaker(void)
{
	GUEST_SYNC(inb(PORT61));
	outb(PORT61, 3);
	GUEST_SYNC(inb(0x62));
	GUEST_SYNC(inb(0x64));
	GUEST_SYNC(inb(PIT_PORT(0)));
	GUEST_DONE();
}

/* ---- host side ---- */

static uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

/* TSC ticks per second of CLOCK_MONOTONIC, the clock the PIT counts in. */
static uint64_t measure_tsc_hz(void)
{
	long u0 = now_us(), u1;
	uint64_t t0 = host_rdtsc(), t1;

	usleep(200000);
	t1 = host_rdtsc();
	u1 = now_us();
	return (t1 - t0) * 1000000 / (u1 - u0);
}

static void rec_channel(const char *what, const struct kvm_pit_channel_state *c)
{
	rec(what, "count 0x%x latched_count 0x%x count_latched %u "
	    "status_latched %u status 0x%x read_state %u write_state %u "
	    "write_latch 0x%x rw_mode %u mode %u bcd %u gate %u",
	    c->count, c->latched_count, c->count_latched, c->status_latched,
	    c->status, c->read_state, c->write_state, c->write_latch,
	    c->rw_mode, c->mode, c->bcd, c->gate);
}

static void get_pit2(struct kvm_vm *vm, struct kvm_pit_state2 *ps)
{
	memset(ps, 0xa5, sizeof(*ps));
	EXPECT_RET(ioctl(vm->fd, KVM_GET_PIT2, ps), 0);
}

static void rec_pit2(const char *what, const struct kvm_pit_state2 *ps)
{
	char key[64];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "%s: counter %d", what, i);
		rec_channel(key, &ps->channels[i]);
	}
	rec(what, "flags 0x%x", ps->flags);
	for (i = 0; i < 9; i++)
		TEST_ASSERT(!ps->reserved[i], "%s: reserved[%d] = 0x%x", what,
			    i, ps->reserved[i]);
}

static void create_pit2(struct kvm_vm *vm, uint32_t flags)
{
	struct kvm_pit_config c = { .flags = flags };

	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_PIT2, &c), 0);
}

static void test_ioctls(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_pit_config config = { .flags = 0x80000000, .pad = { 1 } };
	struct kvm_reinject_control rc = { 0 };
	struct kvm_pit_state2 ps2, ps2b;
	struct kvm_pit_state ps;
	int i;

	/* No PIT: the argument is read first where KVM reads it first. */
	memset(&ps, 0, sizeof(ps));
	memset(&ps2, 0, sizeof(ps2));
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_PIT, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_PIT, &ps), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_PIT, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_PIT, &ps), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_PIT2, NULL), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_PIT2, &ps2), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_PIT2, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_PIT2, &ps2), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_REINJECT_CONTROL, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT2, NULL), EFAULT);

	/* Any flags and pad, no irqchip needed; then only one. */
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_PIT2, &config), 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT2, &config), EEXIST);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT, 0), EEXIST);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT2, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_PIT, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_PIT2, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_PIT2, NULL), EFAULT);

	/* The power-on state. */
	get_pit2(vm, &ps2);
	rec_pit2("reset", &ps2);
	for (i = 0; i < 3; i++) {
		TEST_ASSERT(ps2.channels[i].count == 0x10000 &&
			    ps2.channels[i].mode == 0xff &&
			    ps2.channels[i].gate == (i != 2) &&
			    !ps2.channels[i].rw_mode,
			    "counter %d after reset: count 0x%x mode %u gate %u",
			    i, ps2.channels[i].count, ps2.channels[i].mode,
			    ps2.channels[i].gate);
		/* Host time for 1 and 2, never set for 0. */
		rec("reset: count_load_time set", "%d %d", i,
		    ps2.channels[i].count_load_time != 0);
	}
	TEST_ASSERT(!ps2.channels[0].count_load_time && !ps2.flags,
		    "counter 0's load time %lld, flags 0x%x",
		    (long long)ps2.channels[0].count_load_time, ps2.flags);
	memset(&ps, 0xa5, sizeof(ps));
	EXPECT_RET(ioctl(vm->fd, KVM_GET_PIT, &ps), 0);
	TEST_ASSERT(!memcmp(&ps, ps2.channels, sizeof(ps)),
		    "KVM_GET_PIT and KVM_GET_PIT2 differ");

	for (i = 0; i < 5; i++) {
		rc.pit_reinject = (uint8_t[]){ 1, 0, 0, 1, 0xff }[i];
		EXPECT_RET(ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc), 0);
	}

	/* Round trips: every field as set, counts of 0 as 65536. */
	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &ps2.channels[i];

		c->count = i ? 0x1234 * i : 0;
		c->latched_count = 0xbeef + i;
		c->count_latched = i;
		c->status_latched = 1;
		c->status = 0x30 + i;
		c->read_state = 1 + i;
		c->write_state = 4 - i;
		c->write_latch = 0x40 + i;
		c->rw_mode = 3 - i;
		c->mode = 5 - i;
		c->bcd = i & 1;
		c->gate = i != 1;
		c->count_load_time = 12345;
	}
	ps2.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON | 0x70000000;
	memset(ps2.reserved, 0xff, sizeof(ps2.reserved));
	EXPECT_RET(ioctl(vm->fd, KVM_SET_PIT2, &ps2), 0);
	get_pit2(vm, &ps2b);
	rec_pit2("after SET_PIT2", &ps2b);
	TEST_ASSERT(ps2b.channels[0].count == 0x10000 &&
		    ps2b.channels[2].count == 0x2468 &&
		    ps2b.channels[1].latched_count == 0xbef0 &&
		    ps2b.flags == ps2.flags,
		    "KVM_SET_PIT2 then KVM_GET_PIT2: counts 0x%x 0x%x, flags "
		    "0x%x", ps2b.channels[0].count, ps2b.channels[2].count,
		    ps2b.flags);
	/* Counter 0 keeps the time given; 1 and 2 start counting now. */
	rec("count_load_time after SET_PIT2", "%d %d %d",
	    ps2b.channels[0].count_load_time == 12345,
	    ps2b.channels[1].count_load_time != 12345,
	    ps2b.channels[2].count_load_time != 12345);

	/* KVM_SET_PIT leaves the flags alone. */
	memcpy(&ps, ps2b.channels, sizeof(ps));
	ps.channels[1].mode = 0xff;
	ps.channels[1].count = 0xffffffff;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_PIT, &ps), 0);
	get_pit2(vm, &ps2b);
	rec_pit2("after SET_PIT", &ps2b);
	TEST_ASSERT(ps2b.flags == ps2.flags &&
		    ps2b.channels[1].count == 0xffffffff,
		    "KVM_SET_PIT: flags 0x%x, count 0x%x", ps2b.flags,
		    ps2b.channels[1].count);
	vm_free(vm);

	/* KVM_CREATE_PIT: after a vCPU, before KVM_CREATE_IRQCHIP. */
	vm = vm_create_bare(dev);
	vm_vcpu_add(vm, 0);
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_PIT, 0), 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_PIT2, &config), EEXIST);
	vm_free(vm);

	/*
	 * With an irqchip counter 0's timer runs: the shortest period,
	 * HPET legacy mode on and off, reinjection off and on, and the VM
	 * closed with the timer running (no vCPU: ticks go to the PIC and
	 * IOAPIC only).
	 */
	vm = vm_create_bare(dev);
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);
	create_pit2(vm, KVM_PIT_SPEAKER_DUMMY);
	get_pit2(vm, &ps2);
	ps2.channels[0].mode = 2;
	ps2.channels[0].count = 1;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_PIT2, &ps2), 0);
	usleep(20000);
	ps2.flags = KVM_PIT_FLAGS_HPET_LEGACY;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_PIT2, &ps2), 0);
	usleep(20000);
	ps2.flags = 0;
	ps2.channels[0].mode = 3;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_PIT2, &ps2), 0);
	rc.pit_reinject = 0;
	EXPECT_RET(ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc), 0);
	usleep(20000);
	rc.pit_reinject = 1;
	EXPECT_RET(ioctl(vm->fd, KVM_REINJECT_CONTROL, &rc), 0);
	usleep(20000);
	get_pit2(vm, &ps2b);
	rec_pit2("running", &ps2b);
	vm_free(vm);
	ksft_pass("KVM_CREATE_PIT(2), KVM_GET/SET_PIT(2), "
		  "KVM_REINJECT_CONTROL: errnos, reset state, round trips");
}

/*
 * Runs the guest to its next ucall, answering the port accesses that
 * exit on the way: each is recorded, an IN reads 0xa5 bytes.
 */
static uint64_t run_guest(struct kvm_vcpu *v, struct ucall *uc, int *exits)
{
	struct kvm_run *run = v->run;

	vcpu_dump_on_failure(v);
	for (;;) {
		vcpu_run(v);
		if (get_ucall(v, uc) != UCALL_NONE)
			break;
		TEST_ASSERT(run->exit_reason == KVM_EXIT_IO,
			    "exit %s, not port I/O",
			    exit_reason_name(run->exit_reason));
		rec_exit("exit to userspace", v);
		if (exits)
			++*exits;
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset((char *)run + run->io.data_offset, 0xa5,
			       run->io.size * run->io.count);
	}
	TEST_ASSERT(uc->cmd != UCALL_ABORT, "guest assertion at %s:%lu: %s "
		    "(0x%lx, 0x%lx)", uc->file, (unsigned long)uc->line,
		    uc->text, (unsigned long)uc->args[0],
		    (unsigned long)uc->args[1]);
	TEST_ASSERT(uc->cmd != UCALL_UNHANDLED, "guest exception %lu",
		    (unsigned long)uc->args[0]);
	return uc->cmd;
}

/* guest_exact's log, as KVM 6.1 (arch/x86/kvm/i8254.c) produces it. */
static const uint8_t exact_log[] = {
	/* 1 */	0x34, 0x12, 0x34, 0x12,
	/* 2 */	0x34, 0x12, 0x78, 0x56,
	/* 3 */	0x78, 0x56, 0x9a, 0xbc,
	/* 4 */	0x9a, 0xbc, 0x21, 0x43,
	/* 5 */	0x56, 0x56, 0x56, 0x56,
	/* 6 */	0x78, 0x78, 0x78, 0x78,
	/* 7: mode 3, OUT high at the start of the period */
		0xb6, 0x00, 0x20, 0xb6, 0x00, 0x20, 0x00, 0x20,
		0xb6, 0x00, 0x20, 0xb6, 0x7e,
	/* 8: modes 0-7 (6 and 7 are 2 and 3): status, count 0x10 */
		0x30, 0x10, 0x00, 0xb2, 0x10, 0x00, 0x34, 0x10, 0x00,
		0xb6, 0x10, 0x00, 0x38, 0x10, 0x00, 0x3a, 0x10, 0x00,
		0x34, 0x10, 0x00, 0xb6, 0x10, 0x00,
	/* BCD: reported, not counted in */
		0x35, 0x34, 0x12,
	/* 9 */	0x11, 0x11, 0x22,
	/* 10 */ 0x5a,
	/* 11 */ 0x11, 0x00, 0xaa, 0x00, 0x00, 0x00,
	/* 12: userspace's 0xa5 */
		0xa5, 0xa5,
	/*
	 * 13: see test_exact(): count_latched 0x55 reads as a latched low
	 * byte, read_state 0x77 as RW 1, write_state 0x99 too; the status
	 * byte is the low 8 bits of 0xee << 4 | 0xff << 1 | 0x81; the latch
	 * of rw_mode 0xee reads as one low byte.
	 */
		0xcd, 0xcd, 0xcd, 0x99, 0x99, 0xff, 0x99, 0x99,
};

static void test_exact(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_exact, &v);
	struct kvm_pit_state2 ps2;
	uint8_t log[sizeof(glog)];
	char hex[2 * sizeof(glog) + 1] = "";
	struct ucall uc;
	uint64_t n, i;
	int exits = 0;

	create_pit2(vm, KVM_PIT_SPEAKER_DUMMY);
	TEST_ASSERT(run_guest(v, &uc, &exits) == UCALL_SYNC, "sync");
	TEST_ASSERT(exits == 1, "%d exits to userspace, expected 1 (inl 0x41)",
		    exits);
	get_pit2(vm, &ps2);
	ps2.channels[2].status &= 0x7f;		/* OUT2 depends on time */
	rec_pit2("after the guest", &ps2);
	/*
	 * Nonsense the guest meets next: a count latched in an unknown
	 * way, unknown read and write states, modes and access modes.
	 */
	ps2.channels[0].count = 0x12cd;
	ps2.channels[0].latched_count = 0xabcd;
	ps2.channels[0].count_latched = 0x55;
	ps2.channels[0].status_latched = 0;
	ps2.channels[0].read_state = 0x77;
	ps2.channels[0].write_state = 0x99;
	ps2.channels[0].rw_mode = 0xee;
	ps2.channels[0].mode = 0xff;
	ps2.channels[0].bcd = 0x81;
	EXPECT_RET(ioctl(vm->fd, KVM_SET_PIT2, &ps2), 0);
	TEST_ASSERT(run_guest(v, &uc, &exits) == UCALL_DONE, "done");
	get_pit2(vm, &ps2);
	ps2.channels[2].status &= 0x7f;
	rec_pit2("after nonsense", &ps2);

	n = GUEST_VAR(vm, glog_n);
	TEST_ASSERT(n <= sizeof(log), "log of %lu bytes", (unsigned long)n);
	memcpy(log, addr_gpa2hva(vm, (uintptr_t)glog), n);
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", log[i]);
	rec("log", "%s", hex);
	for (i = 0; i < n && i < sizeof(exact_log); i++)
		TEST_ASSERT(log[i] == exact_log[i], "byte %lu of the log: 0x%02x, "
			    "expected 0x%02x (log %s)", (unsigned long)i,
			    log[i], exact_log[i], hex);
	TEST_ASSERT(n == sizeof(exact_log), "log of %lu bytes, expected %zu",
		    (unsigned long)n, sizeof(exact_log));
	vm_free(vm);
	ksft_pass("counter 0 stopped (no irqchip): access modes, byte order, "
		  "Counter Latch, Read-Back, status of each mode, wide accesses");
}

/* |a - b| <= b * pct / 100 */
static bool within(uint64_t a, uint64_t b, unsigned int pct)
{
	uint64_t d = a > b ? a - b : b - a;

	return d * 100 <= b * pct;
}

static void test_counting(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm;
	struct kvm_pit_state2 ps2;
	uint64_t r[C_NR], expect, hz;
	struct ucall uc;

	tsc_hz = measure_tsc_hz();
	vm = vm_create_guest(dev, 1, guest_counting, &v);
	sync_global_to_guest(vm, tsc_hz);
	create_pit2(vm, KVM_PIT_SPEAKER_DUMMY);
	TEST_ASSERT(run_guest(v, &uc, NULL) == UCALL_DONE, "done");
	memcpy(r, addr_gpa2hva(vm, (uintptr_t)cres), sizeof(r));

	rec("port 0x61 bits 1-0: reset, after 3, 2, 1", "%lu %lu %lu %lu",
	    r[C_P61_RESET], r[C_P61_3], r[C_P61_2], r[C_P61_1]);
	TEST_ASSERT(r[C_P61_RESET] == 0 && r[C_P61_3] == 3 && r[C_P61_2] == 2 &&
		    r[C_P61_1] == 1, "port 0x61: %lu %lu %lu %lu",
		    r[C_P61_RESET], r[C_P61_3], r[C_P61_2], r[C_P61_1]);

	/* Mode 0 from 0x8000: 27.46 ms to terminal count. */
	expect = tsc_hz * 0x8000 / PIT_HZ;
	rec("mode 0: OUT2 before, at terminal count; status before, after",
	    "%lu %lu 0x%lx 0x%lx", r[C_M0_OUT_BEFORE], r[C_M0_REACHED],
	    r[C_M0_STATUS_BEFORE], r[C_M0_STATUS_AFTER]);
	TEST_ASSERT(r[C_M0_OUT_BEFORE] == 0 && r[C_M0_REACHED] == 1 &&
		    r[C_M0_STATUS_BEFORE] == 0x30 &&
		    r[C_M0_STATUS_AFTER] == 0xb0,
		    "mode 0: OUT2 %lu then %lu, status 0x%lx then 0x%lx",
		    r[C_M0_OUT_BEFORE], r[C_M0_REACHED],
		    r[C_M0_STATUS_BEFORE], r[C_M0_STATUS_AFTER]);
	rec("mode 0: first count in (0x6000, 0x8000], terminal count on time,"
	    " wrapped past 0xc000", "%d %d %d",
	    r[C_M0_FIRST] > 0x6000 && r[C_M0_FIRST] <= 0x8000,
	    within(r[C_M0_TSC], expect, 5), r[C_M0_WRAPPED] > 0xc000);
	TEST_ASSERT(r[C_M0_FIRST] > 0x6000 && r[C_M0_FIRST] <= 0x8000,
		    "mode 0: first count 0x%lx", r[C_M0_FIRST]);
	TEST_ASSERT(within(r[C_M0_TSC], expect, 5),
		    "mode 0: terminal count after %lu TSC ticks, expected %lu",
		    r[C_M0_TSC], expect);
	TEST_ASSERT(r[C_M0_WRAPPED] > 0xc000, "mode 0: 0x%lx after terminal "
		    "count", r[C_M0_WRAPPED]);

	/* Latched 3000 ticks before the live count was read. */
	rec("latches hold", "%d %d",
	    r[C_LATCH_HELD] >= 3000 && r[C_LATCH_HELD] < 9000,
	    r[C_LATCH_TWICE_HELD] >= 3000 && r[C_LATCH_TWICE_HELD] < 9000);
	TEST_ASSERT(r[C_LATCH_HELD] >= 3000 && r[C_LATCH_HELD] < 9000 &&
		    r[C_LATCH_TWICE_HELD] >= 3000 &&
		    r[C_LATCH_TWICE_HELD] < 9000,
		    "latched counts %lu and %lu ticks above the live ones, "
		    "expected 3000 and a little more", r[C_LATCH_HELD],
		    r[C_LATCH_TWICE_HELD]);

	/* Mode 3 from 0x800: OUT2 rises 582.6 times a second. */
	expect = r[C_M3_TSC] * PIT_HZ / 0x800 / tsc_hz;
	rec("mode 3: bad counts, OUT2 edges as expected", "%lu %d",
	    r[C_M3_BAD], within(r[C_M3_EDGES], expect, 10));
	TEST_ASSERT(!r[C_M3_BAD], "mode 3: %lu odd or out-of-range counts",
		    r[C_M3_BAD]);
	TEST_ASSERT(within(r[C_M3_EDGES], expect, 10),
		    "mode 3: %lu rising edges of OUT2, expected %lu",
		    r[C_M3_EDGES], expect);

	rec("mode 2: bad counts, reloads seen", "%lu %d", r[C_M2_BAD],
	    r[C_M2_WRAPS] > 0);
	TEST_ASSERT(!r[C_M2_BAD] && r[C_M2_WRAPS] > 0,
		    "mode 2: %lu counts out of (0, 0x1000], %lu reloads",
		    r[C_M2_BAD], r[C_M2_WRAPS]);

	rec("GATE2 rising: restarts mode 2, not mode 0", "%d %d",
	    r[C_M2_BEFORE_GATE] < 0x6000 && r[C_M2_AFTER_GATE] > 0x7000,
	    r[C_M0_AFTER_GATE] <= r[C_M0_BEFORE_GATE]);
	TEST_ASSERT(r[C_M2_BEFORE_GATE] < 0x6000 && r[C_M2_AFTER_GATE] > 0x7000 &&
		    r[C_M0_AFTER_GATE] <= r[C_M0_BEFORE_GATE],
		    "GATE2: mode 2 0x%lx -> 0x%lx, mode 0 0x%lx -> 0x%lx",
		    r[C_M2_BEFORE_GATE], r[C_M2_AFTER_GATE],
		    r[C_M0_BEFORE_GATE], r[C_M0_AFTER_GATE]);

	rec("RW 2: two high bytes", "%d",
	    r[C_MSB_A] <= 0x80 && r[C_MSB_A] >= 0x70 &&
	    r[C_MSB_A] - r[C_MSB_B] <= 1);
	TEST_ASSERT(r[C_MSB_A] <= 0x80 && r[C_MSB_A] >= 0x70 &&
		    r[C_MSB_A] - r[C_MSB_B] <= 1,
		    "RW 2: reads 0x%lx, 0x%lx", r[C_MSB_A], r[C_MSB_B]);

	hz = r[C_RATE_TSC] ? r[C_RATE_TICKS] * tsc_hz / r[C_RATE_TSC] : 0;
	printf("# %s: %lu ticks in %lu TSC ticks at %lu Hz: %lu Hz\n",
	       dev->name, r[C_RATE_TICKS], r[C_RATE_TSC], tsc_hz, hz);
	rec("counter 2 counts at 1.193182 MHz +- 1%", "%d",
	    within(hz, PIT_HZ, 1));
	TEST_ASSERT(r[C_RATE_TICKS] >= 6 * 65536 && within(hz, PIT_HZ, 1),
		    "counter 2: %lu ticks in %lu TSC ticks: %lu Hz",
		    r[C_RATE_TICKS], r[C_RATE_TSC], hz);

	get_pit2(vm, &ps2);
	TEST_ASSERT(ps2.flags == 0, "flags 0x%x after port 0x61 <- 1",
		    ps2.flags);
	/* The last latched counts depend on time. */
	ps2.channels[1].latched_count = 0;
	ps2.channels[2].latched_count = 0;
	rec_pit2("after counting", &ps2);
	vm_free(vm);
	ksft_pass("counters 1 and 2: modes 0, 2, 3, latches, GATE2 and OUT2 "
		  "on port 0x61, the rate against the TSC");
}

static void test_speaker(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm;
	struct ucall uc;
	int exits = 0, i;

	/* Without KVM_PIT_SPEAKER_DUMMY port 0x61 is userspace's. */
	vm = vm_create_guest(dev, 1, guest_speaker, &v);
	create_pit2(vm, 0);
	for (i = 0; i < 4; i++) {
		TEST_ASSERT(run_guest(v, &uc, &exits) == UCALL_SYNC, "sync");
		rec("no speaker: read", "%lu", (unsigned long)uc.args[0]);
	}
	/* Counter 0's low byte: 65536 and stopped (no irqchip). */
	TEST_ASSERT(exits == 4 && uc.args[0] == 0, "%d exits, then 0x%lx",
		    exits, (unsigned long)uc.args[0]);
	vm_free(vm);

	/* With it, 0x61 only: 0x62 and 0x64 still go to userspace. */
	exits = 0;
	vm = vm_create_guest(dev, 1, guest_speaker, &v);
	create_pit2(vm, KVM_PIT_SPEAKER_DUMMY);
	for (i = 0; i < 4; i++) {
		TEST_ASSERT(run_guest(v, &uc, &exits) == UCALL_SYNC, "sync");
		/* Bits 4 and 5 of 0x61 (refresh, OUT2) depend on time. */
		rec("speaker: read", "%lu", (unsigned long)uc.args[0] &
		    (i ? 0xff : 0xcf));
	}
	TEST_ASSERT(exits == 2, "%d exits, expected 2 (0x62, 0x64)", exits);
	vm_free(vm);
	ksft_pass("port 0x61 in the kernel with KVM_PIT_SPEAKER_DUMMY only");
}

static void run(struct test_dev *dev)
{
	test_ioctls(dev);
	test_exact(dev);
	test_counting(dev);
	test_speaker(dev);
}

int main(void)
{
	return ksft_run_devices("pit", 4, run);
}
