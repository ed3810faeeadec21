// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC (KVM_CREATE_IRQCHIP), on both devices:
 *  - KVM_GET/SET_LAPIC and KVM_CREATE_IRQCHIP errnos, the register page
 *    after reset and after a KVM_SET_LAPIC round trip (xAPIC and x2APIC);
 *  - IA32_APIC_BASE from the guest: the mode transitions that #GP and
 *    those that do not (SDM Vol. 3A 11.12.5), reserved bits, relocation;
 *  - x2APIC MSRs from the guest: IDs, read-only and reserved registers,
 *    SELF IPI, the 64-bit ICR;
 *  - xAPIC MMIO: a self-IPI reaching the guest's IDT handler with its ISR
 *    bit set and PPR raised until EOI, TPR/CR8 holding back lower classes,
 *    NMI by IPI, software disable;
 *  - the timer, measured with the guest's TSC against the TSC rate the
 *    host measures: one-shot, periodic (and the minimum period that keeps
 *    a tiny one from flooding the host), TSC deadline;
 *  - IPIs between two vCPUs (physical, logical, shorthands, broadcast,
 *    lowest priority, NMI) and INIT + SIPI starting an application
 *    processor in real mode.
 * Values are recorded and compared with KVM's; timings are asserted
 * within bounds (a timer may be late on a busy host, never early).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_util.h"

#define APIC_GPA		0xfee00000ul
#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define BASE_BSP		(1ul << 8)
#define BASE_EXTD		(1ul << 10)
#define BASE_EN			(1ul << 11)

#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_ARBPRI	0x90
#define APIC_PROCPRI	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SPIV	0xf0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVTPC	0x340
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0

#define ICR_SELF	0x40000
#define ICR_ALLINC	0x80000
#define ICR_ALLBUT	0xc0000
#define ICR_LEVELTRIG	0x8000
#define ICR_ASSERT	0x4000
#define ICR_LOGICAL	0x800
#define DM_LOWEST	0x100
#define DM_NMI		0x400
#define DM_INIT		0x500
#define DM_STARTUP	0x600
#define LVT_MASKED	0x10000
#define TIMER_PERIODIC	(1 << 17)
#define TIMER_DEADLINE	(2 << 17)

#define X2MSR(off)	(0x800 + ((off) >> 4))

/* ---- guest side ---- */

struct result {
	const char *name;	/* a string of the test image: same address */
	uint64_t val;
	uint64_t gp;		/* the access raised #GP */
};

#define MAX_RES	96
static struct result res[MAX_RES];
static volatile uint64_t nres;

static volatile uint64_t g_tsc_hz;
static volatile uint64_t gp_count, nmi_count[2];
/* Interrupts taken, per APIC ID (0 or 1) and vector. */
static volatile uint64_t irq_count[2][256];
static volatile uint64_t irq_tsc, isr_seen, ppr_seen;
static volatile int use_x2apic;
static volatile uint64_t ap_ready, bsp_done;

static void put(const char *name, uint64_t val, bool gp)
{
	if (nres < MAX_RES) {
		res[nres].name = name;
		res[nres].val = val;
		res[nres].gp = gp;
		nres++;
	}
}

static inline uint64_t g_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return lo | (uint64_t)hi << 32;
}

static inline void g_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void write_cr8(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline uint64_t read_cr8(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

/* RDMSR and WRMSR are two bytes: the #GP handler steps over them. */
static void gp_handler(struct ex_regs *r)
{
	gp_count++;
	r->rip += 2;
}

static bool rdmsr_gp(uint32_t msr, uint64_t *v)
{
	uint64_t n = gp_count;
	uint32_t lo = 0, hi = 0;

	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*v = lo | (uint64_t)hi << 32;
	return gp_count != n;
}

static bool wrmsr_gp(uint32_t msr, uint64_t v)
{
	uint64_t n = gp_count;

	wrmsr(msr, v);
	return gp_count != n;
}

static void put_rdmsr(const char *name, uint32_t msr)
{
	uint64_t v;
	bool gp = rdmsr_gp(msr, &v);

	put(name, gp ? 0 : v, gp);
}

static void put_wrmsr(const char *name, uint32_t msr, uint64_t v)
{
	put(name, 0, wrmsr_gp(msr, v));
}

static uint32_t apic_rd(uint32_t off)
{
	if (use_x2apic)
		return rdmsr(X2MSR(off));
	return *(volatile uint32_t *)(APIC_GPA + off);
}

static void apic_wr(uint32_t off, uint32_t v)
{
	if (use_x2apic)
		wrmsr(X2MSR(off), v);
	else
		*(volatile uint32_t *)(APIC_GPA + off) = v;
}

/* xAPIC: the destination in ICR2 first, then the ICR write sends. */
static void send_ipi(uint32_t dest, uint32_t icr)
{
	if (use_x2apic) {
		wrmsr(X2MSR(APIC_ICR), (uint64_t)dest << 32 | icr);
		return;
	}
	apic_wr(APIC_ICR2, dest << 24);
	apic_wr(APIC_ICR, icr);
}

static int my_id(void)
{
	uint32_t id = apic_rd(APIC_ID);

	return (use_x2apic ? id : id >> 24) & 1;
}

static void irq_handler(struct ex_regs *r)
{
	uint8_t vec = r->vector;

	irq_tsc = g_rdtsc();
	irq_count[my_id()][vec]++;
	isr_seen = apic_rd(APIC_ISR + (vec >> 5) * 0x10);
	ppr_seen = apic_rd(APIC_PROCPRI);
	apic_wr(APIC_EOI, 0);
}

static void nmi_handler(struct ex_regs *r)
{
	(void)r;
	nmi_count[my_id()]++;
}

static uint64_t ms_ticks(uint64_t ms)
{
	return g_tsc_hz / 1000 * ms;
}

/* Spin with IF=1 until *@c reaches @want, for at most @ms. */
static bool wait_for(volatile uint64_t *c, uint64_t want, uint64_t ms)
{
	uint64_t end = g_rdtsc() + ms_ticks(ms);

	while (*c < want) {
		if (g_rdtsc() > end)
			return false;
		g_pause();
	}
	return true;
}

static void delay_ms(uint64_t ms)
{
	uint64_t end = g_rdtsc() + ms_ticks(ms);

	while (g_rdtsc() < end)
		g_pause();
}

/* ---- host side ---- */

static uint64_t tsc_hz;

static inline uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return lo | (uint64_t)hi << 32;
}

/* The guest's TSC runs at the host's rate (no scaling): measure that. */
static void measure_tsc(void)
{
	uint64_t t0 = host_rdtsc(), t1;
	long u0 = now_us(), u1;

	usleep(200000);
	t1 = host_rdtsc();
	u1 = now_us();
	tsc_hz = (t1 - t0) * 1000000 / (uint64_t)(u1 - u0);
}

/* No floating point here (-mgeneral-regs-only): microseconds. */
static uint64_t ticks_us(uint64_t ticks)
{
	return ticks * 1000000 / tsc_hz;
}

#define US_FMT		"%lu.%03lu ms"
#define US_ARG(us)	(unsigned long)((us) / 1000), (unsigned long)((us) % 1000)

static void install_handlers(struct kvm_vm *vm)
{
	int v;

	for (v = 0x20; v < 256; v++)
		vm_install_exception_handler(vm, v, irq_handler);
	vm_install_exception_handler(vm, 2, nmi_handler);
	vm_install_exception_handler(vm, 13, gp_handler);
	GUEST_VAR(vm, g_tsc_hz) = tsc_hz;
}

/* Records what the guest put(), and returns its value by name. */
static void rec_results(struct kvm_vm *vm, const char *prefix)
{
	uint64_t i, n = GUEST_VAR(vm, nres);
	char key[160];

	for (i = 0; i < n; i++) {
		struct result r = GUEST_VAR(vm, res)[i];

		snprintf(key, sizeof(key), "%s: %s", prefix, r.name);
		if (r.gp)
			rec(key, "#GP");
		else
			rec(key, "0x%lx", (unsigned long)r.val);
	}
}

static uint64_t result(struct kvm_vm *vm, const char *name, bool *gp)
{
	uint64_t i, n = GUEST_VAR(vm, nres);

	for (i = 0; i < n; i++) {
		struct result r = GUEST_VAR(vm, res)[i];

		if (!strcmp(r.name, name)) {
			if (gp)
				*gp = r.gp;
			return r.val;
		}
	}
	TEST_ASSERT(false, "the guest recorded no '%s'", name);
	return 0;
}

static void expect(struct kvm_vm *vm, const char *name, uint64_t want)
{
	bool gp;
	uint64_t v = result(vm, name, &gp);

	TEST_ASSERT(!gp && v == want, "%s: 0x%lx%s, expected 0x%lx", name,
		    (unsigned long)v, gp ? " (#GP)" : "", (unsigned long)want);
}

static void expect_gp(struct kvm_vm *vm, const char *name, bool want)
{
	bool gp;

	result(vm, name, &gp);
	TEST_ASSERT(gp == want, "%s: %s, expected %s", name,
		    gp ? "#GP" : "no #GP", want ? "#GP" : "no #GP");
}

static uint32_t reg(const struct kvm_lapic_state *s, int off)
{
	return *(const uint32_t *)(s->regs + off);
}

static void set_reg(struct kvm_lapic_state *s, int off, uint32_t v)
{
	*(uint32_t *)(s->regs + off) = v;
}

/* Every non-zero 32-bit word of the page, as one record. */
static void rec_page(const char *key, const struct kvm_lapic_state *s)
{
	char buf[4096];
	size_t len = 0;
	int off;

	buf[0] = 0;
	for (off = 0; off < KVM_APIC_REG_SIZE; off += 4) {
		if (reg(s, off) && len < sizeof(buf) - 32)
			len += snprintf(buf + len, sizeof(buf) - len,
					"%03x=%x ", off, reg(s, off));
	}
	rec(key, "%s", buf);
}

static void get_lapic(struct kvm_vcpu *v, struct kvm_lapic_state *s)
{
	TEST_ASSERT(!ioctl(v->fd, KVM_GET_LAPIC, s), "KVM_GET_LAPIC: %s",
		    strerrorname(errno));
}

static void run_done(struct kvm_vcpu *v)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_ucall(v, &uc);

	TEST_ASSERT(cmd == UCALL_DONE, "vCPU %d: ucall %lu, not DONE", v->id,
		    (unsigned long)cmd);
}

