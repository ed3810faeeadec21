// SPDX-License-Identifier: GPL-2.0
/*
 * What CPUID tells the guest: everything the hypervisor supports
 * (KVM_GET_SUPPORTED_CPUID), less what vmrun cannot back, so that the guest
 * behaves the same on ember and KVM:
 *  - a local APIC with the in-kernel irqchip, none with --irqchip=user
 *    (interrupts then come from the 8259A alone); never x2APIC or the TSC
 *    deadline timer: the xAPIC and its own timer are what every
 *    hypervisor's in-kernel LAPIC has;
 *  - no ARAT (leaf 6 EAX bit 2, "the APIC timer always runs"): KVM reports
 *    it, ember not; without it Linux keeps the 8254 as its first clock
 *    event and checks IRQ 0 through the IOAPIC at boot, the same path on
 *    every hypervisor;
 *  - no hypervisor leaves at 0x40000000 (KVM's paravirtual clock and
 *    friends live in KVM, not in the KVM ABI ember implements);
 *  - no VMX (nested virtualization is KVM's, not the ABI's);
 *  - the hypervisor bit set, as a guest of any hypervisor expects (KVM
 *    leaves it to userspace);
 *  - the TSC frequency in leaf 0x15 (crystal clock and TSC/crystal ratio):
 *    with no HPET or ACPI PM timer, a guest would calibrate the TSC against
 *    the PIT, which takes a VM exit to userspace per read with
 *    --irqchip=user: far too slow and noisy for Linux's calibration loops,
 *    which then give up (and mark the TSC unstable).  The TSC runs at the
 *    host's rate (vmrun does not scale it), so the host's frequency is the
 *    guest's.  The crystal is given as 1 GHz, the bus clock of KVM's local
 *    APIC timer: Linux takes the crystal as the APIC timer's clock and does
 *    not calibrate that timer either;
 *  - each vCPU's APIC ID (leaf 1 EBX[31:24], leaf 0xB/0x1F EDX) is its index,
 *    which is also the ID KVM_CREATE_VCPU gives its local APIC.
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
#define CPUID_6_EAX_ARAT	(1U << 2)

/* The local APIC timer's clock in KVM (APIC_BUS_CYCLE_NS = 1). */
#define APIC_BUS_HZ		1000000000U

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

/*
 * Leaf 0x15: TSC = crystal (ECX, Hz) * EBX / EAX.  Linux 6.1 computes the
 * TSC's kHz as (ECX / 1000) * EBX / EAX in 32 bits, so with a 1 GHz crystal
 * EBX must stay below 2^32 / 10^6: the ratio khz / 10^6 is given as the
 * closest fraction with such a numerator (exact for the test machine's
 * 20 MHz, within a few parts per million for a GHz TSC).
 */
static void tsc_ratio(uint32_t khz, uint32_t *num, uint32_t *den)
{
	const uint32_t max_num = UINT32_MAX / (APIC_BUS_HZ / 1000);
	double want = khz / 1e6, best_err = -1;

	*num = 1;
	*den = 1;
	for (uint32_t n = 1; n <= max_num; n++) {
		double d = n / want + 0.5, err;

		if (d < 1 || d > UINT32_MAX)
			continue;
		err = n / (double)(uint32_t)d - want;
		if (err < 0)
			err = -err;
		if (best_err < 0 || err < best_err) {
			best_err = err;
			*num = n;
			*den = d;
		}
		if (!err)
			break;
	}
}

static void set_tsc_leaf(struct kvm_cpuid2 *c, uint32_t khz)
{
	struct kvm_cpuid_entry2 *e = NULL;
	uint32_t num, den;

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
	tsc_ratio(khz, &num, &den);
	e->eax = den;
	e->ebx = num;
	e->ecx = APIC_BUS_HZ;
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
			if (vm->irqchip == IRQCHIP_KERNEL)
				e.edx |= CPUID_1_EDX_APIC;
			else
				e.edx &= ~CPUID_1_EDX_APIC;
			if (vm->nr_vcpus > 1)
				e.edx |= CPUID_1_EDX_HTT;
		}
		if (e.function == 6)
			e.eax &= ~CPUID_6_EAX_ARAT;
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
