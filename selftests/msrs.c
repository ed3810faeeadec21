// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs: KVM_SET_MSRS / KVM_GET_MSRS of the MSRs a 64-bit OS uses (EFER, the
 * SYSCALL ones, FS/GS/KERNEL_GS base, SYSENTER, PAT, TSC, MISC_ENABLE,
 * TSC_AUX), the count they return when an MSR in the list is refused, what
 * the guest reads with RDMSR after the host set them and what the host reads
 * after the guest's WRMSR, and #GP in the guest for an MSR nobody knows.
 * Then the MSRs every QEMU start-up writes and reads back, or that QEMU's
 * CPUID makes a guest use: the MTRRs, the machine-check globals, the
 * microcode revision, and KVM's paravirtual MSRs (kvmclock and the rest),
 * which ember keeps for the VMM but does not give the guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"

#define MSR_UNKNOWN	0x2ff00001	/* no CPU has it */

#define MSR_MTRRcap		0xfe
#define MSR_MTRRdefType		0x2ff
#define MSR_MTRRfix64K_00000	0x250
#define MSR_MTRRfix4K_F8000	0x26f
#define MSR_MTRRphysBase0	0x200
#define MSR_MTRRphysMask0	0x201
#define MSR_IA32_MCG_CAP	0x179
#define MSR_IA32_MCG_STATUS	0x17a
#define MSR_IA32_MCG_CTL	0x17b
#define MSR_IA32_MC0_CTL	0x400
#define MSR_IA32_MC0_STATUS	0x401
#define MSR_IA32_MC0_CTL2	0x280
#define MCG_CTL_P		(1ul << 8)
#define MCG_SER_P		(1ul << 24)
#define MCI_STATUS_VAL		(1ul << 63)
#define MCI_STATUS_OVER		(1ul << 62)
#define MCI_STATUS_UC		(1ul << 61)
#define MCI_STATUS_EN		(1ul << 60)
#define MCI_STATUS_PCC		(1ul << 57)
#define MCG_STATUS_RIPV		(1ul << 0)
#define MCG_STATUS_MCIP		(1ul << 2)
#define X86_CR4_MCE		(1ul << 6)
#define MSR_IA32_UCODE_REV	0x8b
#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_KVM_ASYNC_PF_EN	0x4b564d02
#define MSR_KVM_STEAL_TIME	0x4b564d03
#define MSR_KVM_PV_EOI_EN	0x4b564d04
#define MSR_KVM_POLL_CONTROL	0x4b564d05
#define MSR_KVM_ASYNC_PF_INT	0x4b564d06
#define MSR_KVM_ASYNC_PF_ACK	0x4b564d07

static const struct {
	uint32_t index;
	const char *name;
	uint64_t host_val;	/* set by KVM_SET_MSRS */
	uint64_t guest_val;	/* set by the guest's WRMSR */
} msrs[] = {
	{ MSR_STAR, "STAR", 0x0023001000000000ul, 0x001b000800000000ul },
	{ MSR_LSTAR, "LSTAR", 0xffffffff81000000ul, 0xffffffff81001000ul },
	{ MSR_CSTAR, "CSTAR", 0xffffffff81000100ul, 0xffffffff81001100ul },
	{ MSR_SYSCALL_MASK, "SFMASK", 0x47700, 0x700 },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", 0xffff888000001000ul,
	  0x00007f0000003000ul },
	{ MSR_FS_BASE, "FS_BASE", 0x00007f0000001000ul, 0x00007f0000005000ul },
	{ MSR_GS_BASE, "GS_BASE", 0xffff888000002000ul, 0xffff888000006000ul },
	{ MSR_IA32_SYSENTER_CS, "SYSENTER_CS", 0x10, 0x08 },
	{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP", 0xffffc90000000000ul,
	  0xffffc90000001000ul },
	{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP", 0xffffffff81000200ul,
	  0xffffffff81000300ul },
	{ MSR_IA32_CR_PAT, "PAT", 0x0007010600070106ul, 0x0007040600070406ul },
	{ MSR_TSC_AUX, "TSC_AUX", 0x12345, 0x54321 },
	{ MSR_EFER, "EFER", EFER_LME | EFER_LMA | EFER_SCE,
	  EFER_LME | EFER_LMA },
};
#define NR_MSRS	(sizeof(msrs) / sizeof(msrs[0]))

