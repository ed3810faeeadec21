/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC of a vCPU (SDM Vol. 3A ch. 11), in the kernel once
 * KVM_CREATE_IRQCHIP made one: xAPIC by MMIO, x2APIC by MSR, the timer on a
 * host hrtimer, IPIs through apic_bus.c.
 *
 * Who touches what: the registers belong to the vCPU's thread.  Other
 * threads and interrupt context (another vCPU's IPI, the IOAPIC, an irqfd,
 * the timer's hrtimer) only accept interrupts into it, through
 * ember_lapic_accept(): IRR and TMR bits are set atomically and the vCPU is
 * kicked; INIT, SIPI and NMI are bits in pending_events.  The addressing
 * registers (ID, LDR, DFR, APIC base) are read by senders with READ_ONCE.
 */
#ifndef EMBER_X86_LAPIC_H
#define EMBER_X86_LAPIC_H

#include <linux/kvm.h>
#include <linux/types.h>

struct ember_vcpu;
struct ember_apic_irq;

/* pending_events bits (atomic). */
#define EMBER_APIC_INIT		0
#define EMBER_APIC_SIPI		1

int ember_lapic_create(struct ember_vcpu *vcpu);
void ember_lapic_free(struct ember_vcpu *vcpu);
/* Power-on (@init false) or INIT (@init true) state, SDM Vol. 3A 11.4.7.3. */
void ember_lapic_reset(struct ember_vcpu *vcpu, bool init);

/* Anywhere: accept @irq into @vcpu's LAPIC.  1 if it took it, else 0. */
int ember_lapic_accept(struct ember_vcpu *vcpu, const struct ember_apic_irq *irq);
/* Does @vcpu's LAPIC answer to @irq's destination (SDM 11.6.2)? */
bool ember_lapic_match_dest(struct ember_vcpu *vcpu, struct ember_vcpu *src,
			    const struct ember_apic_irq *irq);
/* Lowest-priority arbitration: @a's priority below @b's?  (ArbPR, 11.6.2.4) */
int ember_lapic_compare_prio(struct ember_vcpu *a, struct ember_vcpu *b);

/*
 * The vCPU's thread, for the VM entry: the highest vector in IRR that PPR
 * lets through, or -1 (ember_lapic_has_interrupt); then its acknowledgment,
 * IRR -> ISR (ember_lapic_ack_interrupt).
 */
int ember_lapic_has_interrupt(struct ember_vcpu *vcpu);
void ember_lapic_ack_interrupt(struct ember_vcpu *vcpu, int vector);
/* Will the LAPIC pass on the PIC's INTR (LVT0 ExtINT, or disabled)? */
bool ember_lapic_accept_pic_intr(struct ember_vcpu *vcpu);
bool ember_lapic_enabled(struct ember_vcpu *vcpu);	/* hw and sw */

/* The vCPU's thread: the guest's accesses.  1 means #GP for MSRs. */
int ember_lapic_mmio_read(struct ember_vcpu *vcpu, u64 gpa, int len, void *val);
int ember_lapic_mmio_write(struct ember_vcpu *vcpu, u64 gpa, int len,
			   const void *val);
bool ember_lapic_mmio_in_range(struct ember_vcpu *vcpu, u64 gpa);
int ember_lapic_x2apic_msr_read(struct ember_vcpu *vcpu, u32 msr, u64 *data);
int ember_lapic_x2apic_msr_write(struct ember_vcpu *vcpu, u32 msr, u64 data);
/* IA32_APIC_BASE: 1 for #GP unless @host (the SDM's mode transitions). */
int ember_lapic_set_base(struct ember_vcpu *vcpu, u64 value, bool host);
u64 ember_lapic_get_base(struct ember_vcpu *vcpu);
u64 ember_lapic_get_tsc_deadline(struct ember_vcpu *vcpu);
void ember_lapic_set_tsc_deadline(struct ember_vcpu *vcpu, u64 data);
/* CR8 = TPR[7:4] (SDM Vol. 3A 10.8.6.1). */
u64 ember_lapic_get_cr8(struct ember_vcpu *vcpu);
void ember_lapic_set_tpr(struct ember_vcpu *vcpu, u64 cr8);

/*
 * The vCPU's thread: INIT and SIPI taken from pending_events.  take_init
 * says whether an INIT came; take_sipi returns the SIPI's vector or -1.
 */
bool ember_lapic_take_init(struct ember_vcpu *vcpu);
int ember_lapic_take_sipi(struct ember_vcpu *vcpu);
bool ember_lapic_events_pending(struct ember_vcpu *vcpu);

/* KVM_GET_LAPIC / KVM_SET_LAPIC, KVM's register page layout. */
int ember_lapic_get_state(struct ember_vcpu *vcpu, struct kvm_lapic_state *s);
int ember_lapic_set_state(struct ember_vcpu *vcpu,
			  const struct kvm_lapic_state *s);

#endif /* EMBER_X86_LAPIC_H */
