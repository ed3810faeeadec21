// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one thread each, running KVM_RUN and serving its exits.  A PIO or
 * MMIO exit goes to the device that registered the address (bus.c); HLT
 * (--irqchip=user only) waits for an interrupt (irq.c); anything the guest
 * cannot continue from (triple fault, failed entry, an exit vmrun does not
 * know) ends the run with the exit reason and the registers on stderr.
 *
 * Stopping: whoever stops the VM (a device, a crash, a signal) only sets
 * vm->stopping (vm_stop()).  The main thread then kicks every vCPU thread
 * out of KVM_RUN with SIG_KICK until it has returned, and joins it
 * (vcpus_stop()).  A vCPU halted or waiting for SIPI in the kernel stays in
 * KVM_RUN until that signal, which makes KVM_RUN return -EINTR; a kick that
 * lands just before KVM_RUN sets immediate_exit, so none is lost.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "util.h"
#include "vm.h"

/* The signal that kicks a vCPU out of KVM_RUN. */
#define SIG_KICK SIGUSR1

static _Thread_local struct kvm_run *kick_run;

static void kick_handler(int sig)
{
	(void)sig;
	/* KVM_CAP_IMMEDIATE_EXIT: if the kick lands just before KVM_RUN,
	 * KVM_RUN returns -EINTR at once instead of losing it. */
	if (kick_run)
		kick_run->immediate_exit = 1;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (atomic_load(&vcpu->in_run))
		pthread_kill(vcpu->thread, SIG_KICK);
}

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR", [KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS", [KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR", [KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
};

static const char *exit_name(unsigned int reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-3s %04x base %016llx limit %08x type %x%s%s%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present ? "" : " not-present",
		s->l ? " L" : (s->db ? " D" : ""), s->unusable ? " unusable" : "");
}

static void dump_registers(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0) {
		fprintf(stderr, "  (KVM_GET_REGS: %s)\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rip %016llx rflags %08llx\n"
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rsp %016llx rbp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n",
		r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi,
		r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14,
		r.r15);
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "  (KVM_GET_SREGS: %s)\n", strerror(errno));
		return;
	}
	dump_seg("cs", &s.cs);
	dump_seg("ds", &s.ds);
	dump_seg("es", &s.es);
	dump_seg("ss", &s.ss);
	dump_seg("fs", &s.fs);
	dump_seg("gs", &s.gs);
	dump_seg("tr", &s.tr);
	fprintf(stderr,
		"  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"  efer %llx gdt %llx/%x idt %llx/%x\n",
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.gdt.base, s.gdt.limit,
		s.idt.base, s.idt.limit);
}

void vcpu_crash(struct vcpu *vcpu, const char *fmt, ...)
{
	static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;

	pthread_mutex_lock(&print_lock);
	fprintf(stderr, "vmrun: vCPU %d: ", vcpu->index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	dump_registers(vcpu);
	pthread_mutex_unlock(&print_lock);
	vm_stop(vcpu->vm, EXIT_FAILED);
	pthread_exit(NULL);
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	vm_lock(vcpu->vm);
	for (uint32_t i = 0; i < run->io.count; i++)
		bus_access(&vcpu->vm->pio, run->io.port,
			   data + i * run->io.size, run->io.size, write);
	vm_unlock(vcpu->vm);
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		vcpu_crash(vcpu, "MMIO access of %u bytes", len);
	vm_lock(vcpu->vm);
	bus_access(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.data, len,
		   run->mmio.is_write);
	vm_unlock(vcpu->vm);
}

static void handle_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		verbose("vCPU %d: the guest powered off", vcpu->index);
		vm_stop(vcpu->vm, 0);
		pthread_exit(NULL);
	case KVM_SYSTEM_EVENT_RESET:
		vm_reset(vcpu->vm, "system event");
		pthread_exit(NULL);
	default:
		vcpu_crash(vcpu, "system event %u",
			   vcpu->run->system_event.type);
	}
}

