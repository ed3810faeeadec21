// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from devices.  Device models raise and lower ISA IRQ lines with
 * irq_set(); where the line goes depends on --irqchip.
 *
 * kernel (the default): KVM_CREATE_IRQCHIP gives the VM the two 8259As, an
 * IOAPIC and a local APIC per vCPU, KVM_CREATE_PIT2 the 8254, all in the
 * hypervisor.  A line is a GSI raised with KVM_IRQ_LINE; the hypervisor's
 * default routing takes GSI n to PIC input n and to IOAPIC pin n (so the
 * PIT's GSI 0 is IOAPIC pin 0, as acpi.c tells the guest).  The hypervisor
 * halts vCPUs, delivers interrupts and starts the APs on the guest's
 * INIT/SIPI: KVM_INTERRUPT and KVM_EXIT_HLT do not occur.
 *
 * user: vmrun's own 8259A pair (devices/pic.c), whose INT output goes to
 * vCPU 0 (the PICs' only CPU, as on a PC without APICs).  Before each
 * KVM_RUN, vCPU 0 injects the vector the PIC gives on acknowledge with
 * KVM_INTERRUPT when KVM says the guest can take one
 * (ready_for_interrupt_injection: IF=1, no interrupt shadow, nothing
 * pending); otherwise it sets request_interrupt_window and KVM exits as
 * soon as the guest can.  Without an in-kernel LAPIC, KVM returns HLT to
 * userspace: vCPU 0 then waits here until the PIC raises INT.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "devices/devices.h"
#include "util.h"
#include "vm.h"

const char *irqchip_name(enum irqchip irqchip)
{
	return irqchip == IRQCHIP_KERNEL ? "kernel" : "user";
}

void irqchip_create(struct vm *vm)
{
	/* The speaker port 0x61 (channel 2's gate and output) goes with
	 * the PIT, as in QEMU: the counter it reads is in the kernel. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("%s: KVM_CREATE_IRQCHIP: %s (--irqchip=user runs without the hypervisor's interrupt controllers)",
		    vm->device, strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		die("%s: KVM_CREATE_PIT2: %s (--irqchip=user runs without the hypervisor's interrupt controllers)",
		    vm->device, strerror(errno));
}

/* Caller holds vm->lock. */
void irq_set(struct vm *vm, int irq, int level)
{
	struct kvm_irq_level line = { .irq = irq, .level = !!level };
	uint32_t bit = 1U << irq;

	if (irq < 0 || irq >= 24)
		die("IRQ %d: no such line", irq);
	if (vm->irqchip == IRQCHIP_USER) {
		if (vm->pic)
			pic_set_irq(vm->pic, irq, level);
		return;
	}
	/* Only changes: the same level again is no edge, on either chip. */
	if (!(vm->irq_lines & bit) == !level)
		return;
	vm->irq_lines ^= bit;
	if (ioctl(vm->fd, KVM_IRQ_LINE, &line) < 0)
		die("%s: KVM_IRQ_LINE %d to %d: %s", vm->device, irq,
		    line.level, strerror(errno));
}

/* IRQCHIP_USER: the PIC's INT output changed.  Caller holds vm->lock. */
void irq_output(struct vm *vm, bool level)
{
	vm->intr_line = level;
	if (level) {
		pthread_cond_broadcast(&vm->wake);
		vcpu_kick(&vm->vcpus[0]);
	}
}

/* IRQCHIP_USER: vCPU 0, right before KVM_RUN.  Caller holds vm->lock. */
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
 * A HLT exit (IRQCHIP_USER only).  Only vCPU 0 receives interrupts, so any
 * other vCPU, or vCPU 0 halted with IF=0, is halted for good: when all
 * are, the guest has stopped and so does vmrun (status 0).  Returns false
 * if this vCPU is done.
 */
bool irq_wait_halted(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	if (vm->irqchip == IRQCHIP_KERNEL)
		vcpu_crash(vcpu, "HLT exit with the in-kernel irqchip: the hypervisor should have halted the vCPU itself");
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
