// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O APIC: an Intel 82093AA with 24 pins, in the kernel once
 * KVM_CREATE_IRQCHIP made it, at 0xfec00000 on the MMIO bus.
 *
 * Registers (82093AA data sheet, 3.0): IOREGSEL at offset 0x00 selects an
 * indirect register, IOWIN at 0x10 reads or writes it: 0x00 ID, 0x01
 * version (0x11, highest redirection entry 0x17), 0x02 arbitration ID, and
 * from 0x10 the 24 64-bit redirection entries as pairs of 32-bit halves
 * (3.2.4).  Other offsets read 0 and ignore writes; other indirect
 * registers read all ones.  Everything a guest writes to an entry is kept,
 * as KVM keeps it, except the read-only delivery status and remote IRR.
 *
 * A pin's line is the OR of its sources (one bit per irq source id:
 * KVM_IRQ_LINE, irqfds, the PIT).  Polarity is stored and not applied: a
 * route sets the pin's logical assertion, as in KVM.  An edge pin sends a
 * message on a rising edge; a level pin sends one whenever its line is
 * asserted and remote IRR is clear, and sets remote IRR until the LAPIC
 * that took it EOIs the vector (3.2.4: "Remote IRR").  The messages go to
 * the LAPICs through apic_bus.c.
 *
 * ioapic->lock, a spinlock taken with interrupts off, protects all of it:
 * lines are set from any context (an irqfd's wakeup, a timer's hrtimer).
 * Under it the IOAPIC calls ember_apic_deliver(), which only accepts
 * interrupts into LAPICs and kicks vCPUs, never calls back here.  The ack
 * notifiers may set lines again, so they are called with the lock dropped.
 */
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/apicdef.h>

#include "ember.h"
#include "io_bus.h"
#include "irq.h"
#include "apic_bus.h"
#include "ioapic.h"

/* The ICR's "no shorthand", which <asm/apicdef.h> does not name. */
#ifndef APIC_DEST_NOSHORT
#define APIC_DEST_NOSHORT	0x0
#endif

#define IOAPIC_MEM_LENGTH	0x100
#define IOAPIC_VERSION		0x11

/* Direct registers (offsets in the MMIO range). */
#define IOAPIC_REG_SELECT	0x00
#define IOAPIC_REG_WINDOW	0x10

/* Indirect registers. */
#define IOAPIC_ID		0x00
#define IOAPIC_VER		0x01
#define IOAPIC_ARB		0x02
#define IOAPIC_REDTBL		0x10

/* A redirection entry (82093AA 3.2.4). */
#define REDIR_VECTOR		0xffull
#define REDIR_DELMODE_SHIFT	8
#define REDIR_DELMODE		(7ull << REDIR_DELMODE_SHIFT)
#define REDIR_DESTMODE		BIT_ULL(11)	/* logical */
#define REDIR_DELIVS		BIT_ULL(12)	/* delivery status, RO */
#define REDIR_POLARITY		BIT_ULL(13)
#define REDIR_REMOTE_IRR	BIT_ULL(14)	/* RO */
#define REDIR_LEVEL		BIT_ULL(15)	/* trigger mode */
#define REDIR_MASK		BIT_ULL(16)
#define REDIR_DEST_SHIFT	56

/*
 * A level line the guest cannot silence would be delivered again at every
 * EOI, and the vCPU would do nothing else.  After this many EOIs in a row
 * that find the line still asserted, the next delivery waits a little, as
 * on hardware (KVM's answer too: it lets a buggy guest make progress).
 */
#define IOAPIC_EOI_STORM	10000
#define IOAPIC_EOI_STORM_DELAY	(HZ / 100)

struct ember_ioapic {
	struct ember_io_device dev;
	struct ember_vm *vm;
	spinlock_t lock;

	/* KVM_GET/SET_IRQCHIP's struct kvm_ioapic_state, field by field. */
	u64 base_address;
	u32 ioregsel;
	u32 id;
	u32 irr;		/* lines asserted (edge: since the edge) */
	u32 pad;
	u64 redir[EMBER_IOAPIC_NUM_PINS];

