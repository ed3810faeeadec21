// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's two 8259A programmable interrupt controllers, cascaded (the
 * slave's INT on the master's IR2), and the PIIX edge/level control
 * registers (ELCR) at 0x4d0-0x4d1, in the kernel once KVM_CREATE_IRQCHIP
 * made them.  Each chip's state is KVM's struct kvm_pic_state, the
 * KVM_GET/SET_IRQCHIP layout, whose fields KVM takes as given: nothing
 * here indexes by them, so any value is harmless.
 *
 * The 8259A data sheet (Intel 231468) is the authority:
 *  - ICW1 on the even port starts initialization: the edge-sense latches
 *    and the IMR are cleared, IR7 is lowest priority, special mask mode
 *    off, reads return the IRR; ICW2 (vector base, T7-T3), ICW3 and, if
 *    ICW1 asked for it, ICW4 (auto EOI, special fully nested mode) follow
 *    on the odd port.  The PC's pair is always cascaded, so ICW3 is always
 *    expected (single mode is ignored, as in KVM).
 *  - Afterwards the odd port is the IMR (OCW1); the even port takes OCW2
 *    (EOI: non-specific, specific, with rotation; set priority; rotate in
 *    auto-EOI mode) and OCW3 (poll, read IRR or ISR, special mask mode).
 *  - Trigger mode comes from the ELCR, not ICW1's LTIM (PIIX): an edge
 *    request is latched in the IRR on a rising edge until acknowledged, a
 *    level request follows the line.  IR0-2 of the master and IR0 and IR5
 *    of the slave are always edge (KVM's ELCR masks).
 *  - INTA sets the ISR bit of the highest-priority request above what is
 *    in service and clears an edge request, or returns IR7's vector if the
 *    request went away (a spurious interrupt, no ISR bit).
 * Where KVM departs from the data sheet ember follows the data sheet, and
 * the README lists it: a poll read returns bit 7 set and the level, and
 * acknowledges as INTA does (KVM returns the level alone, or 7, and
 * clears the ISR bit); special mask mode lets through the requests below
 * a masked in-service level, and a non-specific EOI skips masked ISR bits
 * in it (KVM ignores the mode); special fully nested mode recognizes
 * only a further request of the slave in service (KVM lets the master's
 * lower levels through too).
 *
 * The INTR output goes to LINT0 of the LAPICs (arch/x86/irqchip.c).  When
 * it rises, the vCPUs that take ExtINT are kicked, after the lock is
 * dropped: the kick may wake a thread, which takes scheduler locks.
 *
 * pic->lock, a spinlock taken with interrupts off, protects everything
 * but output, which INTR's readers read without it: lines are set from
 * any context.  The ack notifiers are called with it dropped, since they
 * may set lines again; the state they see is complete.
 */
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "ember.h"
#include "io_bus.h"
#include "irq.h"
#include "irqchip.h"
#include "lapic.h"
#include "pic.h"

#define PIC_NUM_PINS	16
#define PIC_CASCADE_IR	2	/* the slave's INT on the master */
#define PIC_SPURIOUS_IR	7

/* Command words on the even port (data sheet, "Programming the 8259A"). */
#define ICW1		0x10	/* D4: initialization */
#define ICW1_IC4	0x01	/* ICW4 follows */
#define OCW3		0x08	/* D3 with D4 clear: OCW3, else OCW2 */
#define OCW3_RIS	0x01	/* read ISR, not IRR ... */
#define OCW3_RR		0x02	/* ... if RR */
#define OCW3_P		0x04	/* poll */
#define OCW3_SMM	0x20	/* special mask mode on ... */
#define OCW3_ESMM	0x40	/* ... if ESMM */
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10
#define POLL_INT	0x80	/* the poll word: a request, and its level */

/* OCW2's R, SL and EOI bits (D7-D5). */
enum {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};

struct ember_pic {
	struct ember_io_device dev;	/* on 0x20, 0xa0 and 0x4d0 */
	struct ember_vm *vm;
	spinlock_t lock;
	struct kvm_pic_state chips[2];	/* master, slave */
	/* Each IRQ's sources that assert it, by irq source id. */
	unsigned long lines[PIC_NUM_PINS];
	bool output;			/* INTR; READ_ONCE without the lock */
	bool wakeup_needed;		/* INTR rose: kick at unlock */
};

static void pic_lock(struct ember_pic *pic, unsigned long *flags)
	__acquires(&pic->lock)
{
	spin_lock_irqsave(&pic->lock, *flags);
}

/* Drops the lock, then kicks the vCPUs that take INTR if it rose. */
static void pic_unlock(struct ember_pic *pic, unsigned long flags)
	__releases(&pic->lock)
{
	bool wakeup = pic->wakeup_needed;

	pic->wakeup_needed = false;
	spin_unlock_irqrestore(&pic->lock, flags);
	if (wakeup)
		x86_irqchip_pic_intr(pic->vm);
}

static inline bool is_master(struct ember_pic *pic, struct kvm_pic_state *c)
{
	return c == &pic->chips[0];
}

/* The chip's IRQ @ir is acknowledged: the ISR bit goes, notifiers told. */
static void pic_clear_isr(struct ember_pic *pic, struct kvm_pic_state *c,
			  int ir)
{
	bool master = is_master(pic, c);

	lockdep_assert_held(&pic->lock);
	c->isr &= ~BIT(ir);
	spin_unlock(&pic->lock);
	ember_notify_acked_irq(pic->vm, master ? KVM_IRQCHIP_PIC_MASTER :
			       KVM_IRQCHIP_PIC_SLAVE, master ? ir : ir + 8);
	spin_lock(&pic->lock);
}

/*
 * IR @ir's input is now @level.  Returns what KVM_IRQ_LINE_STATUS says:
 * -1 if the IMR masks it, else 0 if the request was already in the IRR
 * (coalesced), else 1.
 */
static int pic_set_ir(struct kvm_pic_state *c, int ir, bool level)
{
	u8 bit = BIT(ir);
	int r = 1;

	if (c->elcr & bit) {
		if (level) {
			r = !(c->irr & bit);
			c->irr |= bit;
			c->last_irr |= bit;
		} else {
			c->irr &= ~bit;
			c->last_irr &= ~bit;
		}
	} else if (level) {
		if (!(c->last_irr & bit)) {
			r = !(c->irr & bit);
			c->irr |= bit;
		}
		c->last_irr |= bit;
	} else {
		c->last_irr &= ~bit;
	}
	return c->imr & bit ? -1 : r;
}

/* IMR bits that changed: the mask notifiers of those pins are told. */
static void pic_imr_changed(struct ember_pic *pic, struct kvm_pic_state *c,
			    u8 old)
{
	bool master = is_master(pic, c);
	u8 changed = old ^ c->imr;
	int ir;

	for (ir = 0; ir < 8; ir++)
		if (changed & BIT(ir))
			ember_fire_mask_notifiers(pic->vm,
				master ? KVM_IRQCHIP_PIC_MASTER :
					 KVM_IRQCHIP_PIC_SLAVE,
				master ? ir : ir + 8, c->imr & BIT(ir));
}

/*
 * The priority (0 highest) of the highest-priority level set in @mask,
 * with the rotation priority_add gives, or 8 if none.
 */
static int pic_priority(const struct kvm_pic_state *c, u8 mask)
{
	int p;

	if (!mask)
		return 8;
	for (p = 0; !(mask & BIT((p + c->priority_add) & 7)); p++)
		;
	return p;
}

static inline int pic_ir_of(const struct kvm_pic_state *c, int priority)
{
	return (priority + c->priority_add) & 7;
}

/*
 * The IR whose request the chip presents on INT, or -1: the highest
 * unmasked request above the highest level in service.
 */
static int pic_get_ir(struct ember_pic *pic, struct kvm_pic_state *c)
{
	u8 isr = c->isr;
	int p, cur;

	p = pic_priority(c, c->irr & ~c->imr);
	if (p == 8)
		return -1;
	/* Special mask mode: a masked level in service inhibits nothing. */
	if (c->special_mask)
		isr &= ~c->imr;
	cur = pic_priority(c, isr);
	if (p < cur)
		return pic_ir_of(c, p);
	/*
	 * Special fully nested mode: the slave in service may still
	 * interrupt the master with its higher-priority requests.
	 */
	if (p == cur && c->special_fully_nested_mode && is_master(pic, c) &&
	    pic_ir_of(c, p) == PIC_CASCADE_IR)
		return PIC_CASCADE_IR;
	return -1;
}

/* Recomputes INT of both chips, after anything that may change them. */
static void pic_update(struct ember_pic *pic)
{
	bool out;

	lockdep_assert_held(&pic->lock);
	/* The slave's INT is an edge on the master's IR2. */
	if (pic_get_ir(pic, &pic->chips[1]) >= 0) {
		pic_set_ir(&pic->chips[0], PIC_CASCADE_IR, true);
		pic_set_ir(&pic->chips[0], PIC_CASCADE_IR, false);
	}
	out = pic_get_ir(pic, &pic->chips[0]) >= 0;
	if (out && !pic->output)
		pic->wakeup_needed = true;
	WRITE_ONCE(pic->output, out);
}

/* INTA (or a poll read) for @ir: in service, edge request consumed. */
static void pic_intack(struct ember_pic *pic, struct kvm_pic_state *c,
		       int ir)
{
	c->isr |= BIT(ir);
	if (!(c->elcr & BIT(ir)))
		c->irr &= ~BIT(ir);
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (ir + 1) & 7;
		pic_clear_isr(pic, c, ir);
	}
}

