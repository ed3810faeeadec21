// SPDX-License-Identifier: GPL-2.0
/*
 * ember's benchmark: the cost of one round trip of each path a VMM uses,
 * on one device (/dev/ember or /dev/kvm), in TSC ticks.  One run of this
 * program is one round on one device; bench/demo.sh interleaves the rounds
 * and devices, bench/report.sh turns the lines into the table.
 *
 *   bench --device /dev/ember --round 3     every figure but the Linux boot
 *   bench --device /dev/kvm --linux DIR     vmrun DIR/linux.sh: start to init
 *
 * Exits and EPT faults are timed in the guest, RDTSC around the one
 * instruction, one sample per round trip; the figure is the median of the
 * samples minus the median of an empty sample (RDTSC next to RDTSC).  The
 * operations (VM, slots, vmrun) are timed with RDTSC in this process.
 *
 * Output, one line per figure (report.sh reads these):
 *   BENCH <round> <dev> <figure> <value> <median> <min> <p90> <mean> <n>
 * value is what the table shows (median minus baseline for guest figures);
 * then BENCHINFO lines with checks (THP backing, exit counts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define BENCH_PORT	0x2000
#define MMIO_GPA	0xd0000000ul	/* in no slot, inside the guest's map */
#define IRQ_VECTOR	0x30

#define SLOT_4K		1
#define SLOT_4K_POP	2
#define SLOT_2M		3
#define SLOT_2M_POP	4
#define SLOT_TMP	10
#define GPA_4K		0x40000000ul
#define GPA_4K_POP	0x44000000ul
#define GPA_2M		0x80000000ul
#define GPA_2M_POP	0x88000000ul
#define GPA_TMP		0xc0000000ul
#define SIZE_4K		(4ul << 20)	/* 1024 pages */
#define SIZE_2M		(16ul << 20)	/* 8 pages */
#define SIZE_BIG	(256ul << 20)	/* a slot the guest never touches */

enum op {
	OP_NOP, OP_CPUID, OP_VMCALL, OP_RDMSR, OP_WRMSR, OP_HLT, OP_HLT_IRQ,
	OP_PIO, OP_MMIO, OP_TOUCH,
};

struct bench_cmd {
	uint64_t op, n, addr, stride;
};

/* Shared with the guest (its copy of the image, at the same address). */
static struct bench_cmd bench_cmd;
static uint32_t bench_samples[MAX_SAMPLES];
static volatile uint64_t irq_count;

const char *dev_name_s = "?";
int round_no;

/* ---- guest ---- */

static void guest_irq(struct ex_regs *r)
{
	(void)r;
	irq_count++;
}

#define MEASURE(body)							\
	do {								\
		for (i = 0; i < n; i++) {				\
			uint64_t t0 = tsc();				\
			body;						\
			bench_samples[i] = (uint32_t)(tsc() - t0);	\
		}							\
	} while (0)

static void guest_main(void)
{
	volatile struct bench_cmd *c = &bench_cmd;
	uint64_t seq = 0;

	/* IF=1: Bochs delivers host interrupts only then (TESTVM.md). */
	sti();
	for (;;) {
		uint64_t i, n, op, addr, stride, v;
		uint32_t a, b, cx, d;

		GUEST_SYNC(seq++);
		op = c->op;
		n = c->n;
		addr = c->addr;
		stride = c->stride;
		if (n > MAX_SAMPLES)
			n = MAX_SAMPLES;
		switch (op) {
		case OP_NOP:
			MEASURE(__asm__ volatile("" ::: "memory"));
			break;
		case OP_CPUID:
			MEASURE(cpuid(0, 0, &a, &b, &cx, &d));
			break;
		case OP_VMCALL:
			MEASURE(v = 0xffff;
				__asm__ volatile("vmcall" : "+a"(v) : :
						 "memory"));
			break;
		case OP_RDMSR:
			MEASURE(rdmsr(MSR_STAR));
			break;
		case OP_WRMSR:
			v = rdmsr(MSR_STAR);
			MEASURE(wrmsr(MSR_STAR, v));
			break;
		case OP_HLT:
		case OP_HLT_IRQ:
			MEASURE(hlt());
			break;
		case OP_PIO:
			MEASURE(outb(BENCH_PORT, 1));
			break;
		case OP_MMIO:
			MEASURE(*(volatile uint32_t *)MMIO_GPA = 1);
			break;
		case OP_TOUCH:
			MEASURE(*(volatile uint64_t *)(addr + i * stride) = 1);
			break;
		}
	}
}