/* 1: KVM_CREATE_IRQCHIP and KVM_GET/SET_LAPIC errnos. */
static void test_errnos(struct test_dev *dev)
{
	struct kvm_lapic_state s;
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v = vm_vcpu_add(vm, 0);

	memset(&s, 0, sizeof(s));
	/* No in-kernel LAPIC: both -EINVAL; no irqchip once a vCPU exists. */
	EXPECT_ERRNO(ioctl(v->fd, KVM_GET_LAPIC, &s), EINVAL);
	EXPECT_ERRNO(ioctl(v->fd, KVM_SET_LAPIC, &s), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EINVAL);
	vm_free(vm);

	vm = vm_create_bare(dev);
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	v = vm_vcpu_add(vm, 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	EXPECT_RET(ioctl(v->fd, KVM_GET_LAPIC, &s), 0);
	EXPECT_RET(ioctl(v->fd, KVM_SET_LAPIC, &s), 0);
	EXPECT_ERRNO(ioctl(v->fd, KVM_GET_LAPIC, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(v->fd, KVM_SET_LAPIC, (void *)8), EFAULT);
	vm_free(vm);
	ksft_pass("KVM_CREATE_IRQCHIP: -EINVAL after a vCPU, -EEXIST twice; "
		  "KVM_GET/SET_LAPIC: -EINVAL without it, -EFAULT");
}

/* 2: the register page and MSRs after reset, BSP and AP. */
static void test_reset_state(struct test_dev *dev)
{
	struct kvm_lapic_state s;
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v[2];
	struct kvm_mp_state mp;
	uint64_t val;
	char key[64];
	int i;

	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);
	for (i = 0; i < 2; i++)
		v[i] = vm_vcpu_add(vm, i);
	for (i = 0; i < 2; i++) {
		get_lapic(v[i], &s);
		snprintf(key, sizeof(key), "vcpu%d page", i);
		rec_page(key, &s);
		/* SDM Vol. 3A 11.4.7.1 and KVM's version and LINT0 quirk. */
		TEST_ASSERT(reg(&s, APIC_ID) == (uint32_t)i << 24 &&
			    reg(&s, APIC_LVR) == 0x50014 &&
			    reg(&s, APIC_SPIV) == 0xff &&
			    reg(&s, APIC_DFR) == 0xffffffff &&
			    reg(&s, APIC_LVTT) == LVT_MASKED &&
			    reg(&s, APIC_LVT1) == LVT_MASKED &&
			    reg(&s, APIC_LVTERR) == LVT_MASKED &&
			    reg(&s, APIC_LVT0) == (i ? LVT_MASKED : 0x700) &&
			    !reg(&s, APIC_TASKPRI) && !reg(&s, APIC_IRR + 0x70),
			    "vCPU %d: ID %x LVR %x SPIV %x DFR %x LVT0 %x", i,
			    reg(&s, APIC_ID), reg(&s, APIC_LVR),
			    reg(&s, APIC_SPIV), reg(&s, APIC_DFR),
			    reg(&s, APIC_LVT0));
		val = vcpu_get_msr(v[i], MSR_APIC_BASE);
		snprintf(key, sizeof(key), "vcpu%d apic base", i);
		rec(key, "0x%lx", (unsigned long)val);
		TEST_ASSERT(val == (APIC_GPA | BASE_EN | (i ? 0 : BASE_BSP)),
			    "vCPU %d: APIC base 0x%lx", i, (unsigned long)val);
		EXPECT_RET(ioctl(v[i]->fd, KVM_GET_MP_STATE, &mp), 0);
		EXPECT_RET(mp.mp_state, i ? KVM_MP_STATE_UNINITIALIZED :
					    KVM_MP_STATE_RUNNABLE);
		/* TSC deadline reads 0; x2APIC MSRs fail in xAPIC mode. */
		EXPECT_RET(__vcpu_get_msr(v[i], MSR_TSC_DEADLINE, &val), 1);
		EXPECT_RET(val, 0);
		EXPECT_RET(__vcpu_get_msr(v[i], X2MSR(APIC_ID), &val), 0);
	}
	vm_free(vm);
	ksft_pass("reset: ID, version 0x50014, SPIV 0xff, LVTs masked, the "
		  "BSP's LINT0 ExtINT, APIC base, MP states");
}

/* 3: KVM_SET_LAPIC then KVM_GET_LAPIC, xAPIC and x2APIC. */
static void test_state_roundtrip(struct test_dev *dev)
{
	struct kvm_lapic_state s, g;
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_vcpu *v;
	uint64_t val;

	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);
	v = vm_vcpu_add(vm, 5);
	vcpu_set_cpuid(v, vm_supported_cpuid(vm));
	get_lapic(v, &s);
	set_reg(&s, APIC_TASKPRI, 0x20);
	set_reg(&s, APIC_SPIV, 0x1ff);
	set_reg(&s, APIC_LDR, 0x05000000);
	set_reg(&s, APIC_DFR, 0x0fffffff);
	set_reg(&s, APIC_ISR + 0x20, 1u << 16);		/* vector 0x50 */
	set_reg(&s, APIC_IRR + 0x30, 1u << 1);		/* vector 0x61 */
	set_reg(&s, APIC_TMR + 0x30, 1u << 1);
	set_reg(&s, APIC_LVT0, 0x8700);
	set_reg(&s, APIC_LVTERR, 0xfe);
	set_reg(&s, APIC_TDCR, 0x3);
	set_reg(&s, APIC_ICR, 0x4055);
	set_reg(&s, APIC_ICR2, 0x01000000);
	set_reg(&s, APIC_LVR, 0x12345678);		/* recomputed */
	set_reg(&s, APIC_PROCPRI, 0x99);		/* recomputed */
	set_reg(&s, APIC_TMCCT, 0x1234);		/* no count: 0 */
	EXPECT_RET(ioctl(v->fd, KVM_SET_LAPIC, &s), 0);
	get_lapic(v, &g);
	rec_page("xapic page after set", &g);
	TEST_ASSERT(reg(&g, APIC_LVR) == 0x50014 &&
		    reg(&g, APIC_PROCPRI) == 0x50 &&
		    reg(&g, APIC_TASKPRI) == 0x20 &&
		    reg(&g, APIC_LDR) == 0x05000000 &&
		    reg(&g, APIC_ISR + 0x20) == 1u << 16 &&
		    reg(&g, APIC_IRR + 0x30) == 2 && !reg(&g, APIC_TMCCT),
		    "after KVM_SET_LAPIC: LVR %x PPR %x TPR %x LDR %x",
		    reg(&g, APIC_LVR), reg(&g, APIC_PROCPRI),
		    reg(&g, APIC_TASKPRI), reg(&g, APIC_LDR));
	/* CR8 is TPR[7:4] (SDM Vol. 3A 11.8.6.1). */
	{
		struct kvm_sregs sr;

		vcpu_sregs_get(v, &sr);
		rec("sregs.cr8", "%llu", sr.cr8);
		TEST_ASSERT(sr.cr8 == 2, "cr8 %llu with TPR 0x20", sr.cr8);
		sr.cr8 = 7;
		vcpu_sregs_set(v, &sr);
		get_lapic(v, &g);
		rec("TPR after sregs.cr8 = 7", "0x%x", reg(&g, APIC_TASKPRI));
		TEST_ASSERT(reg(&g, APIC_TASKPRI) == 0x70, "TPR %x",
			    reg(&g, APIC_TASKPRI));
	}

	/* x2APIC (the host may make the transition): its ID and LDR. */
	EXPECT_RET(__vcpu_set_msr(v, MSR_APIC_BASE, APIC_GPA | BASE_EN |
				  BASE_EXTD), 1);
	get_lapic(v, &g);
	rec_page("x2apic page", &g);
	TEST_ASSERT(reg(&g, APIC_ID) == 5u << 24 &&
		    reg(&g, APIC_LDR) == 1u << 5,
		    "x2APIC: ID %x LDR %x", reg(&g, APIC_ID), reg(&g, APIC_LDR));
	EXPECT_RET(__vcpu_get_msr(v, X2MSR(APIC_ID), &val), 1);
	EXPECT_RET(val, 5);
	set_reg(&g, APIC_ICR, 0x40);
	set_reg(&g, APIC_ICR2, 0x7);
	set_reg(&g, APIC_LDR, 0x12345678);		/* derived from ID */
	EXPECT_RET(ioctl(v->fd, KVM_SET_LAPIC, &g), 0);
	EXPECT_RET(__vcpu_get_msr(v, X2MSR(APIC_ICR), &val), 1);
	rec("x2apic icr", "0x%lx", (unsigned long)val);
	TEST_ASSERT(val == 0x700000040ul, "x2APIC ICR 0x%lx",
		    (unsigned long)val);
	EXPECT_RET(__vcpu_get_msr(v, X2MSR(APIC_LDR), &val), 1);
	EXPECT_RET(val, 1u << 5);
	get_lapic(v, &g);
	rec_page("x2apic page after set", &g);
	/* Back to xAPIC (host only): what stays of the x2APIC registers. */
	EXPECT_RET(__vcpu_set_msr(v, MSR_APIC_BASE, APIC_GPA | BASE_EN), 1);
	get_lapic(v, &g);
	rec_page("xapic page after x2apic", &g);
	/* Reserved bits fail for the host too. */
	EXPECT_RET(__vcpu_set_msr(v, MSR_APIC_BASE, APIC_GPA | BASE_EN | 1), 0);
	EXPECT_RET(__vcpu_set_msr(v, MSR_APIC_BASE, APIC_GPA | BASE_EXTD), 0);
	vm_free(vm);
	ksft_pass("KVM_SET_LAPIC round trip: version and PPR recomputed, CR8 "
		  "is TPR, x2APIC ID/LDR/ICR as KVM lays them out");
}