static uint64_t guest_gp_count, guest_gp_rip;

static void gp_handler(struct ex_regs *r)
{
	guest_gp_count++;
	guest_gp_rip = r->rip;
	r->rip += 2;		/* rdmsr and wrmsr are 2 bytes */
}

static void guest_code(void)
{
	unsigned int i;
	uint64_t tsc1, tsc2;

	/* The values the host set. */
	for (i = 0; i < NR_MSRS; i++)
		GUEST_SYNC2(msrs[i].index, rdmsr(msrs[i].index));
	/* The TSC the host set, going forward. */
	tsc1 = rdmsr(MSR_IA32_TSC);
	tsc2 = rdmsr(MSR_IA32_TSC);
	GUEST_ASSERT(tsc2 >= tsc1);
	GUEST_SYNC2(tsc1, tsc2);
	GUEST_SYNC(rdmsr(MSR_IA32_MISC_ENABLE));
	/* The guest's own values, for the host to read. */
	for (i = 0; i < NR_MSRS; i++)
		wrmsr(msrs[i].index, msrs[i].guest_val);
	GUEST_SYNC(guest_gp_count);
	/* Unknown MSR: #GP for RDMSR and for WRMSR. */
	guest_gp_count = 0;
	rdmsr(MSR_UNKNOWN);
	GUEST_SYNC2(guest_gp_count, guest_gp_rip != 0);
	wrmsr(MSR_UNKNOWN, 1);
	GUEST_SYNC(guest_gp_count);
	/* A non-canonical LSTAR: #GP, LSTAR unchanged. */
	wrmsr(MSR_LSTAR, 0x8000000000000000ul);
	GUEST_SYNC2(guest_gp_count, rdmsr(MSR_LSTAR));
}

struct msr_buf {
	struct kvm_msrs h;
	struct kvm_msr_entry e[32];
};

static void test_host_msrs(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_code, &v);
	struct msr_buf b;
	unsigned int i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < NR_MSRS; i++) {
		b.e[i].index = msrs[i].index;
		b.e[i].data = msrs[i].host_val;
	}
	b.h.nmsrs = NR_MSRS;
	EXPECT_RET(ioctl(v->fd, KVM_SET_MSRS, &b), NR_MSRS);
	memset(&b.e, 0, sizeof(b.e));
	for (i = 0; i < NR_MSRS; i++)
		b.e[i].index = msrs[i].index;
	EXPECT_RET(ioctl(v->fd, KVM_GET_MSRS, &b), NR_MSRS);
	for (i = 0; i < NR_MSRS; i++) {
		rec(msrs[i].name, "0x%llx", b.e[i].data);
		TEST_ASSERT(b.e[i].data == msrs[i].host_val, "%s: 0x%llx, set "
			    "0x%lx", msrs[i].name, b.e[i].data,
			    (unsigned long)msrs[i].host_val);
	}

	/* TSC and MISC_ENABLE: what reads back is the device's business. */
	vcpu_set_msr(v, MSR_IA32_TSC, 1ul << 40);
	TEST_ASSERT(vcpu_get_msr(v, MSR_IA32_TSC) >= 1ul << 40, "TSC");
	vcpu_set_msr(v, MSR_IA32_MISC_ENABLE, 1);
	rec("MISC_ENABLE after writing 1", "0x%lx",
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MISC_ENABLE));

	/* An MSR refused in the middle: the count of those done before. */
	b.h.nmsrs = 3;
	b.e[0].index = MSR_STAR;
	b.e[0].data = 1ul << 48;
	b.e[1].index = MSR_UNKNOWN;
	b.e[2].index = MSR_LSTAR;
	b.e[2].data = 0;
	EXPECT_RET(ioctl(v->fd, KVM_SET_MSRS, &b), 1);
	EXPECT_RET(ioctl(v->fd, KVM_GET_MSRS, &b), 1);
	TEST_ASSERT(vcpu_get_msr(v, MSR_LSTAR) == msrs[1].host_val,
		    "LSTAR was written after the refused MSR");
	/* Non-canonical values, reserved bits. */
	EXPECT_RET(__vcpu_set_msr(v, MSR_LSTAR, 0x8000000000000000ul), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_FS_BASE, 0x8000000000000000ul), 0);
	REC(__vcpu_set_msr(v, MSR_TSC_AUX, 1ul << 40));
	REC(__vcpu_set_msr(v, MSR_IA32_CR_PAT, 0x08));
	REC(__vcpu_set_msr(v, MSR_EFER, EFER_LME | EFER_LMA | (1ul << 63)));
	/* Too many at once. */
	b.h.nmsrs = 1u << 30;
	REC(ioctl(v->fd, KVM_GET_MSRS, &b));
	vcpu_set_msr(v, MSR_STAR, msrs[0].host_val);
	vm_free(vm);
	ksft_pass("KVM_SET_MSRS / KVM_GET_MSRS: values, counts, refusals");
}