	/* Edge pins whose message went out: not reported in irr. */
	u32 irr_delivered;
	/* Each pin's sources that assert it, by irq source id. */
	unsigned long lines[EMBER_IOAPIC_NUM_PINS];
	/*
	 * Vectors of edge pins that were sent with an ack notifier on them
	 * (the PIT's reinjection): their EOIs come here too, as KVM routes
	 * them (its ioapic_handled_vectors).  Bits are set at delivery and
	 * never cleared: a stale one costs an EOI walk of the pins, nothing
	 * more.
	 */
	DECLARE_BITMAP(edge_eoi, 256);
	/* Successive EOIs that found the level line still asserted. */
	u32 eoi_count[EMBER_IOAPIC_NUM_PINS];
	struct delayed_work eoi_storm;
};

static inline struct ember_ioapic *to_ioapic(struct ember_io_device *dev)
{
	return container_of(dev, struct ember_ioapic, dev);
}

/*
 * Send pin @pin's message if it may go: not masked, and for a level pin
 * not still waiting for an EOI.  Returns what KVM_IRQ_LINE_STATUS says:
 * the number of LAPICs that took it, or -1.
 */
static int ioapic_service(struct ember_ioapic *ioapic, int pin)
{
	u64 e = ioapic->redir[pin];
	bool level = e & REDIR_LEVEL;
	struct ember_apic_irq irq = {
		.vector = e & REDIR_VECTOR,
		.delivery_mode = ((e & REDIR_DELMODE) >> REDIR_DELMODE_SHIFT)
				 << 8,	/* the ICR's APIC_DM_* encoding */
		.dest_logical = e & REDIR_DESTMODE,
		.level = true,
		.trig_level = level,
		.shorthand = APIC_DEST_NOSHORT,
		.dest_id = e >> REDIR_DEST_SHIFT,
	};
	int r;

	lockdep_assert_held(&ioapic->lock);
	if ((e & REDIR_MASK) || (level && (e & REDIR_REMOTE_IRR)))
		return -1;
	if (!level) {
		ioapic->irr_delivered |= BIT(pin);
		if (ember_irq_has_notifier(ioapic->vm, KVM_IRQCHIP_IOAPIC, pin))
			set_bit(irq.vector, ioapic->edge_eoi);
	}
	r = ember_apic_deliver(ioapic->vm, NULL, &irq);
	/* Even a message no LAPIC took leaves remote IRR set, as in KVM. */
	if (r && level)
		ioapic->redir[pin] |= REDIR_REMOTE_IRR;
	return r;
}

/*
 * Pin @pin's line is now @level.  KVM_IRQ_LINE_STATUS: 1 for a line
 * lowered, 0 (coalesced) for an edge pin whose line was already up, else
 * what ioapic_service() says.
 */
static int ioapic_set_pin(struct ember_ioapic *ioapic, int pin, bool level)
{
	u32 bit = BIT(pin), old = ioapic->irr;

	lockdep_assert_held(&ioapic->lock);
	if (!level) {
		ioapic->irr &= ~bit;
		return 1;
	}
	ioapic->irr |= bit;
	if (!(ioapic->redir[pin] & REDIR_LEVEL)) {
		ioapic->irr_delivered &= ~bit;
		if (old & bit)
			return 0;
	}
	return ioapic_service(ioapic, pin);
}

int ember_ioapic_set_irq(struct ember_vm *vm, int pin, int irq_source_id,
			 int level, bool line_status)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	bool line;
	int r;

	if (!ioapic || pin < 0 || pin >= EMBER_IOAPIC_NUM_PINS ||
	    irq_source_id < 0 || irq_source_id >= EMBER_MAX_IRQ_SOURCE_IDS)
		return -1;
	pin = array_index_nospec(pin, EMBER_IOAPIC_NUM_PINS);

	spin_lock_irqsave(&ioapic->lock, flags);
	if (level)
		__set_bit(irq_source_id, &ioapic->lines[pin]);
	else
		__clear_bit(irq_source_id, &ioapic->lines[pin]);
	line = ioapic->lines[pin];
	r = ioapic_set_pin(ioapic, pin, line);
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return r;
}

