// SPDX-License-Identifier: GPL-2.0
/*
 * A pair of 8259A programmable interrupt controllers, cascaded on IR2 of the
 * master, as in every PC (Intel 8259A datasheet; the model follows QEMU's
 * i8259).  Edge- or level-triggered per line via the ELCR at 0x4D0/0x4D1.
 */
#include <stdlib.h>

#include "../bus.h"
#include "../util.h"
#include "../vm.h"
#include "devices.h"

struct pic_chip {
	uint8_t irr;		/* interrupt request register */
	uint8_t isr;		/* in service */
	uint8_t imr;		/* mask */
	uint8_t last_irr;	/* line levels, for edge detection */
	uint8_t elcr;		/* 1 = level-triggered */
	uint8_t irq_base;	/* ICW2 */
	uint8_t priority_add;	/* lowest-priority line + 1 (rotation) */
	uint8_t init_state;	/* 0 ready, 1-3 expecting ICW2-ICW4 */
	bool init4, single, auto_eoi, rotate_on_auto_eoi;
	bool special_mask, special_fully_nested, poll, read_isr;
};

struct pic {
	struct vm *vm;
	struct pic_chip chip[2];	/* master, slave */
};

/* Priority (0 highest) of the highest-priority bit in mask; 8 if none. */
static int get_priority(struct pic_chip *c, uint8_t mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1 << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* The line the chip would raise INT for, or -1. */
static int chip_irq(struct pic_chip *c, bool master)
{
	int prio = get_priority(c, c->irr & ~c->imr);
	uint8_t in_service = c->isr;

	if (prio == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	if (master && c->special_fully_nested)
		in_service &= ~(1 << 2);
	if (prio < get_priority(c, in_service))
		return (prio + c->priority_add) & 7;
	return -1;
}

static void chip_set_irq(struct pic_chip *c, int irq, int level)
{
	uint8_t mask = 1 << irq;

	if (c->elcr & mask) {
		if (level) {
			c->irr |= mask;
			c->last_irr |= mask;
		} else {
			c->irr &= ~mask;
			c->last_irr &= ~mask;
		}
	} else if (level) {
		if (!(c->last_irr & mask))
			c->irr |= mask;
		c->last_irr |= mask;
	} else {
		c->last_irr &= ~mask;
	}
}

static void pic_update(struct pic *pic)
{
	chip_set_irq(&pic->chip[0], 2, chip_irq(&pic->chip[1], false) >= 0);
	irq_output(pic->vm, chip_irq(&pic->chip[0], true) >= 0);
}

void pic_set_irq(struct pic *pic, int irq, int level)
{
	chip_set_irq(&pic->chip[irq >> 3], irq & 7, level);
	pic_update(pic);
}

static void chip_intack(struct pic_chip *c, int irq)
{
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= 1 << irq;
	}
	if (!(c->elcr & (1 << irq)))
		c->irr &= ~(1 << irq);
}

/* The INTA cycle: the vector to deliver.  Spurious IRQ 7/15 if the request
 * went away meanwhile, as on the real chips. */
int pic_intack(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq = chip_irq(m, true), vector;

	if (irq < 0) {
		vector = m->irq_base + 7;
	} else if (irq == 2) {
		int irq2 = chip_irq(s, false);

		chip_intack(m, 2);
		if (irq2 >= 0)
			chip_intack(s, irq2);
		else
			irq2 = 7;
		vector = s->irq_base + irq2;
	} else {
		chip_intack(m, irq);
		vector = m->irq_base + irq;
	}
	pic_update(pic);
	return vector;
}

static void chip_reset(struct pic_chip *c)
{
	uint8_t elcr = c->elcr;

	*c = (struct pic_chip){ .elcr = elcr };
}

static void chip_write(struct pic *pic, struct pic_chip *c, int port,
		       uint8_t val)
{
	if (port == 0 && (val & 0x10)) {		/* ICW1 */
		chip_reset(c);
		c->init_state = 1;
		c->init4 = val & 1;
		c->single = val & 2;
	} else if (port == 0 && (val & 0x08)) {		/* OCW3 */
		if (val & 0x04)
			c->poll = true;
		if (val & 0x02)
			c->read_isr = val & 1;
		if (val & 0x40)
			c->special_mask = (val >> 5) & 1;
	} else if (port == 0) {				/* OCW2 */
		int cmd = val >> 5, prio, irq;

		switch (cmd) {
		case 0:
		case 4:
			c->rotate_on_auto_eoi = cmd >> 2;
			break;
		case 1:	/* non-specific EOI */
		case 5:	/* rotate on non-specific EOI */
			prio = get_priority(c, c->isr);
			if (prio != 8) {
				irq = (prio + c->priority_add) & 7;
				c->isr &= ~(1 << irq);
				if (cmd == 5)
					c->priority_add = (irq + 1) & 7;
			}
			break;
		case 3:	/* specific EOI */
			c->isr &= ~(1 << (val & 7));
			break;
		case 6:	/* set priority */
			c->priority_add = (val + 1) & 7;
			break;
		case 7:	/* rotate on specific EOI */
			irq = val & 7;
			c->isr &= ~(1 << irq);
			c->priority_add = (irq + 1) & 7;
			break;
		}
	} else {
		switch (c->init_state) {
		case 0:					/* OCW1 */
			c->imr = val;
			break;
		case 1:					/* ICW2 */
			c->irq_base = val & 0xf8;
			c->init_state = c->single ? (c->init4 ? 3 : 0) : 2;
			break;
		case 2:					/* ICW3 */
			c->init_state = c->init4 ? 3 : 0;
			break;
		case 3:					/* ICW4 */
			c->special_fully_nested = (val >> 4) & 1;
			c->auto_eoi = (val >> 1) & 1;
			c->init_state = 0;
			break;
		}
	}
	pic_update(pic);
}

static uint8_t chip_read(struct pic *pic, struct pic_chip *c, int port)
{
	if (c->poll) {
		int irq = chip_irq(c, c == &pic->chip[0]);

		c->poll = false;
		if (irq < 0)
			return 0;
		chip_intack(c, irq);
		pic_update(pic);
		return 0x80 | irq;
	}
	if (port == 0)
		return c->read_isr ? c->isr : c->irr;
	return c->imr;
}

static void pic_io(void *dev, uint64_t off, uint8_t *data, unsigned int size,
		   bool write, int which)
{
	struct pic *pic = dev;
	struct pic_chip *c = &pic->chip[which];

	(void)size;
	if (write)
		chip_write(pic, c, off & 1, data[0]);
	else
		data[0] = chip_read(pic, c, off & 1);
}

static void master_io(void *dev, uint64_t off, uint8_t *data,
		      unsigned int size, bool write)
{
	pic_io(dev, off, data, size, write, 0);
}

static void slave_io(void *dev, uint64_t off, uint8_t *data,
		     unsigned int size, bool write)
{
	pic_io(dev, off, data, size, write, 1);
}

/* ELCR: IRQ 0, 1, 2, 8 and 13 are always edge-triggered. */
static void elcr_io(void *dev, uint64_t off, uint8_t *data, unsigned int size,
		    bool write)
{
	static const uint8_t writable[2] = { 0xf8, 0xde };
	struct pic *pic = dev;

	for (unsigned int i = 0; i < size && off + i < 2; i++) {
		struct pic_chip *c = &pic->chip[off + i];

		if (write)
			c->elcr = data[i] & writable[off + i];
		else
			data[i] = c->elcr;
	}
}

void pic_init(struct vm *vm)
{
	struct pic *pic = calloc(1, sizeof(*pic));

	if (!pic)
		die("out of memory");
	pic->vm = vm;
	vm->pic = pic;
	bus_register(&vm->pio, 0x20, 2, "8259A master", master_io, pic);
	bus_register(&vm->pio, 0xa0, 2, "8259A slave", slave_io, pic);
	bus_register(&vm->pio, 0x4d0, 2, "ELCR", elcr_io, pic);
}