static void test_guest_msrs(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_code, &v);
	struct ucall uc;
	unsigned int i;

	vm_install_exception_handler(vm, 13, gp_handler);
	for (i = 0; i < NR_MSRS; i++)
		vcpu_set_msr(v, msrs[i].index, msrs[i].host_val);
	vcpu_set_msr(v, MSR_IA32_TSC, 1ul << 40);
	for (i = 0; i < NR_MSRS; i++) {
		TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
		/* kvm_pvm gives the guest the host's TSC_AUX. */
		if (msrs[i].index == MSR_TSC_AUX && dev_is_pvm(dev))
			continue;
		rec(msrs[i].name, "guest reads 0x%lx",
		    (unsigned long)uc.args[1]);
		TEST_ASSERT(uc.args[0] == msrs[i].index &&
			    uc.args[1] == msrs[i].host_val,
			    "guest RDMSR %s: 0x%lx, host set 0x%lx",
			    msrs[i].name, (unsigned long)uc.args[1],
			    (unsigned long)msrs[i].host_val);
	}
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	/* kvm_pvm gives the guest the host's TSC. */
	TEST_ASSERT(dev_is_pvm(dev) || (uc.args[0] >= 1ul << 40 &&
		    uc.args[0] < (1ul << 40) + (1ul << 36)),
		    "guest TSC 0x%lx", (unsigned long)uc.args[0]);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec("guest MISC_ENABLE", "0x%lx", (unsigned long)uc.args[0]);
	ksft_pass("the guest's RDMSR sees what KVM_SET_MSRS set");

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec("#GP in the guest's WRMSRs", "%lu", (unsigned long)uc.args[0]);
	if (uc.args[0])
		printf("# %s: %lu of the guest's WRMSRs took #GP\n", dev->name,
		       (unsigned long)uc.args[0]);
	TEST_ASSERT(!uc.args[0] || dev_is_pvm(dev), "#GP in WRMSR");
	for (i = 0; i < NR_MSRS; i++) {
		uint64_t val = vcpu_get_msr(v, msrs[i].index);

		if (msrs[i].index == MSR_TSC_AUX && dev_is_pvm(dev))
			continue;
		rec(msrs[i].name, "host reads 0x%lx", (unsigned long)val);
		TEST_ASSERT(val == msrs[i].guest_val, "%s after the guest's "
			    "WRMSR: 0x%lx, expected 0x%lx", msrs[i].name,
			    (unsigned long)val,
			    (unsigned long)msrs[i].guest_val);
	}
	ksft_pass("KVM_GET_MSRS sees what the guest's WRMSR wrote");

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	TEST_ASSERT(uc.args[0] == 1 && uc.args[1] == 1,
		    "RDMSR of an unknown MSR: %lu #GP", (unsigned long)uc.args[0]);
	vcpu_run_expect_sync(v, 2);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	TEST_ASSERT(uc.args[0] == 3 && uc.args[1] == msrs[1].guest_val,
		    "non-canonical LSTAR: %lu #GP, LSTAR 0x%lx",
		    (unsigned long)uc.args[0], (unsigned long)uc.args[1]);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("RDMSR/WRMSR of an unknown MSR, bad WRMSR: #GP in the guest");
}