/* The source's level goes; the pins keep their state until set again. */
void ember_ioapic_clear_source(struct ember_vm *vm, int irq_source_id)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	int i;

	if (!ioapic || irq_source_id < 0 ||
	    irq_source_id >= EMBER_MAX_IRQ_SOURCE_IDS)
		return;
	spin_lock_irqsave(&ioapic->lock, flags);
	for (i = 0; i < EMBER_IOAPIC_NUM_PINS; i++)
		__clear_bit(irq_source_id, &ioapic->lines[i]);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/* The delayed delivery of an interrupt storm: level pins still asserted. */
static void ioapic_eoi_storm_work(struct work_struct *work)
{
	struct ember_ioapic *ioapic = container_of(to_delayed_work(work),
						   struct ember_ioapic,
						   eoi_storm);
	unsigned long flags;
	int i;

	spin_lock_irqsave(&ioapic->lock, flags);
	for (i = 0; i < EMBER_IOAPIC_NUM_PINS; i++) {
		u64 e = ioapic->redir[i];

		if ((e & REDIR_LEVEL) && !(e & REDIR_REMOTE_IRR) &&
		    (ioapic->irr & BIT(i)))
			ioapic_service(ioapic, i);
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

bool ember_ioapic_wants_eoi(struct ember_vm *vm, int vector)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;

	return ioapic && vector >= 0 && vector < 256 &&
	       test_bit(vector, ioapic->edge_eoi);
}

/*
 * The EOI of @vector by a LAPIC (on the vCPU's thread): every pin with
 * that vector has its ack notifiers told (irqfd resample, the PIT), and a
 * level pin's remote IRR is cleared (82093AA 3.2.4), after the notifiers,
 * so that a line they lower is not delivered again.  A line still
 * asserted sends its message again at once, or after a short delay in an
 * interrupt storm.
 */
void ember_ioapic_eoi(struct ember_vm *vm, int vector)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	int i;

	if (!ioapic)
		return;
	spin_lock_irqsave(&ioapic->lock, flags);
	for (i = 0; i < EMBER_IOAPIC_NUM_PINS; i++) {
		u64 e = ioapic->redir[i];

		if ((e & REDIR_VECTOR) != (u64)vector)
			continue;
		/* They may set lines (ours too): not under our lock. */
		spin_unlock(&ioapic->lock);
		ember_notify_acked_irq(vm, KVM_IRQCHIP_IOAPIC, i);
		spin_lock(&ioapic->lock);

		e = ioapic->redir[i];
		if (!(e & REDIR_LEVEL))
			continue;
		ioapic->redir[i] &= ~REDIR_REMOTE_IRR;
		if ((e & REDIR_MASK) || !(ioapic->irr & BIT(i))) {
			ioapic->eoi_count[i] = 0;
			continue;
		}
		if (++ioapic->eoi_count[i] >= IOAPIC_EOI_STORM) {
			ioapic->eoi_count[i] = 0;
			schedule_delayed_work(&ioapic->eoi_storm,
					      IOAPIC_EOI_STORM_DELAY);
		} else {
			ioapic_service(ioapic, i);
		}
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

static u32 ioapic_read_indirect(struct ember_ioapic *ioapic)
{
	u32 sel = ioapic->ioregsel, index;
	u64 e;

	switch (sel) {
	case IOAPIC_VER:
		return (EMBER_IOAPIC_NUM_PINS - 1) << 16 | IOAPIC_VERSION;
	case IOAPIC_ID:
	case IOAPIC_ARB:
		return (ioapic->id & 0xf) << 24;
	}
	/* Below 0x10 too: the subtraction wraps to a large index. */
	index = (sel - IOAPIC_REDTBL) >> 1;
	if (index >= EMBER_IOAPIC_NUM_PINS)
		return ~0u;
	e = ioapic->redir[array_index_nospec(index, EMBER_IOAPIC_NUM_PINS)];
	return sel & 1 ? e >> 32 : (u32)e;
}

static void ioapic_write_indirect(struct ember_ioapic *ioapic, u32 val)
{
	u32 sel = ioapic->ioregsel, index;
	u64 *e, ro;
	bool was_masked;

	switch (sel) {
	case IOAPIC_VER:
	case IOAPIC_ARB:
		return;
	case IOAPIC_ID:
		ioapic->id = (val >> 24) & 0xf;
		return;
	}
	index = (sel - IOAPIC_REDTBL) >> 1;
	if (index >= EMBER_IOAPIC_NUM_PINS)
		return;
	index = array_index_nospec(index, EMBER_IOAPIC_NUM_PINS);
	e = &ioapic->redir[index];
	was_masked = *e & REDIR_MASK;
	ro = *e & (REDIR_DELIVS | REDIR_REMOTE_IRR);
	if (sel & 1)
		*e = (u64)val << 32 | (u32)*e;
	else
		*e = (*e & ~0xffffffffull) | val;
	*e = (*e & ~(REDIR_DELIVS | REDIR_REMOTE_IRR)) | ro;
	if (was_masked != !!(*e & REDIR_MASK))
		ember_fire_mask_notifiers(ioapic->vm, KVM_IRQCHIP_IOAPIC, index,
					  *e & REDIR_MASK);
	/*
	 * An entry made edge-triggered loses its remote IRR: Linux and Xen
	 * toggle the trigger mode to stand in for the EOI register this
	 * version of the IOAPIC lacks, and KVM honours it.
	 */
	if (!(*e & REDIR_LEVEL))
		*e &= ~REDIR_REMOTE_IRR;
	/* A level line already asserted is delivered once it may be. */
	else if (ioapic->irr & BIT(index))
		ioapic_service(ioapic, index);
}

/* KVM compares with base_address, which KVM_SET_IRQCHIP may move. */
static bool ioapic_in_range(struct ember_ioapic *ioapic, u64 addr)
{
	return addr >= ioapic->base_address &&
	       addr - ioapic->base_address < IOAPIC_MEM_LENGTH;
}

static int ioapic_mmio_read(struct ember_vcpu *vcpu,
			    struct ember_io_device *dev, u64 addr, int len,
			    void *val)
{
	struct ember_ioapic *ioapic = to_ioapic(dev);
	unsigned long flags;
	u64 result = 0;

	spin_lock_irqsave(&ioapic->lock, flags);
	if (!ioapic_in_range(ioapic, addr)) {
		spin_unlock_irqrestore(&ioapic->lock, flags);
		return -EOPNOTSUPP;
	}
	switch (addr & 0xff) {
	case IOAPIC_REG_SELECT:
		result = ioapic->ioregsel;
		break;
	case IOAPIC_REG_WINDOW:
		result = ioapic_read_indirect(ioapic);
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);

	/* Wider reads get the register zero-extended. */
	if (len > 0 && len <= sizeof(result))
		memcpy(val, &result, len);
	return 0;
}

static int ioapic_mmio_write(struct ember_vcpu *vcpu,
			     struct ember_io_device *dev, u64 addr, int len,
			     const void *val)
{
	struct ember_ioapic *ioapic = to_ioapic(dev);
	unsigned long flags;
	u32 data;

	switch (len) {
	case 8:
	case 4:
		data = *(const u32 *)val;
		break;
	case 2:
		data = *(const u16 *)val;
		break;
	case 1:
		data = *(const u8 *)val;
		break;
	default:
		return 0;
	}

	spin_lock_irqsave(&ioapic->lock, flags);
	if (!ioapic_in_range(ioapic, addr)) {
		spin_unlock_irqrestore(&ioapic->lock, flags);
		return -EOPNOTSUPP;
	}
	switch (addr & 0xff) {
	case IOAPIC_REG_SELECT:
		ioapic->ioregsel = data & 0xff;	/* an 8-bit register */
		break;
	case IOAPIC_REG_WINDOW:
		ioapic_write_indirect(ioapic, data);
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

static const struct ember_io_device_ops ioapic_mmio_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
};

/* The 82093AA after reset: every entry masked (3.2.4), ID 0. */
int ember_ioapic_create(struct ember_vm *vm)
{
	struct ember_ioapic *ioapic;
	int i, r;

	lockdep_assert_held(&vm->lock);
	ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	if (!ioapic)
		return -ENOMEM;
	ioapic->vm = vm;
	spin_lock_init(&ioapic->lock);
	INIT_DELAYED_WORK(&ioapic->eoi_storm, ioapic_eoi_storm_work);
	ioapic->base_address = EMBER_IOAPIC_BASE;
	for (i = 0; i < EMBER_IOAPIC_NUM_PINS; i++)
		ioapic->redir[i] = REDIR_MASK;
	ioapic->dev.ops = &ioapic_mmio_ops;

	mutex_lock(&vm->slots_lock);
	r = ember_io_bus_register(vm, EMBER_MMIO_BUS, EMBER_IOAPIC_BASE,
				  IOAPIC_MEM_LENGTH, &ioapic->dev);
	mutex_unlock(&vm->slots_lock);
	if (r) {
		kfree(ioapic);
		return r;
	}
	vm->arch.ioapic = ioapic;
	return 0;
}

/* No vCPU runs and nothing sets lines any more (irqfds are gone). */
void ember_ioapic_destroy(struct ember_vm *vm)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;

	if (!ioapic)
		return;
	cancel_delayed_work_sync(&ioapic->eoi_storm);
	mutex_lock(&vm->slots_lock);
	ember_io_bus_unregister(vm, EMBER_MMIO_BUS, &ioapic->dev);
	mutex_unlock(&vm->slots_lock);
	vm->arch.ioapic = NULL;
	kfree(ioapic);
}

/* KVM_GET_IRQCHIP: irr without the edges already sent, as KVM. */
int ember_ioapic_get_state(struct ember_vm *vm, struct kvm_ioapic_state *s)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags;
	int i;

	if (!ioapic)
		return -ENXIO;
	spin_lock_irqsave(&ioapic->lock, flags);
	s->base_address = ioapic->base_address;
	s->ioregsel = ioapic->ioregsel;
	s->id = ioapic->id;
	s->irr = ioapic->irr & ~ioapic->irr_delivered;
	s->pad = ioapic->pad;
	for (i = 0; i < EMBER_IOAPIC_NUM_PINS; i++)
		s->redirtbl[i].bits = ioapic->redir[i];
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

/*
 * KVM_SET_IRQCHIP: every field as given (KVM checks none), then the pins
 * of the given irr asserted again, which sends what may be sent.  The
 * sources' line levels stay as they were.
 */
int ember_ioapic_set_state(struct ember_vm *vm,
			   const struct kvm_ioapic_state *s)
{
	struct ember_ioapic *ioapic = vm->arch.ioapic;
	unsigned long flags, irr = s->irr;
	int i;

	if (!ioapic)
		return -ENXIO;
	spin_lock_irqsave(&ioapic->lock, flags);
	ioapic->base_address = s->base_address;
	ioapic->ioregsel = s->ioregsel;
	ioapic->id = s->id;
	ioapic->pad = s->pad;
	for (i = 0; i < EMBER_IOAPIC_NUM_PINS; i++)
		ioapic->redir[i] = s->redirtbl[i].bits;
	ioapic->irr = 0;
	ioapic->irr_delivered = 0;
	for_each_set_bit(i, &irr, EMBER_IOAPIC_NUM_PINS)
		ioapic_set_pin(ioapic, i, true);
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}
