// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the irqfd implementation. */
#include "ember.h"
#include "irq.h"

int ember_irqfd(struct ember_vm *vm, struct kvm_irqfd *args)
{
	return -EINVAL;
}

void ember_irqfd_release(struct ember_vm *vm)
{
}

void ember_irqfd_routing_update(struct ember_vm *vm)
{
}
