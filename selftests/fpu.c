// SPDX-License-Identifier: GPL-2.0
/*
 * Guest FPU state: KVM_GET/SET_FPU and KVM_GET/SET_XSAVE round trips and
 * agreement, SSE registers and MXCSR/FCW loaded by the guest seen by
 * KVM_GET_FPU and surviving while the host thread scribbles over its own
 * XMM registers between runs, a KVM_SET_FPU seen by the guest, and two
 * vCPUs whose FPU states stay apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_util.h"

#define NXMM	8

/* XMM0-7 from / to memory (the test builds with -mgeneral-regs-only). */
static inline void load_xmm(const void *p)
{
	__asm__ volatile("movdqu 0x00(%0), %%xmm0\n movdqu 0x10(%0), %%xmm1\n"
			 "movdqu 0x20(%0), %%xmm2\n movdqu 0x30(%0), %%xmm3\n"
			 "movdqu 0x40(%0), %%xmm4\n movdqu 0x50(%0), %%xmm5\n"
			 "movdqu 0x60(%0), %%xmm6\n movdqu 0x70(%0), %%xmm7\n"
			 : : "r"(p) : "memory");
}

static inline void store_xmm(void *p)
{
	__asm__ volatile("movdqu %%xmm0, 0x00(%0)\n movdqu %%xmm1, 0x10(%0)\n"
			 "movdqu %%xmm2, 0x20(%0)\n movdqu %%xmm3, 0x30(%0)\n"
			 "movdqu %%xmm4, 0x40(%0)\n movdqu %%xmm5, 0x50(%0)\n"
			 "movdqu %%xmm6, 0x60(%0)\n movdqu %%xmm7, 0x70(%0)\n"
			 : : "r"(p) : "memory");
}

static void pattern(uint8_t *p, int seed)
{
	int i;

	for (i = 0; i < 16 * NXMM; i++)
		p[i] = (uint8_t)(seed * 37 + i * 11 + 1);
}