/* ---- host ---- */

static inline uint64_t host_tsc(void)
{
	return tsc();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats stats_of(uint64_t *s, uint64_t n)
{
	struct stats st = { .n = n };
	uint64_t i, sum = 0;

	TEST_ASSERT(n > 0, "no samples");
	qsort(s, n, sizeof(*s), cmp_u64);
	for (i = 0; i < n; i++)
		sum += s[i];
	st.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	st.min = s[0];
	st.p90 = s[n * 9 / 10];
	st.mean10 = (sum * 10 + n / 2) / n;
	return st;
}

void report(const char *fig, uint64_t value, struct stats st)
{
	printf("BENCH %d %s %s %lu %lu %lu %lu %lu.%lu %lu\n", round_no,
	       dev_name_s, fig, (unsigned long)value,
	       (unsigned long)st.median, (unsigned long)st.min,
	       (unsigned long)st.p90, (unsigned long)(st.mean10 / 10),
	       (unsigned long)(st.mean10 % 10), (unsigned long)st.n);
	fflush(stdout);
}

void info(const char *fmt, ...)
{
	va_list ap;

	printf("BENCHINFO %d %s ", round_no, dev_name_s);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static uint64_t exits_seen;

/* Runs the guest until its next SYNC, handling the benchmark's exits. */
static void run_to_sync(struct kvm_vcpu *v, enum op op)
{
	struct kvm_run *run = v->run;
	struct ucall uc;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0)) {
			TEST_ASSERT(errno == EINTR, "KVM_RUN: %s (exit %s)",
				    strerrorname(errno),
				    exit_reason_name(run->exit_reason));
			continue;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == BENCH_PORT) {
				exits_seen++;
				continue;
			}
			break;
		case KVM_EXIT_MMIO:
			if (run->mmio.phys_addr == MMIO_GPA &&
			    run->mmio.is_write) {
				exits_seen++;
				continue;
			}
			break;
		case KVM_EXIT_HLT:
			exits_seen++;
			if (op == OP_HLT_IRQ) {
				struct kvm_interrupt irq = { .irq = IRQ_VECTOR };

				TEST_ASSERT(run->ready_for_interrupt_injection,
					    "HLT exit with IF=%u, not ready "
					    "for an interrupt", run->if_flag);
				TEST_ASSERT(!ioctl(v->fd, KVM_INTERRUPT, &irq),
					    "KVM_INTERRUPT: %s",
					    strerrorname(errno));
			}
			continue;
		}
		break;
	}
	TEST_ASSERT(get_ucall(v, &uc) == UCALL_SYNC,
		    "exit %s (port 0x%x), ucall %lu: %s:%lu %s",
		    exit_reason_name(run->exit_reason), run->io.port,
		    (unsigned long)uc.cmd, uc.file ? uc.file : "",
		    (unsigned long)uc.line, uc.text ? uc.text : "");
}

/* One guest measurement: @n samples of @op; returns their statistics. */
static struct stats guest_measure(struct kvm_vcpu *v, enum op op, uint64_t n,
				  uint64_t addr, uint64_t stride)
{
	struct bench_cmd c = { op, n, addr, stride };
	static uint64_t s[MAX_SAMPLES];
	uint32_t *gs = addr_gpa2hva(v->vm, (uintptr_t)bench_samples);
	uint64_t i;

	TEST_ASSERT(n <= MAX_SAMPLES, "%lu samples", (unsigned long)n);
	GUEST_VAR(v->vm, bench_cmd) = c;
	exits_seen = 0;
	run_to_sync(v, op);
	for (i = 0; i < n; i++)
		s[i] = gs[i];
	return stats_of(s, n);
}

static uint64_t baseline;