int ember_pic_set_irq(struct ember_vm *vm, int irq, int irq_source_id,
		      int level)
{
	struct ember_pic *pic = vm->arch.pic;
	unsigned long flags;
	bool line;
	int r;

	if (!pic || irq < 0 || irq >= PIC_NUM_PINS || irq_source_id < 0 ||
	    irq_source_id >= EMBER_MAX_IRQ_SOURCE_IDS)
		return -1;
	irq = array_index_nospec(irq, PIC_NUM_PINS);

	pic_lock(pic, &flags);
	if (level)
		__set_bit(irq_source_id, &pic->lines[irq]);
	else
		__clear_bit(irq_source_id, &pic->lines[irq]);
	line = pic->lines[irq];
	r = pic_set_ir(&pic->chips[irq >> 3], irq & 7, line);
	pic_update(pic);
	pic_unlock(pic, flags);
	return r;
}

/* The source's level goes; the IRQs keep their state until set again. */
void ember_pic_clear_source(struct ember_vm *vm, int irq_source_id)
{
	struct ember_pic *pic = vm->arch.pic;
	unsigned long flags;
	int i;

	if (!pic || irq_source_id < 0 ||
	    irq_source_id >= EMBER_MAX_IRQ_SOURCE_IDS)
		return;
	pic_lock(pic, &flags);
	for (i = 0; i < PIC_NUM_PINS; i++)
		__clear_bit(irq_source_id, &pic->lines[i]);
	pic_unlock(pic, flags);
}