/* 4: IA32_APIC_BASE written by the guest. */
static void guest_apic_base(void)
{
	uint64_t b = rdmsr(MSR_APIC_BASE), v;
	uint32_t a, bx, c, d, pa;

	cpuid(0x80000008, 0, &a, &bx, &c, &d);
	pa = a & 0xff;
	put("initial", b, false);
	put_wrmsr("reserved bit 0", MSR_APIC_BASE, b | 1);
	put_wrmsr("reserved bit 9", MSR_APIC_BASE, b | (1 << 9));
	put_wrmsr("bit 63", MSR_APIC_BASE, b | (1ul << 63));
	put_wrmsr("bit MAXPHYADDR", MSR_APIC_BASE, b | (1ul << pa));
	put_wrmsr("EXTD without EN", MSR_APIC_BASE, (b & ~BASE_EN) | BASE_EXTD);
	put_wrmsr("xAPIC -> x2APIC", MSR_APIC_BASE, b | BASE_EXTD);
	put_rdmsr("base in x2APIC", MSR_APIC_BASE);
	put_rdmsr("x2APIC ID", X2MSR(APIC_ID));
	put_wrmsr("x2APIC -> xAPIC", MSR_APIC_BASE, b);
	put_wrmsr("x2APIC -> disabled", MSR_APIC_BASE, b & ~(BASE_EN | BASE_EXTD));
	put_rdmsr("base disabled", MSR_APIC_BASE);
	cpuid(1, 0, &a, &bx, &c, &d);
	put("CPUID.1:EDX.APIC disabled", (d >> 9) & 1, false);
	put_rdmsr("x2APIC ID when disabled", X2MSR(APIC_ID));
	put_wrmsr("disabled -> x2APIC", MSR_APIC_BASE, b | BASE_EXTD);
	put_wrmsr("disabled -> xAPIC", MSR_APIC_BASE, b);
	cpuid(1, 0, &a, &bx, &c, &d);
	put("CPUID.1:EDX.APIC enabled", (d >> 9) & 1, false);
	put("xAPIC ID again", apic_rd(APIC_ID), false);
	put_wrmsr("clear BSP", MSR_APIC_BASE, b & ~BASE_BSP);
	put_rdmsr("base without BSP", MSR_APIC_BASE);
	/* The xAPIC page moves with the base. */
	put_wrmsr("relocate", MSR_APIC_BASE, 0xfed00000ul | BASE_EN);
	put("version at the new base", *(volatile uint32_t *)(0xfed00000ul +
							      APIC_LVR), false);
	put_wrmsr("bit MAXPHYADDR-1", MSR_APIC_BASE,
		  b | (1ul << (pa - 1)));
	put_wrmsr("restore", MSR_APIC_BASE, b);
	v = apic_rd(APIC_LVR);
	put("version at the old base", v, false);
	GUEST_DONE();
}

