/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 interrupt controllers as a whole: KVM_CREATE_IRQCHIP and its
 * state ioctls, the routes of GSIs to PIC and IOAPIC pins and MSIs, and
 * what a vCPU gets from them at VM entry (arch/x86/irqchip.c).  The device
 * models themselves are in arch/x86/devices/.
 */
#ifndef EMBER_X86_IRQCHIP_H
#define EMBER_X86_IRQCHIP_H

#include <linux/kvm.h>
#include <linux/types.h>

#include "ember.h"

/* Pairs with the release in x86_create_irqchip(). */
static inline bool ember_irqchip_in_kernel(struct ember_vm *vm)
{
	return smp_load_acquire(&vm->arch.irqchip_in_kernel);
}

static inline bool ember_lapic_in_kernel(struct ember_vcpu *vcpu)
{
	return vcpu->arch.lapic;
}

/* The vCPU that the PIC's INTR (LINT0) and the boot protocol start with. */
#define EMBER_BSP_ID	0

int x86_create_irqchip(struct ember_vm *vm);
void x86_irqchip_destroy(struct ember_vm *vm);
int x86_get_irqchip(struct ember_vm *vm, struct kvm_irqchip *chip);
int x86_set_irqchip(struct ember_vm *vm, const struct kvm_irqchip *chip);

/*
 * The vCPU's thread, before VM entry: is there an external interrupt for
 * it (LAPIC, or the PIC through LINT0), and then take it (INTA).
 */
bool x86_irqchip_has_interrupt(struct ember_vcpu *vcpu);
int x86_irqchip_get_interrupt(struct ember_vcpu *vcpu);
/* The PIC's INTR output went up: wake the vCPU that will take it. */
void x86_irqchip_pic_intr(struct ember_vm *vm);

/* Anywhere: an NMI for the vCPU (LAPIC NMI delivery, LINT1). */
void x86_queue_nmi(struct ember_vcpu *vcpu);
/* The vCPU's guest TSC now, for the LAPIC's TSC-deadline timer. */
u64 x86_guest_tsc(struct ember_vcpu *vcpu);

#endif /* EMBER_X86_IRQCHIP_H */
