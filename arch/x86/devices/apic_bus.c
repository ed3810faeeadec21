// SPDX-License-Identifier: GPL-2.0
/*
 * The APIC bus: an interrupt message (an IPI from a LAPIC's ICR, an IOAPIC
 * redirection entry, an MSI) goes to the LAPICs its destination names
 * (SDM Vol. 3A 11.6.2), or to one of them for lowest priority (11.6.2.4).
 * Any context: nothing here sleeps or takes a lock; vm->vcpus[] only grows
 * and its vCPUs live as long as the VM.
 */
#include <asm/apicdef.h>

#include "ember.h"
#include "apic_bus.h"
#include "lapic.h"

/* The broadcast ID of the message's format (SDM 11.6.2.1, 11.12.9). */
static bool is_broadcast(struct ember_vcpu *src, const struct ember_apic_irq *irq)
{
	bool x2apic_ipi = src && (READ_ONCE(src->arch.apic_base) & X2APIC_ENABLE);

	return irq->dest_id == (x2apic_ipi ? 0xffffffffu : 0xffu);
}

int ember_apic_deliver(struct ember_vm *vm, struct ember_vcpu *src,
		       const struct ember_apic_irq *irq)
{
	struct ember_apic_irq m = *irq;
	struct ember_vcpu *lowest = NULL;
	bool one_of, broadcast = false;
	int i, n, r;

	if (m.shorthand == APIC_DEST_NOSHORT)
		broadcast = is_broadcast(src, &m);
	/* Lowest priority to the physical broadcast is to all (as KVM). */
	if (m.delivery_mode == APIC_DM_LOWEST && broadcast && !m.dest_logical)
		m.delivery_mode = APIC_DM_FIXED;
	one_of = m.delivery_mode == APIC_DM_LOWEST;

	/*
	 * KVM's answer when nobody matched: 0 for a message to an ID (its
	 * destination map found none), -1 for a broadcast or a shorthand.
	 */
	r = m.shorthand == APIC_DEST_NOSHORT && !broadcast ? 0 : -1;

	/* Pairs with the release in ember_vcpu_create(). */
	n = smp_load_acquire(&vm->nr_vcpus);
	for (i = 0; i < n; i++) {
		struct ember_vcpu *vcpu = vm->vcpus[i];

		if (!ember_lapic_match_dest(vcpu, src, &m))
			continue;
		if (!one_of) {
			r = max(r, 0) + ember_lapic_accept(vcpu, &m);
			continue;
		}
		/* Only a software-enabled LAPIC takes part in arbitration. */
		if (!ember_lapic_enabled(vcpu))
			continue;
		if (!lowest || ember_lapic_compare_prio(vcpu, lowest) < 0)
			lowest = vcpu;
	}
	if (lowest)
		r = max(r, 0) + ember_lapic_accept(lowest, &m);
	return r;
}

/*
 * SDM Vol. 3A 11.11.1 (address: 0xfee in 31:20, destination ID in 19:12,
 * RH in 3, DM in 2) and 11.11.2 (data: vector in 7:0, delivery mode in
 * 10:8, level in 14, trigger mode in 15).  As in KVM without
 * KVM_CAP_X2APIC_API: address_hi is not part of the destination, and an
 * MSI always asserts.  RH set asks for one processor among those named:
 * that is lowest-priority arbitration (KVM's msi_redir_hint).
 */
void ember_apic_msi_to_irq(u32 address_lo, u32 address_hi, u32 data,
			   struct ember_apic_irq *irq)
{
	irq->vector = data & APIC_VECTOR_MASK;
	irq->delivery_mode = data & APIC_MODE_MASK;
	irq->trig_level = data & BIT(15);
	irq->level = true;
	irq->dest_logical = address_lo & BIT(2);
	irq->shorthand = APIC_DEST_NOSHORT;
	irq->dest_id = (address_lo >> 12) & 0xff;
	if ((address_lo & BIT(3)) && irq->delivery_mode == APIC_DM_FIXED)
		irq->delivery_mode = APIC_DM_LOWEST;
}