static bool same(const uint8_t *a, const uint8_t *b)
{
	int i;

	for (i = 0; i < 16 * NXMM; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Per-vCPU buffers in the guest's image. */
static uint8_t guest_want[2][16 * NXMM], guest_got[2][16 * NXMM];

static void guest_sse(int id)
{
	uint32_t mxcsr = 0x1f80 | (id ? 0x6000 : 0x2000);	/* RC */
	uint16_t fcw = id ? 0x27f : 0x37f;
	int round;

	pattern(guest_want[id], id + 1);
	__asm__ volatile("fninit; fldcw %0; ldmxcsr %1"
			 : : "m"(fcw), "m"(mxcsr));
	load_xmm(guest_want[id]);
	for (round = 0; round < 4; round++) {
		uint32_t m;
		uint16_t cw;

		GUEST_SYNC(round);
		store_xmm(guest_got[id]);
		GUEST_ASSERT(same(guest_got[id], guest_want[id]));
		__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(m), "=m"(cw));
		GUEST_ASSERT_EQ(m, mxcsr);
		GUEST_ASSERT_EQ(cw, fcw);
	}
	/* The host has put its own value in XMM3 with KVM_SET_FPU. */
	GUEST_SYNC(100);
	store_xmm(guest_got[id]);
	GUEST_SYNC(0);
}

static void test_fpu_roundtrip(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v = vm_vcpu_add(vm, 0);
	struct kvm_fpu f, g;
	int i;

	EXPECT_RET(ioctl(v->fd, KVM_GET_FPU, &f), 0);
	rec("reset fcw fsw ftwx mxcsr", "0x%x 0x%x 0x%x 0x%x", f.fcw, f.fsw,
	    f.ftwx, f.mxcsr);
	/* MXCSR at reset: 0 in KVM's KVM_GET_FPU; compared only. */
	TEST_ASSERT(f.fcw == 0x37f, "reset FCW 0x%x", f.fcw);
	f.fcw = 0x27f;
	f.mxcsr = 0x1f80 | 0x4000;
	f.ftwx = 0x80;
	for (i = 0; i < 16; i++)
		memset(f.xmm[i], 0x10 + i, 16);
	for (i = 0; i < 8; i++)
		memset(f.fpr[i], 0x60 + i, 10);
	EXPECT_RET(ioctl(v->fd, KVM_SET_FPU, &f), 0);
	memset(&g, 0, sizeof(g));
	EXPECT_RET(ioctl(v->fd, KVM_GET_FPU, &g), 0);
	/* KVM_SET_FPU ignores MXCSR in KVM (Linux 6.1 and later). */
	rec("MXCSR after KVM_SET_FPU", "0x%x", g.mxcsr);
	TEST_ASSERT(g.fcw == f.fcw && g.ftwx == f.ftwx,
		    "FCW 0x%x MXCSR 0x%x FTW 0x%x", g.fcw, g.mxcsr, g.ftwx);
	TEST_ASSERT(!memcmp(g.xmm, f.xmm, sizeof(f.xmm)), "XMM registers");
	for (i = 0; i < 8; i++)
		TEST_ASSERT(!memcmp(g.fpr[i], f.fpr[i], 10), "ST%d", i);
	/* A reserved MXCSR bit: KVM refuses (EINVAL) on newer kernels. */
	f.mxcsr = 1u << 31;
	REC(ioctl(v->fd, KVM_SET_FPU, &f));
	vm_free(vm);
	ksft_pass("KVM_SET_FPU / KVM_GET_FPU round trip");
}

static void test_xsave(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v = vm_vcpu_add(vm, 0);
	struct kvm_xsave x, y;
	struct kvm_fpu f;
	long cap = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE);
	uint32_t *region = x.region;
	int r;

	rec("KVM_CAP_XSAVE", "%d", cap > 0);
	r = REC(ioctl(v->fd, KVM_GET_XSAVE, &x));
	if (cap <= 0 && r) {
		vm_free(vm);
		ksft_skip("no KVM_CAP_XSAVE, KVM_GET_XSAVE %s", ret_name(r));
		return;
	}
	TEST_ASSERT(!r, "KVM_GET_XSAVE: %s", ret_name(r));
	/* Legacy area: FCW at 0, MXCSR at 24, XMM0 at 160. */
	rec("XSAVE FCW MXCSR", "0x%x 0x%x", region[0] & 0xffff, region[6]);
	TEST_ASSERT((region[0] & 0xffff) == 0x37f, "XSAVE FCW 0x%x",
		    region[0] & 0xffff);
	memset((char *)x.region + 160 + 16 * 5, 0xa5, 16);
	region[6] = 0x1f80 | 0x2000;
	/* XSTATE_BV (header at 512): x87 and SSE are not in init state. */
	*(uint64_t *)((char *)x.region + 512) |= 3;
	EXPECT_RET(ioctl(v->fd, KVM_SET_XSAVE, &x), 0);
	EXPECT_RET(ioctl(v->fd, KVM_GET_XSAVE, &y), 0);
	/* FCW..FDP, then ST0-7 and XMM0-15 (MXCSR apart: kvm_pvm). */
	TEST_ASSERT(!memcmp(y.region, x.region, 24) &&
		    !memcmp((char *)y.region + 32, (char *)x.region + 32,
			    416 - 32) &&
		    (y.region[6] == x.region[6] || dev_is_pvm(dev)),
		    "legacy area differs");
	/* The same state through KVM_GET_FPU. */
	EXPECT_RET(ioctl(v->fd, KVM_GET_FPU, &f), 0);
	rec("FPU after SET_XSAVE: mxcsr xmm5", "0x%x %02x%02x", f.mxcsr,
	    f.xmm[5][0], f.xmm[5][15]);
	TEST_ASSERT(f.xmm[5][0] == 0xa5 && f.xmm[5][15] == 0xa5,
		    "KVM_GET_FPU: XMM5 %02x..%02x, MXCSR 0x%x (XSAVE 0x%x)",
		    f.xmm[5][0], f.xmm[5][15], f.mxcsr, region[6]);
	vm_free(vm);
	ksft_pass("KVM_SET_XSAVE / KVM_GET_XSAVE round trip, agrees with FPU");
}

