// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the 8259A PIC model. */
#include "ember.h"
#include "pic.h"

int ember_pic_create(struct ember_vm *vm) { return 0; }
void ember_pic_destroy(struct ember_vm *vm) { }
int ember_pic_set_irq(struct ember_vm *vm, int irq, int irq_source_id,
		      int level) { return -1; }
void ember_pic_clear_source(struct ember_vm *vm, int irq_source_id) { }
bool ember_pic_has_interrupt(struct ember_vm *vm) { return false; }
int ember_pic_read_irq(struct ember_vm *vm) { return -1; }
int ember_pic_get_state(struct ember_vm *vm, int chip, struct kvm_pic_state *s) { return -ENXIO; }
int ember_pic_set_state(struct ember_vm *vm, int chip,
			const struct kvm_pic_state *s) { return -ENXIO; }