bool ember_pic_has_interrupt(struct ember_vm *vm)
{
	struct ember_pic *pic = vm->arch.pic;

	return pic && READ_ONCE(pic->output);
}

/*
 * INTA: the vector of the master's request, or through IR2 of the
 * slave's; IR7's vector of the chip whose request went away.
 */
int ember_pic_read_irq(struct ember_vm *vm)
{
	struct ember_pic *pic = vm->arch.pic;
	struct kvm_pic_state *m, *s;
	unsigned long flags;
	int ir, ir2, vector;

	if (!pic)
		return -1;
	m = &pic->chips[0];
	s = &pic->chips[1];
	pic_lock(pic, &flags);
	ir = pic_get_ir(pic, m);
	if (ir < 0) {
		vector = m->irq_base + PIC_SPURIOUS_IR;
	} else {
		pic_intack(pic, m, ir);
		if (ir == PIC_CASCADE_IR) {
			ir2 = pic_get_ir(pic, s);
			if (ir2 >= 0)
				pic_intack(pic, s, ir2);
			else
				ir2 = PIC_SPURIOUS_IR;
			vector = s->irq_base + ir2;
		} else {
			vector = m->irq_base + ir;
		}
	}
	pic_update(pic);
	pic_unlock(pic, flags);
	/* irq_base is anything KVM_SET_IRQCHIP gave: a vector is 8 bits. */
	return vector & 0xff;
}

/*
 * Any vCPU whose LINT0 takes the PICs' INTR?  (KVM acknowledges the lost
 * edge requests at ICW1 only then.)  Asked before the PIC lock is taken.
 */
static bool pic_intr_taken(struct ember_vm *vm)
{
	/* Pairs with the release in ember_vcpu_create(). */
	int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n; i++)
		if (ember_lapic_accept_pic_intr(vm->vcpus[i]))
			return true;
	return false;
}