/*
 * KVM's paravirtual MSRs, as a VMM writes them (values KVM takes without
 * an in-kernel LAPIC, none enabling a feature), and what reads back.
 */
static const struct {
	uint32_t index;
	const char *name;
	uint64_t val;
} pv_msrs[] = {
	{ MSR_KVM_WALL_CLOCK, "KVM_WALL_CLOCK", 0x12340 },
	{ MSR_KVM_SYSTEM_TIME, "KVM_SYSTEM_TIME", 0x56780 },
	{ MSR_KVM_WALL_CLOCK_NEW, "KVM_WALL_CLOCK_NEW", 0x9abc0 },
	{ MSR_KVM_SYSTEM_TIME_NEW, "KVM_SYSTEM_TIME_NEW", 0xdef00 },
	{ MSR_KVM_ASYNC_PF_EN, "KVM_ASYNC_PF_EN", 0 },
	{ MSR_KVM_STEAL_TIME, "KVM_STEAL_TIME", 0x3000 },
	{ MSR_KVM_PV_EOI_EN, "KVM_PV_EOI_EN", 0x4000 },
	{ MSR_KVM_POLL_CONTROL, "KVM_POLL_CONTROL", 0 },
	{ MSR_KVM_ASYNC_PF_ACK, "KVM_ASYNC_PF_ACK", 1 },
};
#define NR_PV_MSRS	(sizeof(pv_msrs) / sizeof(pv_msrs[0]))

/* The guest's side: MTRRs, machine-check globals, microcode revision. */
static void guest_kept(void)
{
	uint64_t status;

	GUEST_SYNC2(rdmsr(MSR_MTRRcap), rdmsr(MSR_MTRRdefType));
	wrmsr(MSR_MTRRdefType, 0xc06);
	wrmsr(MSR_MTRRfix64K_00000, 0x0505050504040101ul);
	wrmsr(MSR_MTRRphysBase0, 0x40000006);
	wrmsr(MSR_MTRRphysMask0, 0xfc0000800ul);
	guest_gp_count = 0;
	wrmsr(MSR_MTRRdefType, 0x2);		/* type 2 does not exist */
	wrmsr(MSR_MTRRphysMask0, 0x801);	/* a reserved bit */
	wrmsr(MSR_MTRRcap, 0);			/* read-only */
	GUEST_SYNC(guest_gp_count);
	/* Machine checks: the globals; how many banks is recorded. */
	guest_gp_count = 0;
	GUEST_SYNC(rdmsr(MSR_IA32_MCG_CAP));
	wrmsr(MSR_IA32_MCG_STATUS, 0);
	status = rdmsr(MSR_IA32_MCG_STATUS);
	GUEST_SYNC2(status, guest_gp_count);
	/* What Linux does to read its microcode revision. */
	wrmsr(MSR_IA32_UCODE_REV, 0);
	GUEST_SYNC(guest_gp_count);
	/* kvmclock's MSR: the host records what happens. */
	rdmsr(MSR_KVM_SYSTEM_TIME);
	GUEST_SYNC(guest_gp_count);
}

