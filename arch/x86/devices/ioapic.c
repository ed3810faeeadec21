// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the IOAPIC model. */
#include "ember.h"
#include "ioapic.h"

int ember_ioapic_create(struct ember_vm *vm) { return 0; }
void ember_ioapic_destroy(struct ember_vm *vm) { }
int ember_ioapic_set_irq(struct ember_vm *vm, int pin, int irq_source_id,
			 int level, bool line_status) { return -1; }
void ember_ioapic_clear_source(struct ember_vm *vm, int irq_source_id) { }
void ember_ioapic_eoi(struct ember_vm *vm, int vector) { }
int ember_ioapic_get_state(struct ember_vm *vm, struct kvm_ioapic_state *s) { return -ENXIO; }
int ember_ioapic_set_state(struct ember_vm *vm,
			   const struct kvm_ioapic_state *s) { return -ENXIO; }
