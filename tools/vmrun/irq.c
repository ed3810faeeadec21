// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt delivery without an in-kernel irqchip.  Devices raise ISA IRQ
 * lines on the 8259A pair; its INT output goes to vCPU 0 (the PICs' only
 * CPU, as on a PC without APICs).  Before each KVM_RUN, vCPU 0 injects the
 * vector the PIC gives on acknowledge with KVM_INTERRUPT when KVM says the
 * guest can take one (ready_for_interrupt_injection: IF=1, no interrupt
 * shadow, nothing pending); otherwise it sets request_interrupt_window and
 * KVM exits as soon as the guest can.  Without an in-kernel LAPIC, KVM
 * returns HLT to userspace: vCPU 0 then waits here until the PIC raises INT.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "devices/devices.h"
#include "util.h"
#include "vm.h"

/* Caller holds vm->lock. */
void irq_set(struct vm *vm, int irq, int level)
{
	if (vm->pic)
		pic_set_irq(vm->pic, irq, level);
}

/* The PIC's INT output changed.  Caller holds vm->lock. */
void irq_output(struct vm *vm, bool level)
{
	vm->intr_line = level;
	if (level) {
		pthread_cond_broadcast(&vm->wake);
		vcpu_kick(&vm->vcpus[0]);
	}
}

/* vCPU 0, right before KVM_RUN.  Caller holds vm->lock. */
void irq_before_run(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_run *run = vcpu->run;

	if (vm->intr_line && run->ready_for_interrupt_injection) {
		struct kvm_interrupt intr = { .irq = pic_intack(vm->pic) };

		if (ioctl(vcpu->fd, KVM_INTERRUPT, &intr) < 0) {
			vm_unlock(vm);
			vcpu_crash(vcpu, "KVM_INTERRUPT vector %u: %m", intr.irq);
		}
		/* Not ready again until KVM says so on the next exit. */
		run->ready_for_interrupt_injection = 0;
	}
	run->request_interrupt_window = vm->intr_line;
}

/*
 * A HLT exit.  Only vCPU 0 receives interrupts, so any other vCPU, or
 * vCPU 0 halted with IF=0, is halted for good: when all are, the guest
 * has stopped and so does vmrun (status 0).  Returns false if this vCPU is
 * done.
 */
bool irq_wait_halted(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	vm_lock(vm);
	if (vcpu->index != 0 || !vcpu->run->if_flag) {
		if (++vm->nr_halted == vm->nr_vcpus) {
			verbose("all vCPUs halted with interrupts disabled: stopping");
			vm_stop(vm, 0);
		}
		vm_unlock(vm);
		return false;
	}
	while (!vm->intr_line && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->wake, &vm->lock);
	vm_unlock(vm);
	return true;
}
