/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The I/O APIC (82093AA: 24 pins, at 0xfec00000 on the MMIO bus), with
 * edge and level triggering and remote IRR.  Its lock is a spinlock: pins
 * are set from any context.
 */
#ifndef EMBER_X86_IOAPIC_H
#define EMBER_X86_IOAPIC_H

#include <linux/kvm.h>
#include <linux/types.h>

struct ember_vm;

#define EMBER_IOAPIC_BASE	0xfec00000ull
#define EMBER_IOAPIC_NUM_PINS	KVM_IOAPIC_NUM_PINS

/* Called with vm->lock held, before any vCPU exists. */
int ember_ioapic_create(struct ember_vm *vm);
void ember_ioapic_destroy(struct ember_vm *vm);
/*
 * Pin @pin for @irq_source_id to @level.  Returns a KVM_IRQ_LINE_STATUS
 * value (see module/irq.h).  Any context.
 */
int ember_ioapic_set_irq(struct ember_vm *vm, int pin, int irq_source_id,
			 int level, bool line_status);
/* A source id gone: its level on every pin drops. */
void ember_ioapic_clear_source(struct ember_vm *vm, int irq_source_id);
/* A LAPIC EOI of a level-triggered @vector: remote IRR, ack notifiers. */
void ember_ioapic_eoi(struct ember_vm *vm, int vector);
/*
 * Does the IOAPIC want the EOI of edge-triggered @vector too (a pin with
 * an ack notifier sent it: the PIT's reinjection)?  Any context.
 */
bool ember_ioapic_wants_eoi(struct ember_vm *vm, int vector);
int ember_ioapic_get_state(struct ember_vm *vm, struct kvm_ioapic_state *s);
int ember_ioapic_set_state(struct ember_vm *vm,
			   const struct kvm_ioapic_state *s);

#endif /* EMBER_X86_IOAPIC_H */
