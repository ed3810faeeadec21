// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel interrupt controller's figures: a VM with KVM_CREATE_IRQCHIP
 * and two vCPUs, each figure timed in the guest on vCPU 0 with RDTSC, one
 * sample per interrupt, minus the empty sample (as bench.c's figures):
 *
 *   irq_eoi        an EOI write to the xAPIC page with nothing in service
 *   irq_self_ipi   ICR write (self IPI) to the start of the handler
 *   irq_timer      one-shot LAPIC timer armed with count 1, to the handler
 *   irq_hlt_timer  TSC-deadline timer, the vCPU halted: deadline to handler
 *   irq_ipi        IPI to vCPU 1, whose handler IPIs back: round trip
 *   irq_irqfd      OUT to userspace, which writes an irqfd (MSI route):
 *                  OUT to the handler
 *
 * The handlers EOI through the xAPIC page after taking their timestamp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define APIC_BASE	0xfee00000ul
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TDCR	0x3e0
#define APIC_SELF	(1u << 18)		/* ICR shorthand: self */
#define LVTT_DEADLINE	(2u << 17)		/* TSC-deadline mode */
#define MSR_TSC_DEADLINE 0x6e0

#define VEC_IRQ		0x40	/* vCPU 0's interrupts: timestamp, EOI */
#define VEC_PING	0x41	/* vCPU 1: IPI back to vCPU 0 */
#define IRQFD_PORT	0x2100
#define IRQFD_GSI	24
#define HLT_DELAY	20000	/* ticks: 1 ms of Bochs */

enum irq_op {
	IOP_NOP, IOP_EOI, IOP_SELF_IPI, IOP_TIMER, IOP_HLT_TIMER, IOP_IPI,
	IOP_IRQFD,
};

static volatile uint64_t irq_op_cmd, irq_n_cmd;
static volatile uint64_t irq_tsc, irq_count;
static uint32_t irq_samples[MAX_SAMPLES];

/* ---- guest ---- */

static inline void apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_BASE + reg) = v;
}

static void irq_handler(struct ex_regs *r)
{
	(void)r;
	irq_tsc = tsc();
	irq_count++;
	apic_write(APIC_EOI, 0);
}

static void ping_handler(struct ex_regs *r)
{
	(void)r;
	apic_write(APIC_ICR2, 0);		/* destination: APIC ID 0 */
	apic_write(APIC_ICR, VEC_IRQ);
	apic_write(APIC_EOI, 0);
}

static void wait_irq(uint64_t c)
{
	while (irq_count == c)
		__asm__ volatile("pause" ::: "memory");
}

#define SAMPLE(arm, from)						\
	for (i = 0; i < n; i++) {					\
		uint64_t c = irq_count, t0;				\
		t0 = tsc();						\
		arm;							\
		wait_irq(c);						\
		irq_samples[i] = (uint32_t)(irq_tsc - (from));		\
	}

static void irq_guest_main(void)
{
	uint64_t seq = 0;

	apic_write(APIC_SVR, 0x1ff);		/* software-enabled */
	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	sti();
	for (;;) {
		uint64_t i, n, op, d;

		GUEST_SYNC(seq++);
		op = irq_op_cmd;
		n = irq_n_cmd > MAX_SAMPLES ? MAX_SAMPLES : irq_n_cmd;
		switch (op) {
		case IOP_NOP:
			for (i = 0; i < n; i++) {
				uint64_t t0 = tsc();

				irq_samples[i] = (uint32_t)(tsc() - t0);
			}
			break;
		case IOP_EOI:
			for (i = 0; i < n; i++) {
				uint64_t t0 = tsc();

				apic_write(APIC_EOI, 0);
				irq_samples[i] = (uint32_t)(tsc() - t0);
			}
			break;
		case IOP_SELF_IPI:
			SAMPLE(apic_write(APIC_ICR, APIC_SELF | VEC_IRQ), t0);
			break;
		case IOP_TIMER:
			apic_write(APIC_LVTT, VEC_IRQ);		/* one-shot */
			SAMPLE(apic_write(APIC_TMICT, 1), t0);
			break;
		case IOP_HLT_TIMER:
			apic_write(APIC_LVTT, VEC_IRQ | LVTT_DEADLINE);
			for (i = 0; i < n; i++) {
				uint64_t c = irq_count;

				d = tsc() + HLT_DELAY;
				wrmsr(MSR_TSC_DEADLINE, d);
				/* STI's shadow: no wake-up is lost. */
				cli();
				while (irq_count == c) {
					sti_hlt();
					cli();
				}
				sti();
				irq_samples[i] = (uint32_t)(irq_tsc - d);
			}
			apic_write(APIC_LVTT, 1u << 16);	/* masked */
			break;
		case IOP_IPI:
			SAMPLE(apic_write(APIC_ICR2, 1u << 24);
			       apic_write(APIC_ICR, VEC_PING), t0);
			break;
		case IOP_IRQFD:
			SAMPLE(outb(IRQFD_PORT, 0), t0);
			break;
		}
	}
}

/* vCPU 1: halted, but for its handler. */
static void irq_guest_ap(void)
{
	apic_write(APIC_SVR, 0x1ff);
	for (;;)
		sti_hlt();
}

/* ---- host ---- */

struct ap_thread {
	struct kvm_vcpu *vcpu;
	volatile int stop;
	int error;
};

static void wake(int sig)
{
	(void)sig;
}