static void test_apic_base(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_apic_base, &v);

	install_handlers(vm);
	run_done(v);
	rec_results(vm, "apic base");
	expect(vm, "initial", APIC_GPA | BASE_EN | BASE_BSP);
	expect_gp(vm, "reserved bit 0", true);
	expect_gp(vm, "reserved bit 9", true);
	expect_gp(vm, "bit 63", true);
	expect_gp(vm, "bit MAXPHYADDR", true);
	expect_gp(vm, "EXTD without EN", true);
	expect_gp(vm, "xAPIC -> x2APIC", false);
	expect(vm, "x2APIC ID", 0);
	expect_gp(vm, "x2APIC -> xAPIC", true);
	expect_gp(vm, "x2APIC -> disabled", false);
	expect(vm, "base disabled", APIC_GPA | BASE_BSP);
	expect(vm, "CPUID.1:EDX.APIC disabled", 0);
	expect_gp(vm, "x2APIC ID when disabled", true);
	expect_gp(vm, "disabled -> x2APIC", true);
	expect_gp(vm, "disabled -> xAPIC", false);
	expect(vm, "CPUID.1:EDX.APIC enabled", 1);
	expect(vm, "xAPIC ID again", 0);
	expect(vm, "base without BSP", APIC_GPA | BASE_EN);
	expect(vm, "version at the new base", 0x50014);
	expect_gp(vm, "bit MAXPHYADDR-1", false);
	expect(vm, "version at the old base", 0x50014);
	vm_free(vm);
	ksft_pass("IA32_APIC_BASE from the guest: x2APIC -> xAPIC and disabled "
		  "-> x2APIC #GP, reserved bits #GP, CPUID's APIC bit, "
		  "relocation");
}

/* 5: x2APIC MSRs from the guest. */
static void guest_x2apic(void)
{
	uint64_t b = rdmsr(MSR_APIC_BASE);

	put_rdmsr("xAPIC mode: x2APIC version", X2MSR(APIC_LVR));
	put_wrmsr("xAPIC mode: x2APIC TPR", X2MSR(APIC_TASKPRI), 0);
	wrmsr(MSR_APIC_BASE, b | BASE_EXTD);
	use_x2apic = 1;
	put_rdmsr("ID", X2MSR(APIC_ID));
	put_rdmsr("version", X2MSR(APIC_LVR));
	put_rdmsr("LDR", X2MSR(APIC_LDR));
	put_rdmsr("SPIV", X2MSR(APIC_SPIV));
	put_rdmsr("DFR", X2MSR(APIC_DFR));
	put_rdmsr("ARBPRI", X2MSR(APIC_ARBPRI));
	put_rdmsr("ICR2", X2MSR(APIC_ICR2));
	put_rdmsr("EOI", X2MSR(APIC_EOI));
	put_rdmsr("SELF IPI", X2MSR(APIC_SELF_IPI));
	put_rdmsr("0x800", 0x800);
	put_rdmsr("CMCI", X2MSR(0x2f0));
	put_rdmsr("0x8ff", 0x8ff);
	put_wrmsr("write ID", X2MSR(APIC_ID), 0);
	put_wrmsr("write version", X2MSR(APIC_LVR), 0);
	put_wrmsr("write LDR", X2MSR(APIC_LDR), 0);
	put_wrmsr("write DFR", X2MSR(APIC_DFR), 0);
	put_wrmsr("write PPR", X2MSR(APIC_PROCPRI), 0);
	put_wrmsr("write ISR", X2MSR(APIC_ISR), 0);
	put_wrmsr("write TMCCT", X2MSR(APIC_TMCCT), 0);
	put_wrmsr("write ESR 0", X2MSR(APIC_ESR), 0);
	put_wrmsr("write ESR 1", X2MSR(APIC_ESR), 1);
	put_wrmsr("TPR bits 63:32", X2MSR(APIC_TASKPRI), 1ul << 32);
	put_wrmsr("ICR reserved bit 13", X2MSR(APIC_ICR), (1 << 13) | 0x40);
	put_wrmsr("ICR reserved bit 20", X2MSR(APIC_ICR), (1 << 20) | 0x40);
	put_wrmsr("SELF IPI bit 8", X2MSR(APIC_SELF_IPI), 0x140);
	put_wrmsr("TPR 0x30", X2MSR(APIC_TASKPRI), 0x30);
	put_rdmsr("TPR", X2MSR(APIC_TASKPRI));
	put_rdmsr("PPR", X2MSR(APIC_PROCPRI));
	put("CR8", read_cr8(), false);
	wrmsr(X2MSR(APIC_TASKPRI), 0);
	put_wrmsr("LVT timer deadline mode", X2MSR(APIC_LVTT),
		  TIMER_DEADLINE | 0x40);
	put_rdmsr("LVT timer", X2MSR(APIC_LVTT));
	put_wrmsr("SPIV enable", X2MSR(APIC_SPIV), 0x1ff);
	put_wrmsr("LVT timer unmasked", X2MSR(APIC_LVTT), TIMER_PERIODIC | 0x40);
	put_rdmsr("LVT timer now", X2MSR(APIC_LVTT));
	put_wrmsr("LVT1", X2MSR(APIC_LVT1), 0xffffffff);
	put_rdmsr("LVT1 now", X2MSR(APIC_LVT1));
	put_wrmsr("LVTPC", X2MSR(APIC_LVTPC), 0xffffffff);
	put_rdmsr("LVTPC now", X2MSR(APIC_LVTPC));
	put_wrmsr("TDCR", X2MSR(APIC_TDCR), 0xffffffff);
	put_rdmsr("TDCR now", X2MSR(APIC_TDCR));
	wrmsr(X2MSR(APIC_LVT1), LVT_MASKED);

	/* Self-IPIs three ways; IF=0 first: they wait in IRR. */
	cli();
	put_wrmsr("SELF IPI 0x56", X2MSR(APIC_SELF_IPI), 0x56);
	put_rdmsr("IRR 0x40-0x5f", X2MSR(APIC_IRR + 0x20));
	sti();
	wait_for(&irq_count[0][0x56], 1, 500);
	put("SELF IPI taken", irq_count[0][0x56], false);
	put("ISR in the handler", isr_seen, false);
	put("PPR in the handler", ppr_seen, false);
	put_wrmsr("ICR physical self", X2MSR(APIC_ICR), 0x57);
	wait_for(&irq_count[0][0x57], 1, 500);
	put("ICR physical taken", irq_count[0][0x57], false);
	put_wrmsr("ICR broadcast", X2MSR(APIC_ICR), 0xffffffff00000058ul);
	wait_for(&irq_count[0][0x58], 1, 500);
	put("ICR broadcast taken", irq_count[0][0x58], false);
	put_wrmsr("ICR shorthand self", X2MSR(APIC_ICR), ICR_SELF | 0x59);
	wait_for(&irq_count[0][0x59], 1, 500);
	put("ICR self taken", irq_count[0][0x59], false);
	put_rdmsr("ICR", X2MSR(APIC_ICR));
	put_wrmsr("ICR to ID 1", X2MSR(APIC_ICR), 0x100000005aul);
	delay_ms(5);
	put("ICR to nobody taken", irq_count[0][0x5a], false);
	put_rdmsr("ISR 0x40-0x5f at the end", X2MSR(APIC_ISR + 0x20));
	GUEST_DONE();
}

