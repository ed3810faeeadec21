// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 programmable interval timer (Intel 82C54 datasheet), timed from
 * the host's CLOCK_MONOTONIC: a counter's value is computed from the time
 * elapsed since it was loaded, at 1.193182 MHz.  Channel 0 drives IRQ 0
 * through a timerfd (periodic in modes 2 and 3, one-shot in the others);
 * channel 2's gate and output are bits 0 and 5 of port 0x61, which Linux
 * uses to calibrate the TSC.  Channel 1 (DRAM refresh) counts but drives
 * nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../bus.h"
#include "../evloop.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

#define PIT_HZ		1193182ULL
#define NSEC		1000000000ULL

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };

struct pit_channel {
	uint32_t reload;	/* 1..65536 */
	uint8_t mode;		/* 0..5 */
	uint8_t rw;		/* RW_LSB, RW_MSB or RW_WORD */
	bool bcd;
	bool loaded;		/* a count was written since the mode */
	bool write_msb;		/* RW_WORD: the next write is the MSB */
	uint8_t write_lsb;
	bool read_msb;		/* RW_WORD: the next read is the MSB */
	int latched;		/* bytes of `latch` still to read */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	bool gate;
	uint64_t load_ns;	/* when counting (re)started */
	uint64_t held_ticks;	/* ticks counted before the gate went low */
};

struct pit {
	struct vm *vm;
	struct pit_channel ch[3];
	int timer_fd;
	uint8_t port61;		/* speaker data (bit 1), gate 2 (bit 0) */
	bool refresh;		/* bit 4 of 0x61: toggles */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static uint64_t ticks(struct pit_channel *c)
{
	if (!c->loaded)
		return 0;
	if (!c->gate)
		return c->held_ticks;
	return c->held_ticks + (now_ns() - c->load_ns) * PIT_HZ / NSEC;
}

static uint16_t count(struct pit_channel *c)
{
	uint64_t t = ticks(c);

	if (!c->loaded)
		return 0;
	switch (c->mode) {
	case 2:
		return c->reload - t % c->reload;
	case 3:		/* counts down by two, twice per period */
		return (c->reload - 2 * (t % ((c->reload + 1) / 2))) & 0xfffe;
	default:	/* 0, 1, 4, 5: one pass, then wraps */
		return (c->reload - t) & 0xffff;
	}
}

static bool output(struct pit_channel *c)
{
	uint64_t t = ticks(c);

	if (!c->loaded)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
	case 1:
		return t >= c->reload;
	case 2:
		return t % c->reload != c->reload - 1;
	case 3:
		return t % c->reload < (c->reload + 1) / 2;
	default:	/* 4, 5: a one-tick strobe at terminal count */
		return t != c->reload;
	}
}

/* Channel 0 drives IRQ 0: arm the timerfd for its next terminal counts. */
static void arm_timer(struct pit *pit)
{
	struct pit_channel *c = &pit->ch[0];
	struct itimerspec its = { 0 };

	if (c->loaded) {
		uint64_t ns = c->reload * NSEC / PIT_HZ;

		if (!ns)
			ns = 1;
		its.it_value.tv_sec = ns / NSEC;
		its.it_value.tv_nsec = ns % NSEC;
		if (c->mode == 2 || c->mode == 3)
			its.it_interval = its.it_value;
	}
	timerfd_settime(pit->timer_fd, 0, &its, NULL);
}

static void on_timer(void *opaque, int fd)
{
	struct pit *pit = opaque;
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return;
	vm_lock(pit->vm);
	/* An edge on IRQ 0; ticks the guest missed are not replayed. */
	irq_set(pit->vm, 0, 1);
	irq_set(pit->vm, 0, 0);
	vm_unlock(pit->vm);
}

static void load(struct pit *pit, int n, uint32_t value)
{
	struct pit_channel *c = &pit->ch[n];

	c->reload = value ? value : 0x10000;
	c->loaded = true;
	c->held_ticks = 0;
	c->load_ns = now_ns();
	if (n == 0)
		arm_timer(pit);
}

