// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the ioeventfd implementation. */
#include "ember.h"
#include "irq.h"

int ember_ioeventfd(struct ember_vm *vm, struct kvm_ioeventfd *args)
{
	return -EINVAL;
}