static void test_x2apic(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_x2apic, &v);
	static const char *const gp[] = {
		"xAPIC mode: x2APIC version", "xAPIC mode: x2APIC TPR", "DFR",
		"ARBPRI", "ICR2", "EOI", "SELF IPI", "0x800", "CMCI", "0x8ff",
		"write ID", "write version", "write LDR", "write DFR",
		"write PPR", "write ISR", "write TMCCT", "write ESR 1",
		"TPR bits 63:32", "ICR reserved bit 13", "ICR reserved bit 20",
		"SELF IPI bit 8",
	};
	size_t i;

	install_handlers(vm);
	run_done(v);
	rec_results(vm, "x2apic");
	for (i = 0; i < sizeof(gp) / sizeof(gp[0]); i++)
		expect_gp(vm, gp[i], true);
	expect(vm, "ID", 0);
	expect(vm, "version", 0x50014);
	expect(vm, "LDR", 1);
	expect(vm, "PPR", 0x30);
	expect(vm, "CR8", 3);
	expect(vm, "IRR 0x40-0x5f", 1u << 22);
	expect(vm, "SELF IPI taken", 1);
	expect(vm, "ISR in the handler", 1u << 22);
	expect(vm, "PPR in the handler", 0x50);
	expect(vm, "ICR physical taken", 1);
	expect(vm, "ICR broadcast taken", 1);
	expect(vm, "ICR self taken", 1);
	expect(vm, "ICR", ICR_SELF | 0x59);
	expect(vm, "ICR to nobody taken", 0);
	expect(vm, "ISR 0x40-0x5f at the end", 0);
	vm_free(vm);
	ksft_pass("x2APIC MSRs: IDs, #GP for reserved and read-only registers "
		  "and bad values, SELF IPI and the 64-bit ICR reach the guest");
}

/* 6: xAPIC MMIO: self-IPI, EOI, TPR and PPR, NMI, software disable. */
static void guest_xapic(void)
{
	put("ID", apic_rd(APIC_ID), false);
	put("version", apic_rd(APIC_LVR), false);
	put("SPIV", apic_rd(APIC_SPIV), false);
	put("DFR", apic_rd(APIC_DFR), false);
	put("LVT0", apic_rd(APIC_LVT0), false);
	put("ARBPRI", apic_rd(APIC_ARBPRI), false);
	/* Software-disabled: a fixed IPI is not accepted (SDM 11.4.7.2). */
	sti();
	apic_wr(APIC_ICR, ICR_SELF | 0x50);
	delay_ms(2);
	put("disabled: taken", irq_count[0][0x50], false);
	put("disabled: IRR", apic_rd(APIC_IRR + 0x20), false);
	apic_wr(APIC_LVTERR, 0x33);
	put("disabled: LVT error write", apic_rd(APIC_LVTERR), false);
	apic_wr(APIC_SPIV, 0x1ff);
	put("SPIV enabled", apic_rd(APIC_SPIV), false);

	apic_wr(APIC_ICR, ICR_SELF | 0x50);
	wait_for(&irq_count[0][0x50], 1, 500);
	put("self IPI taken", irq_count[0][0x50], false);
	put("ISR in the handler", isr_seen, false);
	put("PPR in the handler", ppr_seen, false);
	put("ISR after EOI", apic_rd(APIC_ISR + 0x20), false);
	put("PPR after EOI", apic_rd(APIC_PROCPRI), false);
	put("ICR", apic_rd(APIC_ICR), false);
	send_ipi(0, 0x51);			/* physical, to my own ID */
	wait_for(&irq_count[0][0x51], 1, 500);
	put("physical to self taken", irq_count[0][0x51], false);
	apic_wr(APIC_LDR, 0x01000000);
	send_ipi(0x01, ICR_LOGICAL | 0x52);	/* flat logical */
	wait_for(&irq_count[0][0x52], 1, 500);
	put("logical to self taken", irq_count[0][0x52], false);
	send_ipi(0x02, ICR_LOGICAL | 0x53);	/* another logical ID */
	delay_ms(2);
	put("logical to another taken", irq_count[0][0x53], false);

	/* TPR 0x60 holds back class 5, not class 7 (SDM 11.8.3.1). */
	apic_wr(APIC_TASKPRI, 0x60);
	put("PPR with TPR 0x60", apic_rd(APIC_PROCPRI), false);
	apic_wr(APIC_ICR, ICR_SELF | 0x55);
	delay_ms(2);
	put("0x55 under TPR 0x60", irq_count[0][0x55], false);
	put("IRR with 0x55 pending", apic_rd(APIC_IRR + 0x20), false);
	apic_wr(APIC_ICR, ICR_SELF | 0x75);
	wait_for(&irq_count[0][0x75], 1, 500);
	put("0x75 under TPR 0x60", irq_count[0][0x75], false);
	apic_wr(APIC_TASKPRI, 0x40);
	wait_for(&irq_count[0][0x55], 1, 500);
	put("0x55 under TPR 0x40", irq_count[0][0x55], false);
	/* CR8 is TPR[7:4]. */
	write_cr8(6);
	put("TPR after CR8 = 6", apic_rd(APIC_TASKPRI), false);
	apic_wr(APIC_TASKPRI, 0x90);
	put("CR8 after TPR = 0x90", read_cr8(), false);
	apic_wr(APIC_ICR, ICR_SELF | 0x65);
	delay_ms(2);
	put("0x65 under CR8 9", irq_count[0][0x65], false);
	write_cr8(0);
	wait_for(&irq_count[0][0x65], 1, 500);
	put("0x65 under CR8 0", irq_count[0][0x65], false);

	/* NMI by IPI; an INIT de-assert is ignored. */
	apic_wr(APIC_ICR, ICR_SELF | DM_NMI);
	wait_for(&nmi_count[0], 1, 500);
	put("NMI taken", nmi_count[0], false);

	/* Software disable masks the LVTs (SDM 11.4.7.2). */
	apic_wr(APIC_LVT1, 0x400);
	put("LVT1 unmasked", apic_rd(APIC_LVT1), false);
	apic_wr(APIC_SPIV, 0xff);
	put("LVT1 after disable", apic_rd(APIC_LVT1), false);
	put("LVT0 after disable", apic_rd(APIC_LVT0), false);
	/* Only aligned 32-bit writes count (SDM 11.4.1). */
	apic_wr(APIC_SPIV, 0x1ff);
	*(volatile uint8_t *)(APIC_GPA + APIC_TASKPRI) = 0x20;
	put("TPR after a byte write", apic_rd(APIC_TASKPRI), false);
	*(volatile uint32_t *)(APIC_GPA + APIC_TASKPRI + 4) = 0x20;
	put("TPR after a write at +4", apic_rd(APIC_TASKPRI), false);
	put("byte read of version+2",
	    *(volatile uint8_t *)(APIC_GPA + APIC_LVR + 2), false);
	GUEST_DONE();
}