static void scribble_host_xmm(int seed)
{
	uint8_t junk[16 * NXMM];

	pattern(junk, 1000 + seed);
	load_xmm(junk);
}

static void check_fpu(struct kvm_vcpu *v, int id)
{
	uint8_t want[16 * NXMM];
	struct kvm_fpu f;
	int i;

	pattern(want, id + 1);
	TEST_ASSERT(!ioctl(v->fd, KVM_GET_FPU, &f), "KVM_GET_FPU");
	for (i = 0; i < NXMM; i++)
		TEST_ASSERT(!memcmp(f.xmm[i], want + 16 * i, 16),
			    "vCPU %d: KVM_GET_FPU XMM%d differs", id, i);
	/*
	 * KVM_GET_FPU's MXCSR: 0 from kvm_intel in the test machine even
	 * after the guest's LDMXCSR; compared, not asserted (the guest checks
	 * its own MXCSR).
	 */
	rec("KVM_GET_FPU mxcsr", "0x%x", f.mxcsr);
	TEST_ASSERT(f.fcw == (id ? 0x27f : 0x37f), "vCPU %d: FCW 0x%x", id,
		    f.fcw);
}

static void test_guest_sse(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_sse, &v);
	struct kvm_fpu f;
	int round;

	vcpu_args_set(v, 1, 0ul);
	for (round = 0; round < 4; round++) {
		vcpu_run_expect_sync(v, round);
		if (round == 0)
			check_fpu(v, 0);
		scribble_host_xmm(round);
		usleep(1000);	/* and let the scheduler have a go */
	}
	vcpu_run_expect_sync(v, 100);
	TEST_ASSERT(!ioctl(v->fd, KVM_GET_FPU, &f), "KVM_GET_FPU");
	memset(f.xmm[3], 0x5c, 16);
	TEST_ASSERT(!ioctl(v->fd, KVM_SET_FPU, &f), "KVM_SET_FPU");
	vcpu_run_expect_sync(v, 0);
	TEST_ASSERT(GUEST_VAR(vm, guest_got)[0][0x30] == 0x5c &&
		    GUEST_VAR(vm, guest_got)[0][0x3f] == 0x5c,
		    "the guest does not see KVM_SET_FPU's XMM3");
	TEST_ASSERT(GUEST_VAR(vm, guest_got)[0][0x20] ==
		    GUEST_VAR(vm, guest_want)[0][0x20], "XMM2 changed");
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("guest XMM/MXCSR/FCW survive host XMM use; SET_FPU reaches "
		  "the guest");
}

static void test_two_vcpus(struct test_dev *dev)
{
	struct kvm_vcpu *v[2];
	struct kvm_vm *vm = vm_create_guest(dev, 2, guest_sse, v);
	int round, id;

	vcpu_args_set(v[0], 1, 0ul);
	vcpu_args_set(v[1], 1, 1ul);
	/* Interleaved: 0, 1, 0, 1 ... each must find its own registers. */
	for (round = 0; round < 4; round++)
		for (id = 0; id < 2; id++) {
			vcpu_run_expect_sync(v[id], round);
			check_fpu(v[id], id);
		}
	for (id = 0; id < 2; id++) {
		vcpu_run_expect_sync(v[id], 100);
		vcpu_run_expect_sync(v[id], 0);
		TEST_ASSERT(!memcmp(GUEST_VAR(vm, guest_got)[id],
				    GUEST_VAR(vm, guest_want)[id], 16 * NXMM),
			    "vCPU %d: XMM registers mixed up", id);
		vcpu_run_expect_done(v[id]);
	}
	vm_free(vm);
	ksft_pass("two vCPUs keep their FPU states apart");
}

static void run(struct test_dev *dev)
{
	test_fpu_roundtrip(dev);
	test_xsave(dev);
	if (dev_is_pvm(dev)) {
		/* Its CPL-0 emulation fails on SSE instructions. */
		ksft_skip("kvm_pvm cannot run guest SSE code");
		ksft_skip("kvm_pvm cannot run guest SSE code");
		return;
	}
	test_guest_sse(dev);
	test_two_vcpus(dev);
}

int main(void)
{
	return ksft_run_devices("fpu", 4, run);
}