/* ICW1: the data sheet's initialization (see the top of the file). */
static void pic_icw1(struct ember_pic *pic, struct kvm_pic_state *c, u8 val,
		     bool intr_taken)
{
	u8 lost = c->irr & ~c->elcr, old_imr = c->imr;
	int ir;

	c->init4 = val & ICW1_IC4;
	c->last_irr = 0;
	c->irr &= c->elcr;
	c->imr = 0;
	pic_imr_changed(pic, c, old_imr);
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	if (!c->init4) {
		c->special_fully_nested_mode = 0;
		c->auto_eoi = 0;
	}
	c->init_state = 1;
	pic_update(pic);
	/*
	 * Edge requests lost here are acknowledged, as KVM does, so that a
	 * source counting its unacknowledged interrupts (the PIT's
	 * reinjection) does not wait forever.
	 */
	if (!intr_taken)
		return;
	for (ir = 0; ir < 8; ir++)
		if (lost & BIT(ir))
			pic_clear_isr(pic, c, ir);
}

static void pic_ocw2(struct ember_pic *pic, struct kvm_pic_state *c, u8 val)
{
	u8 isr;
	int p, ir = val & 7;

	switch (val >> 5) {
	case OCW2_ROTATE_AEOI_CLEAR:
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_auto_eoi = val >> 7;
		return;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		/* Special mask mode: masked levels are not EOI'd so. */
		isr = c->special_mask ? c->isr & ~c->imr : c->isr;
		p = pic_priority(c, isr);
		if (p == 8)
			return;
		ir = pic_ir_of(c, p);
		if (val >> 5 == OCW2_ROTATE_EOI)
			c->priority_add = (ir + 1) & 7;
		pic_clear_isr(pic, c, ir);
		break;
	case OCW2_SPECIFIC_EOI:
		pic_clear_isr(pic, c, ir);
		break;
	case OCW2_SET_PRIORITY:
		c->priority_add = (ir + 1) & 7;
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->priority_add = (ir + 1) & 7;
		pic_clear_isr(pic, c, ir);
		break;
	default:	/* OCW2_NOP */
		return;
	}
	pic_update(pic);
}

static void pic_write(struct ember_pic *pic, struct kvm_pic_state *c,
		      bool odd, u8 val, bool intr_taken)
{
	u8 old;

	if (!odd) {
		if (val & ICW1) {
			pic_icw1(pic, c, val, intr_taken);
		} else if (val & OCW3) {
			if (val & OCW3_P)
				c->poll = 1;
			if (val & OCW3_RR)
				c->read_reg_select = val & OCW3_RIS;
			if (val & OCW3_ESMM) {
				c->special_mask = !!(val & OCW3_SMM);
				pic_update(pic);
			}
		} else {
			pic_ocw2(pic, c, val);
		}
		return;
	}
	switch (c->init_state) {
	case 0:		/* OCW1 */
		old = c->imr;
		c->imr = val;
		pic_imr_changed(pic, c, old);
		pic_update(pic);
		break;
	case 1:		/* ICW2 */
		c->irq_base = val & 0xf8;
		c->init_state = 2;
		break;
	case 2:		/* ICW3 */
		c->init_state = c->init4 ? 3 : 0;
		break;
	case 3:		/* ICW4 */
		c->special_fully_nested_mode = !!(val & ICW4_SFNM);
		c->auto_eoi = !!(val & ICW4_AEOI);
		c->init_state = 0;
		break;
	}
}

/*
 * Poll (data sheet, "The Poll Command"): the read is the acknowledgment;
 * bit 7 says a request was there, bits 2-0 its level.
 */
static u8 pic_poll(struct ember_pic *pic, struct kvm_pic_state *c)
{
	int ir = pic_get_ir(pic, c);

	c->poll = 0;
	if (ir < 0)
		return 0;
	pic_intack(pic, c, ir);
	pic_update(pic);
	return POLL_INT | ir;
}

static u8 pic_read(struct ember_pic *pic, struct kvm_pic_state *c, bool odd)
{
	if (c->poll)
		return pic_poll(pic, c);
	if (odd)
		return c->imr;
	return c->read_reg_select ? c->isr : c->irr;
}

static inline struct ember_pic *to_pic(struct ember_io_device *dev)
{
	return container_of(dev, struct ember_pic, dev);
}