static void test_xapic(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_xapic, &v);

	install_handlers(vm);
	run_done(v);
	rec_results(vm, "xapic");
	expect(vm, "version", 0x50014);
	expect(vm, "disabled: taken", 0);
	expect(vm, "disabled: IRR", 0);
	expect(vm, "disabled: LVT error write", LVT_MASKED | 0x33);
	expect(vm, "self IPI taken", 1);
	expect(vm, "ISR in the handler", 1u << 16);
	expect(vm, "PPR in the handler", 0x50);
	expect(vm, "ISR after EOI", 0);
	expect(vm, "PPR after EOI", 0);
	expect(vm, "physical to self taken", 1);
	expect(vm, "logical to self taken", 1);
	expect(vm, "logical to another taken", 0);
	expect(vm, "PPR with TPR 0x60", 0x60);
	expect(vm, "0x55 under TPR 0x60", 0);
	expect(vm, "IRR with 0x55 pending", 1u << 21);
	expect(vm, "0x75 under TPR 0x60", 1);
	expect(vm, "0x55 under TPR 0x40", 1);
	expect(vm, "TPR after CR8 = 6", 0x60);
	expect(vm, "CR8 after TPR = 0x90", 9);
	expect(vm, "0x65 under CR8 9", 0);
	expect(vm, "0x65 under CR8 0", 1);
	expect(vm, "NMI taken", 1);
	expect(vm, "LVT1 after disable", LVT_MASKED | 0x400);
	expect(vm, "TPR after a byte write", 0);
	expect(vm, "byte read of version+2", 5);
	vm_free(vm);
	ksft_pass("xAPIC MMIO: self-IPI to the IDT handler with ISR and PPR, "
		  "EOI, TPR/CR8 masking by class, NMI IPI, software disable");
}

/* 7: the timer in one-shot and periodic mode, against the TSC. */
static volatile uint64_t t_start, t_end, t_count, t_cc1, t_cc2;
static volatile uint64_t t_min_count, t_min_ticks;

static void guest_timer(void)
{
	apic_wr(APIC_SPIV, 0x1ff);
	sti();
	/* One-shot 20 ms: 20,000,000 counts at KVM's 1 GHz, divide by 1. */
	apic_wr(APIC_TDCR, 0xb);
	apic_wr(APIC_LVTT, 0x60);
	t_start = g_rdtsc();
	apic_wr(APIC_TMICT, 20000000);
	t_cc1 = apic_rd(APIC_TMCCT);
	wait_for(&irq_count[0][0x60], 1, 2000);
	t_end = irq_tsc;
	t_cc2 = apic_rd(APIC_TMCCT);
	delay_ms(30);
	put("one-shot interrupts after 50 ms", irq_count[0][0x60], false);
	put("one-shot current count at the end", apic_rd(APIC_TMCCT), false);
	GUEST_SYNC(1);

	/* Periodic 5 ms (divide by 16: 312,500 counts), ten of them. */
	apic_wr(APIC_TDCR, 0x3);
	apic_wr(APIC_LVTT, TIMER_PERIODIC | 0x61);
	put("LVT timer periodic", apic_rd(APIC_LVTT), false);
	t_start = g_rdtsc();
	apic_wr(APIC_TMICT, 312500);
	wait_for(&irq_count[0][0x61], 10, 3000);
	t_end = irq_tsc;
	t_count = irq_count[0][0x61];
	/* Initial count 0 stops it (SDM 11.5.4). */
	apic_wr(APIC_TMICT, 0);
	t_cc1 = irq_count[0][0x61];
	delay_ms(20);
	put("periodic stopped", irq_count[0][0x61] - t_cc1, false);
	GUEST_SYNC(2);

	/* A 1 ns period is held to the minimum (KVM: 200 us). */
	apic_wr(APIC_TDCR, 0xb);
	apic_wr(APIC_LVTT, TIMER_PERIODIC | 0x62);
	t_start = g_rdtsc();
	apic_wr(APIC_TMICT, 1);
	delay_ms(20);
	apic_wr(APIC_TMICT, 0);
	t_min_ticks = g_rdtsc() - t_start;
	t_min_count = irq_count[0][0x62];
	GUEST_DONE();
}

static void test_timer(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_timer, &v);
	uint64_t n, us;

	install_handlers(vm);
	vcpu_run_expect_sync(v, 1);
	us = ticks_us(GUEST_VAR(vm, t_end) - GUEST_VAR(vm, t_start));
	printf("# %s: one-shot of 20 ms fired after " US_FMT " (current count "
	       "%lu at the start)\n", dev->name, US_ARG(us),
	       (unsigned long)GUEST_VAR(vm, t_cc1));
	TEST_ASSERT(us >= 19900 && us <= 60000, "one-shot 20 ms after " US_FMT,
		    US_ARG(us));
	TEST_ASSERT(GUEST_VAR(vm, t_cc1) > 0 &&
		    GUEST_VAR(vm, t_cc1) <= 20000000 && !GUEST_VAR(vm, t_cc2),
		    "current count %lu at the start, %lu after",
		    (unsigned long)GUEST_VAR(vm, t_cc1),
		    (unsigned long)GUEST_VAR(vm, t_cc2));

	vcpu_run_expect_sync(v, 2);
	n = GUEST_VAR(vm, t_count);
	us = ticks_us(GUEST_VAR(vm, t_end) - GUEST_VAR(vm, t_start));
	printf("# %s: %lu periodic interrupts of 5 ms after " US_FMT "\n",
	       dev->name, (unsigned long)n, US_ARG(us));
	TEST_ASSERT(n >= 10 && us >= 49700 && us <= 150000,
		    "%lu periodic 5 ms interrupts after " US_FMT,
		    (unsigned long)n, US_ARG(us));

	run_done(v);
	n = GUEST_VAR(vm, t_min_count);
	us = ticks_us(GUEST_VAR(vm, t_min_ticks));
	printf("# %s: a 1 ns periodic timer: %lu interrupts in " US_FMT "\n",
	       dev->name, (unsigned long)n, US_ARG(us));
	TEST_ASSERT(n >= 1 && n <= us / 200 + 2,
		    "1 ns period: %lu interrupts in " US_FMT " (at most one "
		    "per 200 us)", (unsigned long)n, US_ARG(us));
	rec_results(vm, "timer");
	expect(vm, "one-shot interrupts after 50 ms", 1);
	expect(vm, "one-shot current count at the end", 0);
	expect(vm, "periodic stopped", 0);
	vm_free(vm);
	ksft_pass("timer: one-shot and periodic against the TSC, current "
		  "count, stop, a tiny period held to 200 us");
}

