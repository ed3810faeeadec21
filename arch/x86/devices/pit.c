// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the 8254 PIT model. */
#include "ember.h"
#include "pit.h"

long ember_pit_vm_ioctl(struct ember_vm *vm, unsigned int ioctl,
			void __user *argp)
{
	return -ENOTTY;
}

void ember_pit_destroy(struct ember_vm *vm)
{
}
