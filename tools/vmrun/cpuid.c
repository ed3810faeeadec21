// SPDX-License-Identifier: GPL-2.0
/*
 * What CPUID tells the guest: everything the hypervisor supports
 * (KVM_GET_SUPPORTED_CPUID), less what vmrun cannot back, so that the guest
 * behaves the same on ember and KVM:
 *  - no local APIC, x2APIC or TSC deadline timer: without an in-kernel
 *    irqchip there is none, and interrupts come from the 8259A;
 *  - no hypervisor leaves at 0x40000000 (KVM's paravirtual clock and
 *    friends live in KVM, not in the KVM ABI ember implements);
 *  - each vCPU's APIC ID (leaf 1 EBX[31:24], leaf 0xB/0x1F EDX) is its index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util.h"
#include "vm.h"

#define CPUID_1_ECX_X2APIC	(1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)
#define CPUID_1_EDX_APIC	(1U << 9)
#define CPUID_1_EDX_HTT		(1U << 28)

static struct kvm_cpuid2 *get_supported(struct vm *vm)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
					      n * sizeof(c->entries[0]));

		if (!c)
			die("out of memory");
		c->nent = n;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			break;
	}
	verbose("%s: KVM_GET_SUPPORTED_CPUID: %s: the guest sees the hypervisor's default CPUID",
		vm->device, strerror(errno));
	return NULL;
}

void cpuid_setup(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_cpuid2 *c = get_supported(vm);
	unsigned int out = 0;

	if (!c)
		return;
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];

		if (e.function >= 0x40000000 && e.function <= 0x400000ff)
			continue;
		if (e.function == 1) {
			e.ebx = (e.ebx & 0xffff) | vcpu->index << 24 |
				(vm->nr_vcpus & 0xff) << 16;
			e.ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
			e.edx &= ~CPUID_1_EDX_APIC;
			if (vm->nr_vcpus > 1)
				e.edx |= CPUID_1_EDX_HTT;
		}
		if (e.function == 0xb || e.function == 0x1f)
			e.edx = vcpu->index;
		c->entries[out++] = e;
	}
	c->nent = out;
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		verbose("%s: KVM_SET_CPUID2: %s (ignored)", vm->device,
			strerror(errno));
	free(c);
}
