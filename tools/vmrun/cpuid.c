// SPDX-License-Identifier: GPL-2.0
/*
 * What CPUID tells the guest: everything the hypervisor supports
 * (KVM_GET_SUPPORTED_CPUID), less what vmrun cannot back, so that the guest
 * behaves the same on ember and KVM:
 *  - no local APIC, x2APIC or TSC deadline timer: without an in-kernel
 *    irqchip there is none, and interrupts come from the 8259A;
 *  - no hypervisor leaves at 0x40000000 (KVM's paravirtual clock and
 *    friends live in KVM, not in the KVM ABI ember implements);
 *  - no VMX (nested virtualization is KVM's, not the ABI's);
 *  - the hypervisor bit set, as a guest of any hypervisor expects (KVM
 *    leaves it to userspace);
 *  - the TSC frequency in leaf 0x15 (crystal clock and TSC/crystal ratio):
 *    with no HPET or ACPI PM timer, a guest would calibrate the TSC against
 *    the PIT, which takes a VM exit to userspace per read: far too slow and
 *    noisy for Linux's calibration loops, which then give up (and mark the
 *    TSC unstable).  The TSC runs at the host's rate (vmrun does not
 *    scale it), so the host's frequency is the guest's;
 *  - each vCPU's APIC ID (leaf 1 EBX[31:24], leaf 0xB/0x1F EDX) is its index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>

#include "util.h"
#include "vm.h"

#define CPUID_1_ECX_VMX		(1U << 5)
#define CPUID_1_ECX_HYPERVISOR	(1U << 31)
#define CPUID_1_ECX_X2APIC	(1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)
#define CPUID_1_EDX_APIC	(1U << 9)
#define CPUID_1_EDX_HTT		(1U << 28)

static struct kvm_cpuid2 *get_supported(struct vm *vm)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		/* One spare entry for leaf 0x15. */
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
					      (n + 1) * sizeof(c->entries[0]));

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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The TSC frequency in kHz: from the hypervisor (KVM_GET_TSC_KHZ) or
 * measured against CLOCK_MONOTONIC over 20 ms. */
static uint32_t tsc_khz(struct vcpu *vcpu)
{
	static uint32_t khz;
	uint64_t t0, c0, t1, c1;
	int ret;

	if (khz)
		return khz;
	ret = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	if (ret > 0)
		return khz = ret;
	t0 = now_ns();
	c0 = __rdtsc();
	do
		t1 = now_ns();
	while (t1 - t0 < 20000000);
	c1 = __rdtsc();
	khz = (c1 - c0) * 1000000 / (t1 - t0);
	verbose("TSC: %u kHz, measured", khz);
	return khz;
}

/* Leaf 0x15: TSC = crystal * EBX / EAX.  The crystal is given as khz/8 in
 * kHz so that it fits ECX (in Hz) up to 34 GHz. */
static void set_tsc_leaf(struct kvm_cpuid2 *c, uint32_t khz)
{
	struct kvm_cpuid_entry2 *e = NULL;

	for (unsigned int i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 0 && c->entries[i].eax < 0x15)
			c->entries[i].eax = 0x15;
		if (c->entries[i].function == 0x15)
			e = &c->entries[i];
	}
	if (!e) {
		e = &c->entries[c->nent++];
		*e = (struct kvm_cpuid_entry2){ .function = 0x15 };
	}
	e->eax = 1;
	e->ebx = 8;
	e->ecx = khz / 8 * 1000;
	e->edx = 0;
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
			e.ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE |
				   CPUID_1_ECX_VMX);
			e.ecx |= CPUID_1_ECX_HYPERVISOR;
			e.edx &= ~CPUID_1_EDX_APIC;
			if (vm->nr_vcpus > 1)
				e.edx |= CPUID_1_EDX_HTT;
		}
		if (e.function == 0xb || e.function == 0x1f)
			e.edx = vcpu->index;
		c->entries[out++] = e;
	}
	c->nent = out;
	set_tsc_leaf(c, tsc_khz(vcpu));
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		verbose("%s: KVM_SET_CPUID2: %s (ignored)", vm->device,
			strerror(errno));
	free(c);
}
