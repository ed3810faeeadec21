/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pair of 8259A PICs, master and slave, with the PIIX ELCR (ports 0x20,
 * 0xa0, 0x4d0 on the PIO bus).  Their INTR output goes to the BSP's LAPIC
 * (LINT0, ExtINT).  Its lock is a spinlock: lines are set from any context.
 */
#ifndef EMBER_X86_PIC_H
#define EMBER_X86_PIC_H

#include <linux/kvm.h>
#include <linux/types.h>

struct ember_vm;

/* Called with vm->lock held, before any vCPU exists. */
int ember_pic_create(struct ember_vm *vm);
void ember_pic_destroy(struct ember_vm *vm);
/* IRQ @irq (0-15) for @irq_source_id to @level; KVM_IRQ_LINE_STATUS value. */
int ember_pic_set_irq(struct ember_vm *vm, int irq, int irq_source_id,
		      int level);
void ember_pic_clear_source(struct ember_vm *vm, int irq_source_id);
/* INTR: does the PIC pair present an interrupt? */
bool ember_pic_has_interrupt(struct ember_vm *vm);
/* INTA: the vector, acknowledged (SDM-free: 8259A data sheet). */
int ember_pic_read_irq(struct ember_vm *vm);
/* KVM_GET/SET_IRQCHIP for KVM_IRQCHIP_PIC_MASTER (0) and _SLAVE (1). */
int ember_pic_get_state(struct ember_vm *vm, int chip, struct kvm_pic_state *s);
int ember_pic_set_state(struct ember_vm *vm, int chip,
			const struct kvm_pic_state *s);

#endif /* EMBER_X86_PIC_H */