/* Byte accesses only: wider ones are ignored and read 0, as in KVM. */
static int pic_io_write(struct ember_vcpu *vcpu, struct ember_io_device *dev,
			u64 addr, int len, const void *val)
{
	struct ember_pic *pic = to_pic(dev);
	struct kvm_pic_state *c;
	unsigned long flags;
	bool intr_taken = false;
	u8 data = *(const u8 *)val;

	switch (addr) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		if (len != 1)
			return 0;
		c = &pic->chips[addr == 0xa0 || addr == 0xa1];
		/* ICW1 asks the LAPICs first: never under our lock. */
		if (!(addr & 1) && (data & ICW1))
			intr_taken = pic_intr_taken(pic->vm);
		pic_lock(pic, &flags);
		pic_write(pic, c, addr & 1, data, intr_taken);
		pic_unlock(pic, flags);
		return 0;
	case 0x4d0:
	case 0x4d1:
		if (len != 1)
			return 0;
		c = &pic->chips[addr & 1];
		pic_lock(pic, &flags);
		c->elcr = data & c->elcr_mask;
		pic_unlock(pic, flags);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int pic_io_read(struct ember_vcpu *vcpu, struct ember_io_device *dev,
		       u64 addr, int len, void *val)
{
	struct ember_pic *pic = to_pic(dev);
	struct kvm_pic_state *c;
	unsigned long flags;
	u8 data;

	switch (addr) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		c = &pic->chips[addr == 0xa0 || addr == 0xa1];
		break;
	case 0x4d0:
	case 0x4d1:
		c = &pic->chips[addr & 1];
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (len != 1) {
		if (len > 0 && len <= sizeof(u64))
			memset(val, 0, len);
		return 0;
	}
	pic_lock(pic, &flags);
	if (addr >= 0x4d0)
		data = c->elcr;
	else
		data = pic_read(pic, c, addr & 1);
	pic_unlock(pic, flags);
	*(u8 *)val = data;
	return 0;
}

static const struct ember_io_device_ops pic_io_ops = {
	.read = pic_io_read,
	.write = pic_io_write,
};

/* Master, slave, ELCR: two ports each. */
static const u16 pic_ports[] = { 0x20, 0xa0, 0x4d0 };

/* Both chips as after power-on: all zero until ICW1, KVM's ELCR masks. */
int ember_pic_create(struct ember_vm *vm)
{
	struct ember_pic *pic;
	unsigned int i;
	int r = 0;

	lockdep_assert_held(&vm->lock);
	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return -ENOMEM;
	pic->vm = vm;
	spin_lock_init(&pic->lock);
	pic->chips[0].elcr_mask = 0xf8;
	pic->chips[1].elcr_mask = 0xde;
	pic->dev.ops = &pic_io_ops;

	mutex_lock(&vm->slots_lock);
	for (i = 0; i < ARRAY_SIZE(pic_ports); i++) {
		r = ember_io_bus_register(vm, EMBER_PIO_BUS, pic_ports[i], 2,
					  &pic->dev);
		if (r)
			break;
	}
	if (r && i)
		ember_io_bus_unregister(vm, EMBER_PIO_BUS, &pic->dev);
	mutex_unlock(&vm->slots_lock);
	if (r) {
		kfree(pic);
		return r;
	}
	vm->arch.pic = pic;
	return 0;
}

void ember_pic_destroy(struct ember_vm *vm)
{
	struct ember_pic *pic = vm->arch.pic;

	if (!pic)
		return;
	mutex_lock(&vm->slots_lock);
	ember_io_bus_unregister(vm, EMBER_PIO_BUS, &pic->dev);
	mutex_unlock(&vm->slots_lock);
	vm->arch.pic = NULL;
	kfree(pic);
}

int ember_pic_get_state(struct ember_vm *vm, int chip, struct kvm_pic_state *s)
{
	struct ember_pic *pic = vm->arch.pic;
	unsigned long flags;

	if (!pic)
		return -ENXIO;
	if (chip != KVM_IRQCHIP_PIC_MASTER && chip != KVM_IRQCHIP_PIC_SLAVE)
		return -EINVAL;
	chip = array_index_nospec(chip, 2);
	pic_lock(pic, &flags);
	*s = pic->chips[chip];
	pic_unlock(pic, flags);
	return 0;
}

/* KVM_SET_IRQCHIP: the state as given (KVM checks nothing), then INTR. */
int ember_pic_set_state(struct ember_vm *vm, int chip,
			const struct kvm_pic_state *s)
{
	struct ember_pic *pic = vm->arch.pic;
	unsigned long flags;

	if (!pic)
		return -ENXIO;
	if (chip != KVM_IRQCHIP_PIC_MASTER && chip != KVM_IRQCHIP_PIC_SLAVE)
		return -EINVAL;
	chip = array_index_nospec(chip, 2);
	pic_lock(pic, &flags);
	pic->chips[chip] = *s;
	pic_update(pic);
	pic_unlock(pic, flags);
	return 0;
}