static void test_kept_msrs(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_kept, &v);
	struct msr_buf b;
	struct ucall uc;
	uint64_t val;
	unsigned int i;

	vm_install_exception_handler(vm, 13, gp_handler);

	/* Paravirtual MSRs: what the VMM wrote reads back. */
	memset(&b, 0, sizeof(b));
	for (i = 0; i < NR_PV_MSRS; i++) {
		b.e[i].index = pv_msrs[i].index;
		b.e[i].data = pv_msrs[i].val;
	}
	b.h.nmsrs = NR_PV_MSRS;
	EXPECT_RET(ioctl(v->fd, KVM_SET_MSRS, &b), NR_PV_MSRS);
	memset(&b.e, 0, sizeof(b.e));
	for (i = 0; i < NR_PV_MSRS; i++)
		b.e[i].index = pv_msrs[i].index;
	EXPECT_RET(ioctl(v->fd, KVM_GET_MSRS, &b), NR_PV_MSRS);
	for (i = 0; i < NR_PV_MSRS; i++)
		rec(pv_msrs[i].name, "0x%llx", b.e[i].data);
	/* Both wall clocks are the VM's one, both system times the vCPU's. */
	TEST_ASSERT(b.e[0].data == pv_msrs[2].val && b.e[2].data == pv_msrs[2].val,
		    "wall clock 0x%llx 0x%llx", b.e[0].data, b.e[2].data);
	TEST_ASSERT(b.e[1].data == pv_msrs[3].val && b.e[3].data == pv_msrs[3].val,
		    "system time 0x%llx 0x%llx", b.e[1].data, b.e[3].data);
	TEST_ASSERT(b.e[5].data == 0x3000 && b.e[6].data == 0x4000,
		    "steal time 0x%llx, PV EOI 0x%llx", b.e[5].data, b.e[6].data);
	/* Refused as KVM refuses them without an in-kernel LAPIC. */
	REC(__vcpu_set_msr(v, MSR_KVM_ASYNC_PF_EN, 0x1001));
	REC(__vcpu_set_msr(v, MSR_KVM_ASYNC_PF_INT, 0x20));
	REC(__vcpu_set_msr(v, MSR_KVM_STEAL_TIME, 0x3002));
	REC(__vcpu_set_msr(v, MSR_KVM_PV_EOI_EN, 0x4002));
	REC(__vcpu_set_msr(v, MSR_KVM_POLL_CONTROL, 2));
	ksft_pass("KVM's paravirtual MSRs: KVM_SET_MSRS values read back, "
		  "bad ones refused");

	/* MTRRs and machine-check globals from the VMM's side. */
	rec("MTRRcap", "0x%lx", (unsigned long)vcpu_get_msr(v, MSR_MTRRcap));
	EXPECT_RET(__vcpu_set_msr(v, MSR_MTRRcap, 0x508), 0);
	vcpu_set_msr(v, MSR_MTRRdefType, 0x806);
	vcpu_set_msr(v, MSR_MTRRfix4K_F8000, 0x0606060606060606ul);
	EXPECT_RET(__vcpu_set_msr(v, MSR_MTRRfix4K_F8000, 0x0606060606060603ul), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_MTRRdefType, 0x1006), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_MTRRphysBase0, 0x106), 0);
	TEST_ASSERT(vcpu_get_msr(v, MSR_MTRRfix4K_F8000) == 0x0606060606060606ul,
		    "fixed MTRR");
	rec("MCG_CAP", "0x%lx", (unsigned long)vcpu_get_msr(v, MSR_IA32_MCG_CAP));
	vcpu_set_msr(v, MSR_IA32_MCG_STATUS, 5);
	TEST_ASSERT(vcpu_get_msr(v, MSR_IA32_MCG_STATUS) == 5, "MCG_STATUS");
	REC(__vcpu_set_msr(v, MSR_IA32_MCG_CTL, 0));
	rec("MCG_CTL", "0x%lx", (unsigned long)vcpu_get_msr(v, MSR_IA32_MCG_CTL));

	/* The guest's side. */
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec("guest MTRRcap, MTRRdefType", "0x%lx 0x%lx",
	    (unsigned long)uc.args[0], (unsigned long)uc.args[1]);
	TEST_ASSERT(uc.args[1] == 0x806, "guest MTRRdefType 0x%lx",
		    (unsigned long)uc.args[1]);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	EXPECT_RET(uc.args[0], 3);		/* three bad WRMSRs, three #GP */
	TEST_ASSERT(vcpu_get_msr(v, MSR_MTRRdefType) == 0xc06 &&
		    vcpu_get_msr(v, MSR_MTRRfix64K_00000) == 0x0505050504040101ul &&
		    vcpu_get_msr(v, MSR_MTRRphysBase0) == 0x40000006 &&
		    vcpu_get_msr(v, MSR_MTRRphysMask0) == 0xfc0000800ul,
		    "the guest's MTRRs do not read back");
	ksft_pass("MTRRs: MTRRcap, what the guest and the VMM write reads "
		  "back, invalid types and reserved bits #GP");

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec("guest MCG_CAP", "0x%lx", (unsigned long)uc.args[0]);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	TEST_ASSERT(uc.args[0] == 0 && uc.args[1] == 0,
		    "guest MCG_STATUS 0x%lx, %lu #GP", (unsigned long)uc.args[0],
		    (unsigned long)uc.args[1]);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	EXPECT_RET(uc.args[0], 0);		/* WRMSR UCODE_REV, 0 */
	ksft_pass("machine-check globals and the microcode revision: "
		  "RDMSR/WRMSR as Linux does them at boot");

	/*
	 * KVM lets a guest use kvmclock's MSRs without the CPUID bit
	 * (unless the VMM enables KVM_CAP_ENFORCE_PV_FEATURE_CPUID);
	 * ember, which has no kvmclock, makes them #GP.
	 */
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	printf("# %s: guest RDMSR of MSR_KVM_SYSTEM_TIME: %s\n", dev->name,
	       uc.args[0] ? "#GP" : "read");
	TEST_ASSERT(dev_is_kvm(dev) || uc.args[0] == 1,
		    "ember: the guest read kvmclock's MSR without #GP");
	vcpu_run_expect_done(v);
	val = vcpu_get_msr(v, MSR_KVM_SYSTEM_TIME);
	TEST_ASSERT(val == pv_msrs[3].val, "system time 0x%lx",
		    (unsigned long)val);
	vm_free(vm);
	ksft_pass("the guest's RDMSR of kvmclock's MSR: #GP on ember");
}