static void write_count(struct pit *pit, int n, uint8_t val)
{
	struct pit_channel *c = &pit->ch[n];

	switch (c->rw) {
	case RW_LSB:
		load(pit, n, val);
		break;
	case RW_MSB:
		load(pit, n, val << 8);
		break;
	default:
		if (c->write_msb)
			load(pit, n, c->write_lsb | val << 8);
		else
			c->write_lsb = val;
		c->write_msb = !c->write_msb;
		break;
	}
}

static uint8_t read_count(struct pit_channel *c)
{
	uint16_t v;
	uint8_t b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		b = (c->rw == RW_MSB || (c->rw == RW_WORD && c->latched == 1)) ?
			v >> 8 : v & 0xff;
		c->latched--;
		return b;
	}
	v = count(c);
	switch (c->rw) {
	case RW_LSB:
		return v & 0xff;
	case RW_MSB:
		return v >> 8;
	default:
		c->read_msb = !c->read_msb;
		return c->read_msb ? v & 0xff : v >> 8;
	}
}

static void latch_count(struct pit_channel *c)
{
	if (c->latched)
		return;		/* a second latch before reading is ignored */
	c->latch = count(c);
	c->latched = c->rw == RW_WORD ? 2 : 1;
}

static void latch_status(struct pit_channel *c)
{
	if (c->status_latched)
		return;
	c->status = output(c) << 7 | !c->loaded << 6 | c->rw << 4 |
		    c->mode << 1 | c->bcd;
	c->status_latched = true;
}

static void control(struct pit *pit, uint8_t val)
{
	int n = val >> 6, rw = (val >> 4) & 3;
	struct pit_channel *c;

	if (n == 3) {		/* read-back: bits 1-3 select channels */
		for (int i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				latch_count(&pit->ch[i]);
			if (!(val & 0x10))
				latch_status(&pit->ch[i]);
		}
		return;
	}
	c = &pit->ch[n];
	if (rw == RW_LATCH) {
		latch_count(c);
		return;
	}
	c->rw = rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
	c->loaded = false;
	c->write_msb = c->read_msb = false;
	c->latched = 0;
	if (n == 0)
		arm_timer(pit);
}

static void pit_io(void *dev, uint64_t off, uint8_t *data, unsigned int size,
		   bool write)
{
	struct pit *pit = dev;

	(void)size;
	if (off == 3) {
		if (write)
			control(pit, data[0]);
		return;		/* the control word reads as nothing */
	}
	if (write)
		write_count(pit, off, data[0]);
	else
		data[0] = read_count(&pit->ch[off]);
}

/* Gate of channel 2: counting holds while it is low; a rising edge restarts
 * modes 1, 2, 3 and 5. */
static void set_gate2(struct pit *pit, bool gate)
{
	struct pit_channel *c = &pit->ch[2];

	if (gate == c->gate)
		return;
	if (!gate) {
		c->held_ticks = ticks(c);
	} else {
		if (c->mode == 1 || c->mode == 2 || c->mode == 3 ||
		    c->mode == 5)
			c->held_ticks = 0;
		c->load_ns = now_ns();
	}
	c->gate = gate;
}

/* Port 0x61, system control port B: bit 0 gate 2, bit 1 speaker, bit 4
 * refresh request (toggles), bit 5 channel 2's output. */
static void port61_io(void *dev, uint64_t off, uint8_t *data,
		      unsigned int size, bool write)
{
	struct pit *pit = dev;

	(void)off;
	(void)size;
	if (write) {
		pit->port61 = data[0] & 3;
		set_gate2(pit, data[0] & 1);
		return;
	}
	pit->refresh = !pit->refresh;
	data[0] = pit->port61 | pit->refresh << 4 | output(&pit->ch[2]) << 5;
}

void pit_init(struct vm *vm)
{
	struct pit *pit = calloc(1, sizeof(*pit));

	if (!pit)
		die("out of memory");
	pit->vm = vm;
	pit->ch[0].gate = pit->ch[1].gate = true;
	for (int i = 0; i < 3; i++)
		pit->ch[i].rw = RW_WORD;
	pit->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (pit->timer_fd < 0)
		die("timerfd_create: %s", strerror(errno));
	ev_add(vm, pit->timer_fd, on_timer, pit);
	bus_register(&vm->pio, 0x40, 4, "8254 PIT", pit_io, pit);
	bus_register(&vm->pio, 0x61, 1, "port 0x61", port61_io, pit);
}
