/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts from outside a vCPU, arch-neutral: GSI routing (KVM_IRQ_LINE,
 * KVM_SET_GSI_ROUTING, KVM_SIGNAL_MSI), the notifiers told when the guest
 * acknowledges a level-triggered interrupt, irqfd and ioeventfd.  What an
 * "irqchip" route or an MSI does is the backend's (module/arch.h).
 *
 * Locking: vm->irq_lock (a mutex) serializes the writers of the routing
 * table, the ack-notifier list and the irq source ids.  Readers of the
 * table and of the notifier list hold srcu_read_lock(&vm->irq_srcu) and may
 * be in any context (an irqfd injects from its wakeup callback, with
 * interrupts off), so a route's set() never sleeps.
 */
#ifndef EMBER_IRQ_H
#define EMBER_IRQ_H

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/types.h>

#include "arch_types.h"		/* EMBER_NR_IRQCHIPS, EMBER_IRQCHIP_NUM_PINS */

struct ember_vm;

/* KVM's fixed irq source ids (include/linux/kvm_host.h). */
#define EMBER_USERSPACE_IRQ_SOURCE_ID		0
#define EMBER_IRQFD_RESAMPLE_IRQ_SOURCE_ID	1
#define EMBER_MAX_IRQ_SOURCE_IDS		BITS_PER_LONG

#define EMBER_MAX_IRQ_ROUTES	4096	/* KVM_MAX_IRQ_ROUTES */

/* One entry of the routing table: what asserting a GSI does. */
struct ember_irq_route {
	u32 gsi;
	u32 type;			/* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	/*
	 * Raise (@level 1) or lower the line for @irq_source_id.  Returns
	 * what KVM_IRQ_LINE_STATUS reports: > 0 delivered to that many
	 * targets, 0 coalesced (already pending), < 0 masked or not
	 * delivered.  Any context; never sleeps.
	 */
	int (*set)(struct ember_irq_route *e, struct ember_vm *vm,
		   int irq_source_id, int level, bool line_status);
	union {
		struct {
			u32 irqchip;
			u32 pin;
		} irqchip;
		struct {
			u32 address_lo;
			u32 address_hi;
			u32 data;
		} msi;
	};
	struct hlist_node link;		/* on the table's map[gsi] */
};

struct ember_irq_routing_table {
	/* The GSI of each (irqchip, pin), or -1: for ack notifiers. */
	int chip[EMBER_NR_IRQCHIPS][EMBER_IRQCHIP_NUM_PINS];
	u32 nr_rt_entries;		/* highest GSI + 1 */
	struct hlist_head map[];	/* routes of each GSI */
};

/*
 * KVM_IRQ_LINE: set @gsi's line to @level for @irq_source_id, through every
 * route of the GSI.  Returns the routes' combined status (as above), or -1
 * if the GSI has no route.  Any context.
 */
int ember_set_irq(struct ember_vm *vm, int irq_source_id, u32 gsi, int level,
		  bool line_status);
/* KVM_SIGNAL_MSI and an irqfd on an MSI route. */
int ember_set_msi(struct ember_vm *vm, const struct kvm_msi *msi);
/*
 * KVM_SET_GSI_ROUTING: replace the table with @nr entries (checked: -EINVAL
 * for a bad one).  Caller holds nothing; takes vm->irq_lock.
 */
int ember_set_irq_routing(struct ember_vm *vm,
			  const struct kvm_irq_routing_entry *ue,
			  unsigned int nr, unsigned int flags);
void ember_free_irq_routing(struct ember_vm *vm);

/*
 * Told when the guest acknowledges (EOIs) the level-triggered interrupt of
 * @gsi: irqfd resample, the PIT's reinjection.
 */
struct ember_irq_ack_notifier {
	struct hlist_node link;
	u32 gsi;
	void (*irq_acked)(struct ember_irq_ack_notifier *ian);
};

void ember_register_irq_ack_notifier(struct ember_vm *vm,
				     struct ember_irq_ack_notifier *ian);
/* Waits until no reader can still call @ian. */
void ember_unregister_irq_ack_notifier(struct ember_vm *vm,
				       struct ember_irq_ack_notifier *ian);
/*
 * From the interrupt controllers, at an EOI of (@irqchip, @pin), the pin as
 * the routes number it (the slave PIC's 8-15).  Call it without the
 * controller's lock: a notifier may set lines (an irqfd resampler lowers
 * its GSI).  Any context.
 */
void ember_notify_acked_irq(struct ember_vm *vm, unsigned int irqchip,
			    unsigned int pin);
/* Is anyone told about @gsi's EOIs?  (The IOAPIC's EOI broadcast.) */
bool ember_irq_has_notifier(struct ember_vm *vm, unsigned int irqchip,
			    unsigned int pin);

/*
 * Told when the guest masks or unmasks the pin of @gsi in the PIC or the
 * IOAPIC (KVM's mask notifiers): a source that waits for the EOI of an
 * interrupt the guest threw away (the PIT's reinjection) starts again.
 * Called with the interrupt controller's lock held: never sleeps, never
 * raises a line itself.
 */
struct ember_irq_mask_notifier {
	struct hlist_node link;
	u32 gsi;
	void (*func)(struct ember_irq_mask_notifier *imn, bool masked);
};

void ember_register_irq_mask_notifier(struct ember_vm *vm,
				      struct ember_irq_mask_notifier *imn);
/* Waits until no reader can still call @imn. */
void ember_unregister_irq_mask_notifier(struct ember_vm *vm,
					struct ember_irq_mask_notifier *imn);
/* From the interrupt controllers: (@irqchip, @pin) now (un)masked. */
void ember_fire_mask_notifiers(struct ember_vm *vm, unsigned int irqchip,
			       unsigned int pin, bool masked);

/*
 * Source ids for level-triggered lines shared by several senders: -EFAULT
 * when all are taken (KVM's errno).  Before freeing one, its owner lowers
 * its lines in the irqchip (the backend's *_clear_source()).
 */
int ember_request_irq_source_id(struct ember_vm *vm);
void ember_free_irq_source_id(struct ember_vm *vm, int irq_source_id);

/* irqfd.c: KVM_IRQFD; ember_irqfd_release() at VM teardown. */
int ember_irqfd(struct ember_vm *vm, struct kvm_irqfd *args);
void ember_irqfd_release(struct ember_vm *vm);
/*
 * Re-bind each irqfd to its GSI's route after a routing change.  Caller
 * holds vm->irq_lock.
 */
void ember_irqfd_routing_update(struct ember_vm *vm);
/* Module load and unload: the workqueue of irqfd shutdowns. */
int ember_irqfd_module_init(void);
void ember_irqfd_module_exit(void);

/* ioeventfd.c: KVM_IOEVENTFD. */
int ember_ioeventfd(struct ember_vm *vm, struct kvm_ioeventfd *args);

/*
 * The VM ioctls of this file: KVM_IRQ_LINE(_STATUS), KVM_SET_GSI_ROUTING,
 * KVM_SIGNAL_MSI, KVM_IRQFD, KVM_IOEVENTFD, with KVM's errnos.
 */
long ember_vm_irq_ioctl(struct ember_vm *vm, unsigned int ioctl,
			void __user *argp);

/*
 * irq_routing.c: VM creation and teardown of the state above (and of the
 * I/O buses and ioeventfd list); destroy is safe on a VM that init left
 * half made.
 */
int ember_irq_init(struct ember_vm *vm);
void ember_irq_destroy(struct ember_vm *vm);

#endif /* EMBER_IRQ_H */
