// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS: round trips, every GPR through a
 * guest run (the world switch saves and restores each of them), and
 * KVM_SET_SREGS refusing inconsistent states with EINVAL while leaving the
 * vCPU as it was: CR0.PG without CR0.PE, CR0.NW without CR0.CD, reserved CR0
 * and CR4 bits, EFER.LMA that disagrees with CR0.PG/EFER.LME, CS.L outside
 * long mode, a CR3 beyond MAXPHYADDR.  Cases where KVM's answer is not set
 * in stone (it accepts a reserved EFER bit at SET_SREGS) are compared, not
 * asserted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"

/* Adds 1 to every GPR but RSP, then HLT. */
extern const char inc_gprs[];
__asm__(
	".pushsection .text\n"
	"inc_gprs:\n"
	"	inc %rax\n	inc %rbx\n	inc %rcx\n	inc %rdx\n"
	"	inc %rsi\n	inc %rdi\n	inc %rbp\n	inc %r8\n"
	"	inc %r9\n	inc %r10\n	inc %r11\n	inc %r12\n"
	"	inc %r13\n	inc %r14\n	inc %r15\n"
	"	hlt\n"
	".popsection\n");

static void fill_regs(struct kvm_regs *r)
{
	uint64_t *p = (uint64_t *)r;
	unsigned int i;

	/* rax .. r15 are the first 16 fields; then rip, rflags. */
	for (i = 0; i < 16; i++)
		p[i] = 0x0101010101010101ul * (i + 1) + (0xf0ul << 56);
}

static void test_regs(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, &v);
	struct kvm_regs r, g;
	uint64_t *p = (uint64_t *)&g, *q = (uint64_t *)&r;
	unsigned int i;

	vcpu_setup_long_mode(v, (uintptr_t)inc_gprs);
	vcpu_regs_get(v, &r);
	fill_regs(&r);
	r.rsp = STACK_GPA + STACK_SIZE - 8;
	r.rip = (uintptr_t)inc_gprs;
	r.rflags = 0x2 | 0x1 | 0x4 | 0x40 | 0x80 | 0x800;	/* CF PF ZF SF OF */
	vcpu_regs_set(v, &r);
	vcpu_regs_get(v, &g);
	TEST_ASSERT(!memcmp(&r, &g, sizeof(r)), "GET_REGS after SET_REGS");
	/* RFLAGS bit 1 is fixed: 0 reads back as 2. */
	g.rflags = 0;
	vcpu_regs_set(v, &g);
	vcpu_regs_get(v, &g);
	rec("rflags 0 reads back", "0x%llx", g.rflags);
	vcpu_regs_set(v, &r);
	ksft_pass("KVM_SET_REGS / KVM_GET_REGS round trip");

	vcpu_run(v);
	vcpu_assert_exit(v, KVM_EXIT_HLT);
	vcpu_regs_get(v, &g);
	rec_regs("after inc", &g);
	for (i = 0; i < 16; i++)
		if (i != 6)	/* rsp */
			TEST_ASSERT(p[i] == q[i] + 1, "GPR %u: 0x%lx, expected "
				    "0x%lx", i, (unsigned long)p[i],
				    (unsigned long)q[i] + 1);
	TEST_ASSERT(g.rsp == r.rsp, "RSP");
	TEST_ASSERT(g.rip == r.rip + 15 * 3 + 1, "RIP 0x%llx", g.rip);
	vm_free(vm);
	ksft_pass("every GPR goes through a guest run (inc each, HLT)");
}

static void test_sregs_roundtrip(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, &v);
	struct kvm_sregs s, g;

	vcpu_setup_long_mode(v, (uintptr_t)inc_gprs);
	vcpu_sregs_get(v, &s);
	s.cr2 = 0x123456789000ul;
	s.fs.base = 0x7f0000001000ul;
	s.gs.base = 0xffff888000002000ul;
	s.gdt.limit = 0x7ff;
	s.idt.base = IDT_GPA;
	s.cr8 = 0;
	vcpu_sregs_set(v, &s);
	vcpu_sregs_get(v, &g);
	rec_sregs("round trip", &g);
	TEST_ASSERT(g.cr0 == s.cr0 && g.cr3 == s.cr3 && g.cr4 == s.cr4 &&
		    g.efer == s.efer && g.cr2 == s.cr2, "control registers");
	TEST_ASSERT(g.fs.base == s.fs.base && g.gs.base == s.gs.base &&
		    g.gdt.limit == 0x7ff && g.gdt.base == GDT_GPA &&
		    g.cs.l == 1 && g.cs.selector == SEL_CODE64 &&
		    g.tr.selector == SEL_TSS && g.tr.base == TSS_GPA,
		    "segments");
	vm_free(vm);
	ksft_pass("KVM_SET_SREGS / KVM_GET_SREGS round trip (long mode)");
}

struct bad_sregs {
	const char *what;
	bool sure;	/* EINVAL on every KVM we know */
	void (*change)(struct kvm_sregs *s);
};