static uint64_t mc_count, mc_mcg_status, mc_status;

/* #MC: what the handler sees, and MCIP cleared to allow the next one. */
static void mc_handler(struct ex_regs *r)
{
	(void)r;
	mc_count++;
	mc_mcg_status = rdmsr(MSR_IA32_MCG_STATUS);
	mc_status = rdmsr(MSR_IA32_MC0_STATUS + 4);
	wrmsr(MSR_IA32_MCG_STATUS, 0);
}

/* The guest's side of a machine-check architecture QEMU's way. */
static void guest_mce(void)
{
	uint64_t cr4;

	GUEST_SYNC2(rdmsr(MSR_IA32_MCG_CAP), rdmsr(MSR_IA32_MCG_CTL));
	guest_gp_count = 0;
	wrmsr(MSR_IA32_MC0_CTL + 4, ~0ul);
	wrmsr(MSR_IA32_MC0_STATUS + 4, 0);
	wrmsr(MSR_IA32_MC0_STATUS + 4, 1);		/* only 0: #GP */
	wrmsr(MSR_IA32_MCG_CTL, 5);			/* 0 or ~0: #GP */
	rdmsr(MSR_IA32_MC0_CTL + 4 * 10);		/* bank 10 of 10: #GP */
	rdmsr(MSR_IA32_MC0_CTL2);			/* no CMCI: #GP */
	GUEST_SYNC(guest_gp_count);
	/* A corrected error the host logged in bank 1. */
	GUEST_SYNC2(rdmsr(MSR_IA32_MC0_STATUS + 4), mc_count);
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_MCE));
	GUEST_SYNC(0);
	/* The host injected an uncorrected one: #MC came at this entry. */
	GUEST_SYNC2(mc_count, mc_mcg_status);
	GUEST_SYNC(mc_status);
}

