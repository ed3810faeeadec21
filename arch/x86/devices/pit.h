/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8254 PIT (ports 0x40-0x43, and 0x61's gate and speaker bits) on host
 * hrtimers, its channel 0 wired to GSI 0 as KVM wires it.
 */
#ifndef EMBER_X86_PIT_H
#define EMBER_X86_PIT_H

#include <linux/kvm.h>
#include <linux/types.h>

struct ember_vm;

/*
 * The PIT's VM ioctls, with KVM's checks and errnos: KVM_CREATE_PIT2 (and
 * the old KVM_CREATE_PIT), KVM_GET/SET_PIT, KVM_GET/SET_PIT2,
 * KVM_REINJECT_CONTROL.  Takes vm->lock where it must.
 */
long ember_pit_vm_ioctl(struct ember_vm *vm, unsigned int ioctl,
			void __user *argp);
/* VM teardown: the timer stopped, off the bus, freed. */
void ember_pit_destroy(struct ember_vm *vm);

#endif /* EMBER_X86_PIT_H */