static void pg_no_pe(struct kvm_sregs *s)
{
	s->cr0 &= ~X86_CR0_PE;
}
static void nw_no_cd(struct kvm_sregs *s)
{
	s->cr0 |= X86_CR0_NW;
}
static void cr0_high(struct kvm_sregs *s)
{
	s->cr0 |= 1ul << 32;
}
static void cr0_bit6(struct kvm_sregs *s)
{
	s->cr0 |= 1ul << 6;
}
static void cr4_bit63(struct kvm_sregs *s)
{
	s->cr4 |= 1ul << 63;
}
static void cr4_bit15(struct kvm_sregs *s)
{
	s->cr4 |= 1ul << 15;
}
static void cr4_vmxe(struct kvm_sregs *s)
{
	s->cr4 |= X86_CR4_VMXE;
}
static void lma_no_pg(struct kvm_sregs *s)
{
	s->cr0 &= ~X86_CR0_PG;
	s->cs.l = 0;
}
static void lme_pg_no_lma(struct kvm_sregs *s)
{
	s->efer &= ~EFER_LMA;
	s->cs.l = 0;
}
static void lm_no_pae(struct kvm_sregs *s)
{
	s->cr4 &= ~X86_CR4_PAE;
}
static void lma_no_lme(struct kvm_sregs *s)
{
	s->efer &= ~EFER_LME;
}
static void csl_no_lma(struct kvm_sregs *s)
{
	s->cr0 &= ~X86_CR0_PG;
	s->efer = 0;
	s->cs.l = 1;
}
static void cr3_high(struct kvm_sregs *s)
{
	s->cr3 |= 1ul << 62;
}
static void efer_bit63(struct kvm_sregs *s)
{
	s->efer |= 1ul << 63;
}
static void efer_bit1(struct kvm_sregs *s)
{
	s->efer |= 1ul << 1;
}
static void apic_base_rsvd(struct kvm_sregs *s)
{
	s->apic_base |= 1ul << 63;
}

static const struct bad_sregs bad[] = {
	{ "CR0.PG without CR0.PE", true, pg_no_pe },
	{ "CR0.NW without CR0.CD", true, nw_no_cd },
	{ "CR0 bit 32", true, cr0_high },
	{ "CR0 bit 6 (reserved, low half)", false, cr0_bit6 },
	{ "CR4 bit 63", true, cr4_bit63 },
	{ "CR4 bit 15", true, cr4_bit15 },
	{ "CR4.VMXE without VMX in CPUID", false, cr4_vmxe },
	{ "EFER.LMA with CR0.PG clear", true, lma_no_pg },
	{ "EFER.LME and CR0.PG without EFER.LMA", true, lme_pg_no_lma },
	{ "long mode without CR4.PAE", true, lm_no_pae },
	{ "EFER.LMA without EFER.LME", false, lma_no_lme },
	{ "CS.L outside long mode", true, csl_no_lma },
	{ "CR3 bit 62 (beyond MAXPHYADDR)", true, cr3_high },
	{ "EFER bit 63", false, efer_bit63 },
	{ "EFER bit 1", false, efer_bit1 },
	{ "APIC base bit 63", false, apic_base_rsvd },
};

static void guest_done(void)
{
	GUEST_SYNC(read_cr0());
}

static void test_sregs_invalid(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_done, &v);
	struct kvm_sregs s0, s, g;
	char key[96];
	unsigned int i;
	long r;

	vcpu_sregs_get(v, &s0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = s0;
		bad[i].change(&s);
		r = ioctl(v->fd, KVM_SET_SREGS, &s);
		r = rec_ret(bad[i].what, r);
		if (bad[i].sure)
			TEST_ASSERT(r == -EINVAL, "%s: SET_SREGS gave %s",
				    bad[i].what, ret_name(r));
		vcpu_sregs_get(v, &g);
		/* The same keys whatever the answer, for the comparison;
		 * "unchanged" is what an intended refusal leaves. */
		snprintf(key, sizeof(key), "%s: then cr0/cr4/efer/apic_base",
			 bad[i].what);
		rec(key, "%s0x%llx 0x%llx 0x%llx 0x%llx",
		    memcmp(&g, &s0, sizeof(g)) ? "" : "unchanged ",
		    g.cr0, g.cr4, g.efer, g.apic_base);
		if (r == -EINVAL) {
			TEST_ASSERT(!memcmp(&g, &s0, sizeof(g)),
				    "%s: a refused SET_SREGS changed the state",
				    bad[i].what);
			continue;
		}
		printf("# %s: %s accepted\n", dev->name, bad[i].what);
		vcpu_sregs_set(v, &s0);
	}
	/* After all of that, the vCPU runs as set up. */
	vcpu_run_expect_sync(v, s0.cr0);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("KVM_SET_SREGS refuses inconsistent states, changing nothing");
}

static void run(struct test_dev *dev)
{
	test_regs(dev);
	test_sregs_roundtrip(dev);
	test_sregs_invalid(dev);
}

int main(void)
{
	return ksft_run_devices("regs_sregs", 4, run);
}
