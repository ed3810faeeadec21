// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the APIC bus (interrupt message delivery). */
#include "ember.h"
#include "apic_bus.h"

int ember_apic_deliver(struct ember_vm *vm, struct ember_vcpu *src,
		       const struct ember_apic_irq *irq) { return -1; }
void ember_apic_msi_to_irq(u32 address_lo, u32 address_hi, u32 data,
			   struct ember_apic_irq *irq) { }