/*
 * KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_SETUP_MCE, the banks through
 * KVM_SET/GET_MSRS as QEMU writes them at each reset, the guest's
 * accesses, and errors reported with KVM_X86_SET_MCE: a corrected one
 * logged, an uncorrected one raising #MC, one without CR4.MCE shutting
 * the guest down.
 */
static void test_mce(struct test_dev *dev)
{
	uint64_t cap = 0, qemu_cap = MCG_CTL_P | MCG_SER_P | 10;
	struct kvm_x86_mce mce;
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_mce, &v);
	struct kvm_run *run = v->run;
	struct ucall uc;
	unsigned int i;

	vm_install_exception_handler(vm, 13, gp_handler);
	vm_install_exception_handler(vm, 18, mc_handler);
	REC(ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	EXPECT_RET(ioctl(vm->kvm_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap), 0);
	printf("# %s: MCG_CAP features supported %#lx\n", dev->name,
	       (unsigned long)cap);
	TEST_ASSERT((cap & (MCG_CTL_P | MCG_SER_P)) == (MCG_CTL_P | MCG_SER_P),
		    "supported MCG_CAP %#lx", (unsigned long)cap);
	rec("MCG_CAP before KVM_X86_SETUP_MCE", "0x%lx",
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MCG_CAP));
	EXPECT_ERRNO(ioctl(v->fd, KVM_X86_SETUP_MCE, &(uint64_t){ MCG_CTL_P }),
		     EINVAL);
	EXPECT_ERRNO(ioctl(v->fd, KVM_X86_SETUP_MCE, &(uint64_t){ 33 }), EINVAL);
	EXPECT_ERRNO(ioctl(v->fd, KVM_X86_SETUP_MCE,
			   &(uint64_t){ (1ul << 9) | 10 }), EINVAL);
	EXPECT_RET(ioctl(v->fd, KVM_X86_SETUP_MCE, &qemu_cap), 0);
	rec("MCG_CAP, MCG_CTL, MC0_CTL after setup", "0x%lx 0x%lx 0x%lx",
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MCG_CAP),
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MCG_CTL),
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MC0_CTL));
	/* QEMU's reset: MCG_STATUS, MCG_CTL, each bank's four MSRs. */
	vcpu_set_msr(v, MSR_IA32_MCG_STATUS, 0);
	vcpu_set_msr(v, MSR_IA32_MCG_CTL, ~0ul);
	for (i = 0; i < 40; i++)
		vcpu_set_msr(v, MSR_IA32_MC0_CTL + i, i % 4 ? 0 : ~0ul);
	EXPECT_RET(__vcpu_set_msr(v, MSR_IA32_MC0_CTL + 40, 0), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_IA32_MCG_CTL, 5), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_IA32_MC0_CTL, 0x1234), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_IA32_MC0_CTL2, 0), 1);
	EXPECT_RET(__vcpu_set_msr(v, MSR_IA32_MC0_CTL2 + 10, 0), 0);
	/* The VMM may restore a logged error. */
	vcpu_set_msr(v, MSR_IA32_MC0_STATUS + 8, MCI_STATUS_VAL | 0x17);
	TEST_ASSERT(vcpu_get_msr(v, MSR_IA32_MC0_STATUS + 8) ==
		    (MCI_STATUS_VAL | 0x17), "bank 2 status");
	vcpu_set_msr(v, MSR_IA32_MC0_STATUS + 8, 0);
	ksft_pass("KVM_X86_SETUP_MCE and the banks from KVM_SET/GET_MSRS, "
		  "as QEMU sets them up");

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec("guest MCG_CAP, MCG_CTL", "0x%lx 0x%lx", (unsigned long)uc.args[0],
	    (unsigned long)uc.args[1]);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	EXPECT_RET(uc.args[0], 4);
	ksft_pass("the guest's machine-check MSRs: values, #GP for the "
		  "invalid writes and absent MSRs");

	/* Errors: bad bank, no VAL; a corrected one is only logged. */
	memset(&mce, 0, sizeof(mce));
	mce.bank = 10;
	mce.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x17;
	EXPECT_ERRNO(ioctl(v->fd, KVM_X86_SET_MCE, &mce), EINVAL);
	mce.bank = 1;
	mce.status = MCI_STATUS_EN | 0x17;
	EXPECT_ERRNO(ioctl(v->fd, KVM_X86_SET_MCE, &mce), EINVAL);
	mce.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x17;
	mce.addr = 0x1000;
	EXPECT_RET(ioctl(v->fd, KVM_X86_SET_MCE, &mce), 0);
	EXPECT_RET(ioctl(v->fd, KVM_X86_SET_MCE, &mce), 0);
	rec("bank 1 after two corrected errors", "0x%lx 0x%lx",
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MC0_STATUS + 4),
	    (unsigned long)vcpu_get_msr(v, MSR_IA32_MC0_CTL + 6));
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	TEST_ASSERT(uc.args[0] == (MCI_STATUS_VAL | MCI_STATUS_OVER |
				   MCI_STATUS_EN | 0x17) && uc.args[1] == 0,
		    "guest: bank 1 status %#lx, %lu #MC",
		    (unsigned long)uc.args[0], (unsigned long)uc.args[1]);
	vcpu_set_msr(v, MSR_IA32_MC0_STATUS + 4, 0);

	/* Uncorrected, CR4.MCE set: #MC before the next instruction. */
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	mce.status = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN |
		     MCI_STATUS_PCC | 0x17;
	mce.mcg_status = MCG_STATUS_MCIP | MCG_STATUS_RIPV;
	EXPECT_RET(ioctl(v->fd, KVM_X86_SET_MCE, &mce), 0);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	rec("#MC: count, MCG_STATUS", "%lu 0x%lx", (unsigned long)uc.args[0],
	    (unsigned long)uc.args[1]);
	TEST_ASSERT(uc.args[0] == 1 && uc.args[1] == mce.mcg_status,
		    "#MC count %lu, MCG_STATUS %#lx", (unsigned long)uc.args[0],
		    (unsigned long)uc.args[1]);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "sync");
	TEST_ASSERT(uc.args[0] == mce.status, "bank 1 status in #MC %#lx",
		    (unsigned long)uc.args[0]);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("KVM_X86_SET_MCE: bad bank or status refused, corrected "
		  "errors logged with OVER, an uncorrected one raises #MC");

	/* Uncorrected while CR4.MCE is clear: shutdown. */
	vm = vm_create_guest(dev, 1, guest_mce, &v);
	run = v->run;
	vcpu_set_msr(v, MSR_IA32_MCG_STATUS, 0);
	EXPECT_RET(ioctl(v->fd, KVM_X86_SETUP_MCE, &qemu_cap), 0);
	EXPECT_RET(ioctl(v->fd, KVM_X86_SET_MCE, &mce), 0);
	vcpu_run(v);
	rec("uncorrected error without CR4.MCE", "exit %u", run->exit_reason);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_SHUTDOWN, "exit reason %u",
		    run->exit_reason);
	vm_free(vm);
	ksft_pass("KVM_X86_SET_MCE: an uncorrected error without CR4.MCE "
		  "shuts the guest down");
}

static void run(struct test_dev *dev)
{
	test_host_msrs(dev);
	test_guest_msrs(dev);
	test_kept_msrs(dev);
	test_mce(dev);
}

int main(void)
{
	return ksft_run_devices("msrs", 12, run);
}