/* vCPU 1: KVM_RUN until told to stop; no exit to userspace is expected. */
static void *ap_main(void *arg)
{
	struct ap_thread *t = arg;

	while (!t->stop) {
		if (ioctl(t->vcpu->fd, KVM_RUN, 0) && errno == EINTR)
			continue;
		t->error = t->vcpu->run->exit_reason;
		break;
	}
	return NULL;
}

/* vCPU 0 to its next GUEST_SYNC, turning OUTs to IRQFD_PORT into irqfds. */
static void irq_run_to_sync(struct kvm_vcpu *v, int efd)
{
	struct kvm_run *run = v->run;
	uint64_t one = 1;
	struct ucall uc;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0)) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN: %s",
				    strerrorname(errno));
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == IRQFD_PORT) {
			TEST_ASSERT(write(efd, &one, 8) == 8, "eventfd write");
			continue;
		}
		break;
	}
	TEST_ASSERT(get_ucall(v, &uc) == UCALL_SYNC,
		    "exit %s, ucall %lu: %s:%lu %s",
		    exit_reason_name(run->exit_reason), (unsigned long)uc.cmd,
		    uc.file ? uc.file : "", (unsigned long)uc.line,
		    uc.text ? uc.text : "");
}

static struct stats irq_measure(struct kvm_vcpu *v, int efd, enum irq_op op,
				uint64_t n)
{
	static uint64_t s[MAX_SAMPLES];
	uint32_t *gs = addr_gpa2hva(v->vm, (uintptr_t)irq_samples);
	uint64_t i;

	GUEST_VAR(v->vm, irq_op_cmd) = op;
	GUEST_VAR(v->vm, irq_n_cmd) = n;
	irq_run_to_sync(v, efd);
	for (i = 0; i < n; i++)
		s[i] = gs[i];
	return stats_of(s, n);
}

static void irq_figure(struct kvm_vcpu *v, int efd, const char *fig,
		       enum irq_op op, uint64_t n, uint64_t baseline)
{
	uint64_t before = GUEST_VAR(v->vm, irq_count);
	bool irq = op != IOP_EOI && op != IOP_NOP;
	struct stats st;

	irq_measure(v, efd, op, 16);			/* warm */
	st = irq_measure(v, efd, op, n);
	/* Each sample waited for its interrupt: count them. */
	if (irq)
		TEST_ASSERT(GUEST_VAR(v->vm, irq_count) - before == n + 16,
			    "%s: %lu interrupts for %lu samples", fig,
			    (unsigned long)(GUEST_VAR(v->vm, irq_count) -
					    before), (unsigned long)n + 16);
	report(fig, st.median > baseline ? st.median - baseline : 0, st);
}

static void set_msi_route(struct kvm_vm *vm)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} rt = {
		.r.nr = 1,
		.e[0] = {
			.gsi = IRQFD_GSI, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = APIC_BASE, .data = VEC_IRQ },
		},
	};

	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt),
		    "KVM_SET_GSI_ROUTING: %s", strerrorname(errno));
}

void bench_irqchip(struct test_dev *dev)
{
	struct kvm_vcpu *v[2];
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 2, irq_guest_main, v);
	struct ap_thread ap = { .vcpu = v[1] };
	struct kvm_irqfd irqfd = { .gsi = IRQFD_GSI };
	struct sigaction sa = { .sa_handler = wake };
	struct kvm_regs regs;
	pthread_t thread;
	struct stats st;
	int efd;

	vm_install_exception_handler(vm, VEC_IRQ, irq_handler);
	vm_install_exception_handler(vm, VEC_PING, ping_handler);
	vcpu_regs_get(v[1], &regs);
	regs.rip = (uintptr_t)irq_guest_ap;
	vcpu_regs_set(v[1], &regs);

	efd = eventfd(0, EFD_CLOEXEC);
	TEST_ASSERT(efd >= 0, "eventfd");
	set_msi_route(vm);
	irqfd.fd = efd;
	TEST_ASSERT(!ioctl(vm->fd, KVM_IRQFD, &irqfd), "KVM_IRQFD: %s",
		    strerrorname(errno));

	sigaction(SIGUSR1, &sa, NULL);
	TEST_ASSERT(!pthread_create(&thread, NULL, ap_main, &ap),
		    "pthread_create");

	irq_run_to_sync(v[0], efd);		/* the guest is ready */
	st = irq_measure(v[0], efd, IOP_NOP, 1000);
	report("irq_baseline", st.median, st);

	irq_figure(v[0], efd, "irq_eoi", IOP_EOI, 1000, st.median);
	irq_figure(v[0], efd, "irq_self_ipi", IOP_SELF_IPI, 500, st.median);
	irq_figure(v[0], efd, "irq_timer", IOP_TIMER, 500, st.median);
	irq_figure(v[0], efd, "irq_hlt_timer", IOP_HLT_TIMER, 200, 0);
	irq_figure(v[0], efd, "irq_ipi", IOP_IPI, 500, st.median);
	irq_figure(v[0], efd, "irq_irqfd", IOP_IRQFD, 500, st.median);

	/* A signal ends vCPU 1's KVM_RUN; again if it came before it. */
	ap.stop = 1;
	for (;;) {
		struct timespec ts = { 0, 1000000 };

		pthread_kill(thread, SIGUSR1);
		if (!pthread_tryjoin_np(thread, NULL))
			break;
		nanosleep(&ts, NULL);
	}
	TEST_ASSERT(!ap.error, "vCPU 1 left KVM_RUN: %s",
		    exit_reason_name(ap.error));
	close(efd);
	vm_free(vm);
}
