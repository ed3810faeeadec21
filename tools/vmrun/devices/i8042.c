// SPDX-License-Identifier: GPL-2.0
/*
 * The 8042 keyboard controller at 0x60 (data) and 0x64 (status/command),
 * with a keyboard that answers but never types, and no mouse.  What matters
 * is its reset line: command 0xFE (pulse output line 0), or bit 0 of the
 * output port cleared with command 0xD1, resets the machine, and vmrun stops.
 * The rest is enough for Linux's i8042 and atkbd drivers to find a
 * controller and a keyboard without timeouts (IRQ 1 when a byte waits and
 * the command byte enables it).
 */
#include <stdlib.h>

#include "../bus.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

#define STATUS_OBF	0x01	/* output buffer full */
#define STATUS_SYS	0x04	/* self-test passed */
#define STATUS_CMD	0x08	/* last write was to 0x64 */
#define STATUS_UNLOCKED	0x10

#define CTR_KBDINT	0x01
#define CTR_SYS		0x04
#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20
#define CTR_XLATE	0x40

#define KBD_IRQ		1
#define QUEUE		16

struct i8042 {
	struct vm *vm;
	uint8_t status, ctr, outport;
	uint8_t pending;		/* controller command awaiting its data */
	uint8_t kbd_pending;		/* keyboard command awaiting its data */
	uint8_t queue[QUEUE];		/* bytes for the output buffer */
	int head, count;
	uint8_t out;			/* the output buffer */
};

static void update(struct i8042 *k)
{
	if (!(k->status & STATUS_OBF) && k->count) {
		k->out = k->queue[k->head];
		k->head = (k->head + 1) % QUEUE;
		k->count--;
		k->status |= STATUS_OBF;
	}
	irq_set(k->vm, KBD_IRQ,
		(k->status & STATUS_OBF) && (k->ctr & CTR_KBDINT));
}

static void queue(struct i8042 *k, uint8_t b)
{
	if (k->count < QUEUE)
		k->queue[(k->head + k->count++) % QUEUE] = b;
}

static void reset_line(struct i8042 *k, uint8_t outport)
{
	k->outport = outport;
	if (!(outport & 1))
		vm_reset(k->vm, "keyboard controller reset line");
}

static void command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:			/* read command byte */
		queue(k, k->ctr);
		break;
	case 0x60:			/* write command byte */
	case 0xd1:			/* write output port */
	case 0xd2:			/* write keyboard output buffer */
	case 0xd3:			/* write aux output buffer */
	case 0xd4:			/* write to aux device */
		k->pending = cmd;
		break;
	case 0xa7:			/* disable aux */
		k->ctr |= CTR_AUXDIS;
		break;
	case 0xa8:			/* enable aux */
		k->ctr &= ~CTR_AUXDIS;
		break;
	case 0xa9:			/* aux interface test: clock stuck low */
		queue(k, 0x01);
		break;
	case 0xaa:			/* controller self-test */
		k->status |= STATUS_SYS;
		queue(k, 0x55);
		break;
	case 0xab:			/* keyboard interface test */
		queue(k, 0x00);
		break;
	case 0xad:
		k->ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		k->ctr &= ~CTR_KBDDIS;
		break;
	case 0xd0:			/* read output port */
		queue(k, k->outport);
		break;
	default:
		/* 0xF0-0xFF pulse output lines low for 6 us; line 0 is the
		 * CPU reset (0xFE). */
		if (cmd >= 0xf0 && !(cmd & 1))
			vm_reset(k->vm, "keyboard controller reset line");
		break;
	}
}

/* A byte written to 0x60 without a pending controller command goes to the
 * keyboard, which acknowledges everything. */
static void keyboard(struct i8042 *k, uint8_t b)
{
	if (k->kbd_pending) {		/* the data byte of 0xED, 0xF0, 0xF3 */
		uint8_t cmd = k->kbd_pending;

		k->kbd_pending = 0;
		queue(k, 0xfa);
		if (cmd == 0xf0 && b == 0)
			queue(k, 0x02);	/* current scan code set */
		return;
	}
	queue(k, 0xfa);
	switch (b) {
	case 0xed:
	case 0xf0:
	case 0xf3:
		k->kbd_pending = b;
		break;
	case 0xf2:			/* identify: MF2 keyboard */
		queue(k, 0xab);
		queue(k, k->ctr & CTR_XLATE ? 0x41 : 0x83);
		break;
	case 0xff:			/* reset: self-test passed */
		queue(k, 0xaa);
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t b)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = b;
		break;
	case 0xd1:
		reset_line(k, b);
		break;
	case 0xd2:
	case 0xd3:	/* echoed, but not marked as aux data: no mouse */
		queue(k, b);
		break;
	case 0xd4:	/* to the mouse that is not there */
		break;
	default:
		keyboard(k, b);
		break;
	}
}

static void data_io(void *dev, uint64_t off, uint8_t *data,
		    unsigned int size, bool write)
{
	struct i8042 *k = dev;

	(void)off;
	(void)size;
	if (write) {
		k->status &= ~STATUS_CMD;
		data_write(k, data[0]);
	} else {
		data[0] = k->out;
		k->status &= ~STATUS_OBF;
	}
	update(k);
}

static void command_io(void *dev, uint64_t off, uint8_t *data,
		       unsigned int size, bool write)
{
	struct i8042 *k = dev;

	(void)off;
	(void)size;
	if (write) {
		k->status |= STATUS_CMD;
		command(k, data[0]);
	} else {
		data[0] = k->status;
	}
	update(k);
}

void i8042_init(struct vm *vm)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		die("out of memory");
	k->vm = vm;
	k->status = STATUS_SYS | STATUS_UNLOCKED;
	k->ctr = CTR_KBDINT | CTR_SYS | CTR_AUXDIS | CTR_XLATE;
	k->outport = 0x01;	/* reset line high */
	bus_register(&vm->pio, 0x60, 1, "i8042 data", data_io, k);
	bus_register(&vm->pio, 0x64, 1, "i8042 command", command_io, k);
}