static void guest_figure(struct kvm_vcpu *v, const char *fig, enum op op,
			 uint64_t n, uint64_t addr, uint64_t stride, bool warm)
{
	struct stats st;

	if (warm)
		guest_measure(v, op, 32, addr, stride);
	st = guest_measure(v, op, n, addr, stride);
	report(fig, st.median > baseline ? st.median - baseline : 0, st);
	if (op == OP_HLT || op == OP_HLT_IRQ || op == OP_PIO || op == OP_MMIO)
		TEST_ASSERT(exits_seen == n, "%s: %lu exits to userspace for "
			    "%lu samples", fig, (unsigned long)exits_seen,
			    (unsigned long)n);
}

/* AnonHugePages of the mapping that holds @p, in kB (-1: not found). */
static long thp_kb(void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void bench_slots(struct kvm_vm *vm);

static void bench_guest(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest(dev, 1, guest_main, &v);
	struct stats st;
	char *h4, *h4p, *h2, *h2p;
	uint64_t i;

	vm_install_exception_handler(vm, IRQ_VECTOR, guest_irq);
	h4 = vm_add_slot(vm, SLOT_4K, GPA_4K, SIZE_4K, 0);
	h4p = vm_add_slot(vm, SLOT_4K_POP, GPA_4K_POP, SIZE_4K, 0);
	madvise(h4, SIZE_4K, MADV_NOHUGEPAGE);
	madvise(h4p, SIZE_4K, MADV_NOHUGEPAGE);
	h2 = vm_add_slot(vm, SLOT_2M, GPA_2M, SIZE_2M, VM_MEM_HUGE);
	h2p = vm_add_slot(vm, SLOT_2M_POP, GPA_2M_POP, SIZE_2M, VM_MEM_HUGE);
	/* The host's pages exist for these two: only the EPT is filled. */
	for (i = 0; i < SIZE_4K; i += PAGE_SIZE)
		h4p[i] = 0;
	for (i = 0; i < SIZE_2M; i += PAGE_SIZE)
		h2p[i] = 0;

	run_to_sync(v, OP_NOP);		/* the guest is ready */

	st = guest_measure(v, OP_NOP, 1000, 0, 0);
	baseline = st.median;
	report("baseline", st.median, st);

	guest_figure(v, "cpuid", OP_CPUID, 2000, 0, 0, true);
	guest_figure(v, "vmcall", OP_VMCALL, 2000, 0, 0, true);
	guest_figure(v, "rdmsr", OP_RDMSR, 2000, 0, 0, true);
	guest_figure(v, "wrmsr", OP_WRMSR, 2000, 0, 0, true);
	guest_figure(v, "hlt", OP_HLT, 1000, 0, 0, true);
	GUEST_VAR(vm, irq_count) = 0;
	guest_figure(v, "hlt_irq", OP_HLT_IRQ, 1000, 0, 0, true);
	TEST_ASSERT(GUEST_VAR(vm, irq_count) == 1032, "%lu interrupts "
		    "handled, 1032 injected",
		    (unsigned long)GUEST_VAR(vm, irq_count));
	guest_figure(v, "pio_out", OP_PIO, 1000, 0, 0, true);
	guest_figure(v, "mmio_write", OP_MMIO, 1000, 0, 0, true);

	guest_figure(v, "ept_4k", OP_TOUCH, SIZE_4K / PAGE_SIZE, GPA_4K,
		     PAGE_SIZE, false);
	guest_figure(v, "ept_4k_hostpage", OP_TOUCH, SIZE_4K / PAGE_SIZE,
		     GPA_4K_POP, PAGE_SIZE, false);
	guest_figure(v, "ept_2m", OP_TOUCH, SIZE_2M / HPAGE_SIZE, GPA_2M,
		     HPAGE_SIZE, false);
	/* Another 4 KiB page of each 2 MiB page: no exit if it was mapped
	 * 2 MiB in the EPT. */
	guest_figure(v, "ept_2m_next4k", OP_TOUCH, SIZE_2M / HPAGE_SIZE,
		     GPA_2M + HPAGE_SIZE / 2, HPAGE_SIZE, false);
	guest_figure(v, "ept_2m_hostpage", OP_TOUCH, SIZE_2M / HPAGE_SIZE,
		     GPA_2M_POP, HPAGE_SIZE, false);
	info("thp_kb ept_2m=%ld ept_2m_hostpage=%ld ept_4k=%ld (of %lu)",
	     thp_kb(h2), thp_kb(h2p), thp_kb(h4), SIZE_2M >> 10);

	bench_slots(vm);
	vm_free(vm);
}

/* Host operations: ticks of this process, with a budget per figure. */
#define OPS_BUDGET	(20ul << 20)	/* ticks: 1 guest second in Bochs */

static void host_figure(const char *fig, uint64_t *s, uint64_t n)
{
	struct stats st = stats_of(s, n);

	report(fig, st.median, st);
}

/*
 * Adds and deletes a slot of @size bytes at @hva, between @min and @max
 * times within the budget, and reports both figures.
 */
static void slot_add_delete(struct kvm_vm *vm, char *hva, uint64_t size,
			    uint64_t min, uint64_t max, const char *fig_add,
			    const char *fig_del)
{
	static uint64_t add[200], del[200];
	uint64_t n, t0, t1, t2, start = host_tsc();

	for (n = 0; n < max && (n < min || host_tsc() - start < OPS_BUDGET);
	     n++) {
		int r1, r2;

		t0 = host_tsc();
		r1 = __vm_set_region(vm, SLOT_TMP, 0, GPA_TMP, size, hva);
		t1 = host_tsc();
		r2 = __vm_set_region(vm, SLOT_TMP, 0, GPA_TMP, 0, hva);
		t2 = host_tsc();
		TEST_ASSERT(!r1 && !r2, "slot add %s, delete %s",
			    strerrorname(-r1), strerrorname(-r2));
		add[n] = t1 - t0;
		del[n] = t2 - t1;
	}
	host_figure(fig_add, add, n);
	host_figure(fig_del, del, n);
}

/*
 * Adds and deletes a 2 MiB slot in a VM whose vCPU has run, then the same
 * with 256 MiB that the guest never touched.
 */
static void bench_slots(struct kvm_vm *vm)
{
	char *hva = mmap(NULL, HPAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(hva != MAP_FAILED, "mmap");
	slot_add_delete(vm, hva, HPAGE_SIZE, 10, 200, "slot_add",
			"slot_delete");
	munmap(hva, HPAGE_SIZE);

	hva = mmap(NULL, SIZE_BIG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(hva != MAP_FAILED, "mmap");
	slot_add_delete(vm, hva, SIZE_BIG, 5, 50, "slot_add_256m",
			"slot_delete_256m");
	munmap(hva, SIZE_BIG);
}

/* KVM_CREATE_VM, 64 MiB slot, one vCPU with its kvm_run; then all closed. */
static void vm_create_destroy(int kvm_fd, long run_size, uint64_t *t_mid)
{
	size_t mem = 64ul << 20;
	struct kvm_userspace_memory_region r = { .memory_size = mem };
	void *hva, *run;
	int vm, vcpu;

	vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM: %s", strerrorname(errno));
	hva = mmap(NULL, mem, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(hva != MAP_FAILED, "mmap");
	r.userspace_addr = (uintptr_t)hva;
	TEST_ASSERT(!ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r),
		    "KVM_SET_USER_MEMORY_REGION: %s", strerrorname(errno));
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	TEST_ASSERT(vcpu >= 0, "KVM_CREATE_VCPU: %s", strerrorname(errno));
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	TEST_ASSERT(run != MAP_FAILED, "mmap kvm_run");
	*t_mid = host_tsc();		/* created; now destroy */
	munmap(run, run_size);
	close(vcpu);
	close(vm);
	munmap(hva, mem);
}

static void bench_vm_ops(struct test_dev *dev)
{
	static uint64_t s[100], cr[100], de[100];
	int kvm_fd = open(dev->path, O_RDWR | O_CLOEXEC), holder;
	long run_size;
	uint64_t n, t0, t1, t2, start;

	TEST_ASSERT(kvm_fd >= 0, "open %s: %s", dev->path, strerror(errno));
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(run_size > 0, "KVM_GET_VCPU_MMAP_SIZE");

	/* No VM anywhere: the first VM turns VMX on in every CPU, the last
	 * one off again (both ember and KVM). */
	vm_create_destroy(kvm_fd, run_size, &t1);	/* warm */
	start = host_tsc();
	for (n = 0; n < 100 && (n < 5 || host_tsc() - start < OPS_BUDGET);
	     n++) {
		t0 = host_tsc();
		vm_create_destroy(kvm_fd, run_size, &t1);
		s[n] = host_tsc() - t0;
	}
	host_figure("vm_first", s, n);

	/* Another VM holds VMX: the VM's own cost. */
	holder = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(holder >= 0, "KVM_CREATE_VM: %s", strerrorname(errno));
	vm_create_destroy(kvm_fd, run_size, &t1);	/* warm */
	start = host_tsc();
	for (n = 0; n < 100 && (n < 5 || host_tsc() - start < OPS_BUDGET);
	     n++) {
		t0 = host_tsc();
		vm_create_destroy(kvm_fd, run_size, &t1);
		t2 = host_tsc();
		s[n] = t2 - t0;
		cr[n] = t1 - t0;
		de[n] = t2 - t1;
	}
	host_figure("vm_create_destroy", s, n);
	host_figure("vm_create", cr, n);
	host_figure("vm_destroy", de, n);
	close(holder);
	close(kvm_fd);
}

/*
 * vmrun's Linux guest (DIR/linux.sh, vmrun.run=true): ticks from the fork
 * to the line its /init prints, and to vmrun's exit.
 */
static int bench_linux(struct test_dev *dev, const char *dir)
{
	static uint64_t s[1];
	char script[512], line[1024];
	uint64_t t0, t_init = 0, t_end;
	int pfd[2], status;
	cpu_set_t all;
	FILE *f;
	pid_t pid;
	int i;

	snprintf(script, sizeof(script), "%s/linux.sh", dir);
	TEST_ASSERT(!access(script, X_OK), "%s: %s", script, strerror(errno));
	TEST_ASSERT(!pipe(pfd), "pipe");
	CPU_ZERO(&all);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	t0 = host_tsc();
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		sched_setaffinity(0, sizeof(all), &all);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		setenv("DEVICE", dev->path, 1);
		/* BENCH_LINUX_ARGS: more words for the guest's command line. */
		execl("/bin/sh", "sh", "-c",
		      "exec sh \"$0\" vmrun.run=true $BENCH_LINUX_ARGS",
		      script, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	while (fgets(line, sizeof(line), f)) {
		if (!t_init && strstr(line, "init reached"))
			t_init = host_tsc();
		printf("# linux on %s: %s", dev->name, line);
		if (!strchr(line, '\n'))
			printf("\n");
	}
	fclose(f);
	waitpid(pid, &status, 0);
	t_end = host_tsc();
	info("linux vmrun status %d", WIFEXITED(status) ?
	     WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (!t_init) {
		printf("BENCHERR %d %s linux_boot: no \"init reached\" line\n",
		       round_no, dev->name);
		return 1;
	}
	s[0] = t_init - t0;
	host_figure("linux_boot", s, 1);
	s[0] = t_end - t0;
	host_figure("linux_total", s, 1);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench --device PATH [--round N] "
		"[--linux VMRUN_DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct test_dev dev;
	const char *linux_dir = NULL;
	cpu_set_t one;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc)
			dev.path = argv[++i];
		else if (!strcmp(argv[i], "--round") && i + 1 < argc)
			round_no = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--linux") && i + 1 < argc)
			linux_dir = argv[++i];
		else
			usage();
	}
	if (!dev.path)
		usage();
	dev.name = strrchr(dev.path, '/') ? strrchr(dev.path, '/') + 1 :
		   dev.path;
	dev_name_s = dev.name;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(dev.path, R_OK | W_OK)) {
		printf("BENCHERR %d %s: %s: %s\n", round_no, dev.name,
		       dev.path, strerror(errno));
		return 4;
	}
	if (linux_dir)
		return bench_linux(&dev, linux_dir);

	/* One CPU, always the same: the figures are one CPU's path. */
	CPU_ZERO(&one);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, &one);
	sched_setaffinity(0, sizeof(one), &one);

	bench_vm_ops(&dev);
	bench_guest(&dev);
	bench_irqchip(&dev);
	return 0;
}