/* 8: TSC-deadline mode (CPUID.1:ECX[24] given to the guest). */
static volatile uint64_t d_deadline, d_fired;

static void guest_deadline(void)
{
	uint64_t v;

	apic_wr(APIC_SPIV, 0x1ff);
	sti();
	apic_wr(APIC_LVTT, TIMER_DEADLINE | 0x63);
	put("LVT timer", apic_rd(APIC_LVTT), false);
	apic_wr(APIC_TMICT, 1000);
	put("TMICT ignored", apic_rd(APIC_TMICT), false);
	d_deadline = g_rdtsc() + ms_ticks(20);
	wrmsr(MSR_TSC_DEADLINE, d_deadline);
	put("deadline reads back", rdmsr(MSR_TSC_DEADLINE) == d_deadline, false);
	wait_for(&irq_count[0][0x63], 1, 2000);
	d_fired = irq_tsc;
	put("deadline after it fired", rdmsr(MSR_TSC_DEADLINE), false);
	put("interrupts", irq_count[0][0x63], false);
	/* A deadline in the past fires at once. */
	wrmsr(MSR_TSC_DEADLINE, g_rdtsc() - 1000);
	wait_for(&irq_count[0][0x63], 2, 5);
	put("past deadline interrupts", irq_count[0][0x63], false);
	/* Writing 0 disarms. */
	wrmsr(MSR_TSC_DEADLINE, g_rdtsc() + ms_ticks(5));
	wrmsr(MSR_TSC_DEADLINE, 0);
	delay_ms(20);
	put("disarmed interrupts", irq_count[0][0x63], false);
	/* Leaving TSC-deadline mode disarms too; the MSR then reads 0. */
	wrmsr(MSR_TSC_DEADLINE, g_rdtsc() + ms_ticks(5));
	apic_wr(APIC_LVTT, 0x63);
	v = rdmsr(MSR_TSC_DEADLINE);
	put("deadline in one-shot mode", v, false);
	delay_ms(20);
	put("interrupts after the mode change", irq_count[0][0x63], false);
	GUEST_DONE();
}

static void test_deadline(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_deadline, &v);
	struct kvm_cpuid2 *c = vm_supported_cpuid(vm);
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 1, 0);
	uint64_t dl, fired, late;

	TEST_ASSERT(e, "no CPUID leaf 1");
	e->ecx |= 1u << 24;
	vcpu_set_cpuid(v, c);
	e->ecx &= ~(1u << 24);
	install_handlers(vm);
	run_done(v);
	dl = GUEST_VAR(vm, d_deadline);
	fired = GUEST_VAR(vm, d_fired);
	/* Never before the deadline (10 us of rounding), at most 40 ms late. */
	TEST_ASSERT(fired + tsc_hz / 100000 >= dl, "TSC-deadline interrupt "
		    "%lu ticks before the deadline", (unsigned long)(dl - fired));
	late = fired > dl ? ticks_us(fired - dl) : 0;
	printf("# %s: TSC deadline 20 ms ahead: the interrupt came " US_FMT
	       " after it\n", dev->name, US_ARG(late));
	TEST_ASSERT(late <= 40000, "TSC-deadline interrupt " US_FMT " late",
		    US_ARG(late));
	rec_results(vm, "deadline");
	expect(vm, "LVT timer", TIMER_DEADLINE | 0x63);
	expect(vm, "TMICT ignored", 0);
	expect(vm, "deadline reads back", 1);
	expect(vm, "deadline after it fired", 0);
	expect(vm, "interrupts", 1);
	expect(vm, "past deadline interrupts", 2);
	expect(vm, "disarmed interrupts", 2);
	expect(vm, "deadline in one-shot mode", 0);
	expect(vm, "interrupts after the mode change", 2);
	vm_free(vm);
	ksft_pass("TSC-deadline timer: fires at the deadline (TSC), reads 0 "
		  "after, past deadline at once, 0 disarms, mode change "
		  "disarms");
}

/* 9: IPIs between two vCPUs. */
static void guest_ipi_ap(void)
{
	apic_wr(APIC_SPIV, 0x1ff);
	apic_wr(APIC_LDR, 0x02000000);
	cli();
	ap_ready = 1;
	while (!bsp_done) {
		sti_hlt();
		cli();
	}
	sti();
	GUEST_DONE();
}

static void guest_ipi_bsp(void)
{
	uint64_t both;

	apic_wr(APIC_SPIV, 0x1ff);
	apic_wr(APIC_LDR, 0x01000000);
	sti();
	wait_for(&ap_ready, 1, 2000);
	put("AP ready", ap_ready, false);
	/* Physical ID 1. */
	send_ipi(1, 0x51);
	wait_for(&irq_count[1][0x51], 1, 500);
	put("physical 1: AP", irq_count[1][0x51], false);
	put("physical 1: BSP", irq_count[0][0x51], false);
	/* Flat logical 0x02 (the AP), 0x03 (both). */
	send_ipi(0x02, ICR_LOGICAL | 0x52);
	wait_for(&irq_count[1][0x52], 1, 500);
	put("logical 2: AP", irq_count[1][0x52], false);
	put("logical 2: BSP", irq_count[0][0x52], false);
	send_ipi(0x03, ICR_LOGICAL | 0x53);
	wait_for(&irq_count[1][0x53], 1, 500);
	wait_for(&irq_count[0][0x53], 1, 500);
	put("logical 3: AP", irq_count[1][0x53], false);
	put("logical 3: BSP", irq_count[0][0x53], false);
	/* Shorthands and the physical broadcast. */
	send_ipi(0, ICR_ALLBUT | 0x54);
	wait_for(&irq_count[1][0x54], 1, 500);
	delay_ms(2);
	put("all but self: AP", irq_count[1][0x54], false);
	put("all but self: BSP", irq_count[0][0x54], false);
	send_ipi(0, ICR_ALLINC | 0x55);
	wait_for(&irq_count[1][0x55], 1, 500);
	wait_for(&irq_count[0][0x55], 1, 500);
	put("all: AP", irq_count[1][0x55], false);
	put("all: BSP", irq_count[0][0x55], false);
	send_ipi(0xff, 0x57);
	wait_for(&irq_count[1][0x57], 1, 500);
	wait_for(&irq_count[0][0x57], 1, 500);
	put("broadcast: AP", irq_count[1][0x57], false);
	put("broadcast: BSP", irq_count[0][0x57], false);
	/* Lowest priority to logical 0x03: exactly one of the two. */
	send_ipi(0x03, ICR_LOGICAL | DM_LOWEST | 0x56);
	delay_ms(5);
	both = irq_count[0][0x56] + irq_count[1][0x56];
	put("lowest priority: taken", both, false);
	/* NMI to the AP. */
	send_ipi(1, DM_NMI);
	wait_for(&nmi_count[1], 1, 500);
	put("NMI: AP", nmi_count[1], false);
	put("NMI: BSP", nmi_count[0], false);
	/* Let the AP go. */
	bsp_done = 1;
	send_ipi(1, 0x5f);
	GUEST_DONE();
}