/* Serve one exit.  Returns false when this vCPU is done. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return true;
	case KVM_EXIT_HLT:
		return irq_wait_halted(vcpu);
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(vcpu);
		return false;
	case KVM_EXIT_SHUTDOWN:
		vcpu_crash(vcpu, "triple fault (exit reason %u, SHUTDOWN)",
			   run->exit_reason);
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_crash(vcpu, "VM entry failed (exit reason %u, FAIL_ENTRY): hardware reason %#llx",
			   run->exit_reason,
			   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_crash(vcpu, "internal error in the hypervisor (exit reason %u, INTERNAL_ERROR): suberror %u",
			   run->exit_reason, run->internal.suberror);
	default:
		vcpu_crash(vcpu, "unexpected exit reason %u (%s)",
			   run->exit_reason, exit_name(run->exit_reason));
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t kick;

	kick_run = vcpu->run;
	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (!atomic_load(&vm->stopping)) {
		vm_lock(vm);
		if (vcpu->index == 0 && vm->irqchip == IRQCHIP_USER)
			irq_before_run(vcpu);
		atomic_store(&vcpu->in_run, true);
		vm_unlock(vm);

		int ret = ioctl(vcpu->fd, KVM_RUN, 0);

		atomic_store(&vcpu->in_run, false);
		if (ret < 0) {
			/* EAGAIN: an AP left the wait for SIPI (in-kernel
			 * irqchip); KVM returns before running it. */
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				/* Stopped by a signal: where was it? */
				if (verbose_on && atomic_load(&vm->stopping) &&
				    vm->stop_status >= 128) {
					verbose("vCPU %d when stopped:",
						vcpu->index);
					dump_registers(vcpu);
				}
				continue;
			}
			vcpu_crash(vcpu, "KVM_RUN: %s", strerror(errno));
		}
		if (!handle_exit(vcpu))
			break;
	}
	return NULL;
}

/*
 * With the in-kernel irqchip, vCPU 0 is the bootstrap processor and every
 * other vCPU starts as an AP waiting for INIT and SIPI
 * (KVM_MP_STATE_UNINITIALIZED), as on a PC.  A Linux guest starts them
 * itself; flat and ELF images expect every vCPU at the entry point, so
 * their APs are made runnable here.
 */
static void start_ap(struct vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) < 0)
		die("%s: KVM_SET_MP_STATE RUNNABLE for vCPU %d: %s",
		    vcpu->vm->device, vcpu->index, strerror(errno));
}

void vcpus_create(struct vm *vm, int nr)
{
	vm->nr_vcpus = nr;
	for (int i = 0; i < nr; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		bool ap = i && vm->irqchip == IRQCHIP_KERNEL;

		vcpu->vm = vm;
		vcpu->index = i;
		vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, i);
		if (vcpu->fd < 0)
			die("%s: KVM_CREATE_VCPU %d: %s", vm->device, i,
			    strerror(errno));
		vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED)
			die("%s: mmap of vCPU %d: %s", vm->device, i,
			    strerror(errno));
		cpuid_setup(vcpu);
		/* An AP the guest starts gets its state from INIT/SIPI. */
		if (ap && !vm->boot.pass_index)
			continue;
		cpu_setup_vcpu(vcpu);
		if (ap)
			start_ap(vcpu);
	}
}

/* The caller has blocked SIG_KICK (and the signals the main thread takes
 * with signalfd): each vCPU thread unblocks only SIG_KICK. */
void vcpus_start(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	/* KVM_RUN is never restarted (it returns -EINTR), and if it were,
	 * immediate_exit would end it; SA_RESTART keeps the kicks from
	 * interrupting a vCPU thread's other system calls (its writes to
	 * stdout and stderr). */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);
	for (int i = 0; i < vm->nr_vcpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL,
					 vcpu_thread, &vm->vcpus[i]);
		if (err)
			die("cannot start vCPU %d: %s", i, strerror(err));
		vm->vcpus[i].started = true;
	}
}

/* How long vcpus_stop() waits for one vCPU thread before giving up. */
#define STOP_TIMEOUT_MS	5000
#define STOP_KICK_MS	10

void vcpus_stop(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		int waited = 0, err;

		if (!vcpu->started)
			continue;
		do {
			struct timespec ts;

			/* A signal whenever it comes: the handler only sets
			 * immediate_exit, KVM_RUN returns -EINTR. */
			pthread_kill(vcpu->thread, SIG_KICK);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += STOP_KICK_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			/* Wake a vCPU waiting in HLT (IRQCHIP_USER). */
			vm_lock(vm);
			pthread_cond_broadcast(&vm->wake);
			vm_unlock(vm);
			err = pthread_timedjoin_np(vcpu->thread, NULL, &ts);
			waited += STOP_KICK_MS;
		} while (err == ETIMEDOUT && waited < STOP_TIMEOUT_MS);
		if (err) {
			fprintf(stderr, "vmrun: vCPU %d did not stop within %d ms: %s\n",
				i, STOP_TIMEOUT_MS, strerror(err));
			continue;
		}
		vcpu->started = false;
	}
}