static void *vcpu_thread(void *arg)
{
	run_done(arg);
	return NULL;
}

static void test_ipi(struct test_dev *dev)
{
	struct kvm_vcpu *v[2];
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 2, NULL, v);
	pthread_t t;

	vcpu_setup_long_mode(v[0], (uintptr_t)guest_ipi_bsp);
	vcpu_setup_long_mode(v[1], (uintptr_t)guest_ipi_ap);
	install_handlers(vm);
	TEST_ASSERT(!pthread_create(&t, NULL, vcpu_thread, v[1]),
		    "pthread_create");
	run_done(v[0]);
	pthread_join(t, NULL);
	rec_results(vm, "ipi");
	expect(vm, "AP ready", 1);
	expect(vm, "physical 1: AP", 1);
	expect(vm, "physical 1: BSP", 0);
	expect(vm, "logical 2: AP", 1);
	expect(vm, "logical 2: BSP", 0);
	expect(vm, "logical 3: AP", 1);
	expect(vm, "logical 3: BSP", 1);
	expect(vm, "all but self: AP", 1);
	expect(vm, "all but self: BSP", 0);
	expect(vm, "all: AP", 1);
	expect(vm, "all: BSP", 1);
	expect(vm, "broadcast: AP", 1);
	expect(vm, "broadcast: BSP", 1);
	expect(vm, "lowest priority: taken", 1);
	expect(vm, "NMI: AP", 1);
	expect(vm, "NMI: BSP", 0);
	TEST_ASSERT(GUEST_VAR(vm, irq_count)[1][0x5f] == 1,
		    "the AP's last IPI: %lu",
		    (unsigned long)GUEST_VAR(vm, irq_count)[1][0x5f]);
	vm_free(vm);
	ksft_pass("IPIs between two vCPUs: physical, flat logical, shorthands, "
		  "broadcast, lowest priority to one, NMI; HLT woken by IPI");
}

/* 10: INIT and SIPI start an application processor. */
#define SIPI_VECTOR	0x10		/* real mode at 0x10000 */
#define AP_PORT		0x77

static void guest_init_sipi(void)
{
	apic_wr(APIC_SPIV, 0x1ff);
	/* The MP protocol (SDM Vol. 3A 9.4.4.1): INIT, de-assert, 2 SIPIs. */
	send_ipi(1, DM_INIT | ICR_LEVELTRIG | ICR_ASSERT);
	send_ipi(1, DM_INIT | ICR_LEVELTRIG);
	delay_ms(10);
	send_ipi(1, DM_STARTUP | SIPI_VECTOR);
	delay_ms(1);
	send_ipi(1, DM_STARTUP | SIPI_VECTOR);
	GUEST_DONE();
}

static int ap_eagain;

static void *ap_thread(void *arg)
{
	struct kvm_vcpu *ap = arg;
	int r;

	for (;;) {
		r = __vcpu_run(ap);
		if (r == -EAGAIN || r == -EINTR) {
			ap_eagain++;
			continue;
		}
		TEST_ASSERT(r == 0, "AP KVM_RUN: %s", ret_name(r));
		break;
	}
	return NULL;
}

static void test_init_sipi(struct test_dev *dev)
{
	/* mov al, 0x42; out 0x77, al; jmp $ */
	static const uint8_t ap_code[] = { 0xb0, 0x42, 0xe6, AP_PORT, 0xeb, 0xfe };
	struct kvm_vcpu *bsp, *ap;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_init_sipi,
						    &bsp);
	struct kvm_mp_state mp;
	struct kvm_sregs s;
	struct kvm_regs r;
	pthread_t t;

	install_handlers(vm);
	ap = vm_vcpu_add_guest(vm, 1, NULL);
	vm_write(vm, SIPI_VECTOR << 12, ap_code, sizeof(ap_code));
	EXPECT_RET(ioctl(ap->fd, KVM_GET_MP_STATE, &mp), 0);
	EXPECT_RET(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
	TEST_ASSERT(!pthread_create(&t, NULL, ap_thread, ap), "pthread_create");
	run_done(bsp);
	pthread_join(t, NULL);
	printf("# %s: the AP's KVM_RUN returned -EAGAIN %d times\n", dev->name,
	       ap_eagain);
	rec_exit("AP exit", ap);
	TEST_ASSERT(ap->run->exit_reason == KVM_EXIT_IO &&
		    ap->run->io.port == AP_PORT, "AP exit %s",
		    exit_reason_name(ap->run->exit_reason));
	vcpu_sregs_get(ap, &s);
	vcpu_regs_get(ap, &r);
	rec_segment("AP cs", &s.cs);
	rec("AP rip", "0x%llx", r.rip);
	rec("AP rax", "0x%llx", r.rax);
	rec("AP cr0", "0x%llx", s.cr0);
	rec("AP apic base", "0x%llx", s.apic_base);
	TEST_ASSERT(s.cs.selector == SIPI_VECTOR << 8 &&
		    s.cs.base == SIPI_VECTOR << 12 && r.rip == 4 &&
		    (r.rax & 0xff) == 0x42 && !(s.cr0 & X86_CR0_PE),
		    "AP at %x:%llx (base %llx) cr0 %llx", s.cs.selector, r.rip,
		    s.cs.base, s.cr0);
	EXPECT_RET(ioctl(ap->fd, KVM_GET_MP_STATE, &mp), 0);
	EXPECT_RET(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vm_free(vm);
	ksft_pass("INIT, INIT de-assert and SIPI start an AP in real mode at "
		  "the SIPI vector (KVM_RUN -EAGAIN until then)");
}

static void run(struct test_dev *dev)
{
	test_errnos(dev);
	test_reset_state(dev);
	test_state_roundtrip(dev);
	test_apic_base(dev);
	test_x2apic(dev);
	test_xapic(dev);
	test_timer(dev);
	test_deadline(dev);
	test_ipi(dev);
	test_init_sipi(dev);
}

int main(void)
{
	measure_tsc();
	printf("# TSC: %lu kHz\n", (unsigned long)(tsc_hz / 1000));
	return ksft_run_devices("lapic", 10, run);
}
