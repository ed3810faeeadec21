/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMs, vCPUs, memory slots and guest code for the selftests, after KVM's
 * tools/testing/selftests/kvm/lib: everything here speaks the KVM ABI on
 * whatever device the test runs against (/dev/kvm or /dev/ember).
 *
 * Guest code comes in two kinds:
 *  - small real-mode or 32-bit snippets (bytes, or .code16/.code32 asm in
 *    the test), copied into guest memory with vm_write();
 *  - 64-bit C functions of the test itself: vm_create_guest() copies the
 *    test binary's loaded image (static, non-PIE) into guest memory at the
 *    same addresses, identity-maps the first 4 GiB with 4-level page tables
 *    (2 MiB pages), and puts each vCPU in long mode at the C function.  Guest
 *    code calls no libc and reports to the host with the ucalls below
 *    (GUEST_SYNC, GUEST_DONE, GUEST_ASSERT*), an IN from UCALL_PORT with RDI
 *    pointing to a struct ucall.
 *
 * Guest-physical layout of slot 0 (vm_create_guest):
 *	0x1000	GDT		0x2000	IDT (256 gates to guest_isr.S)
 *	0x3000	TSS		0x4000	32-bit page directory (4 MiB pages)
 *	0x5000	PML4, PDPT, 4 PDs (0x7000-0xafff)
 *	0x10000-0xfffff	free for real-mode/32-bit snippets and test data
 *	0x100000	vCPU stacks, STACK_SIZE each
 *	0x400000	the test binary's image, then free memory up to MEM0_SIZE
 *
 * Every page of the identity map is user-accessible (U=1 at each level, in
 * the 4-level and the 32-bit tables), so that code of the test can also run
 * at CPL 3 (guest_run_user()); with CR4.SMEP and CR4.SMAP clear, as set up
 * here, this changes nothing for CPL 0.
 */
#ifndef EMBER_KVM_UTIL_H
#define EMBER_KVM_UTIL_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "test_util.h"

#define PAGE_SIZE	4096ul
#define HPAGE_SIZE	(2ul << 20)
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

#define GDT_GPA		0x1000ul
#define IDT_GPA		0x2000ul
#define TSS_GPA		0x3000ul
#define PD32_GPA	0x4000ul
#define PML4_GPA	0x5000ul
#define SCRATCH_GPA	0x10000ul	/* up to 0xfffff: tests' own use */
#define STACK_GPA	0x100000ul
#define STACK_SIZE	0x10000ul

/* GDT selectors of vm_create_guest()'s GDT. */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_CODE16	0x20
#define SEL_DATA16	0x28
#define SEL_TSS		0x30	/* 16 bytes in long mode */
/* DPL-3 descriptors, with RPL 3 (entries 8 and 9 stay empty). */
#define SEL_UCODE64	0x53	/* 64-bit code */
#define SEL_UDATA	0x5b	/* data, 4 GiB, B=1 */
#define SEL_UCODE32	0x63	/* 32-bit code */

#define MAX_SLOTS	64
#define MAX_VCPUS	16

#define UCALL_PORT	0x1000
/*
 * The IDT gate guest_run_user()'s CPL-3 code leaves through (INT n from
 * CPL 3 needs a DPL-3 gate: this is the only one).
 */
#define USER_EXIT_VECTOR	0x81

#define X86_CR0_PE	(1ul << 0)
#define X86_CR0_MP	(1ul << 1)
#define X86_CR0_EM	(1ul << 2)
#define X86_CR0_TS	(1ul << 3)
#define X86_CR0_ET	(1ul << 4)
#define X86_CR0_NE	(1ul << 5)
#define X86_CR0_WP	(1ul << 16)
#define X86_CR0_AM	(1ul << 18)
#define X86_CR0_NW	(1ul << 29)
#define X86_CR0_CD	(1ul << 30)
#define X86_CR0_PG	(1ul << 31)
#define X86_CR4_PSE	(1ul << 4)
#define X86_CR4_PAE	(1ul << 5)
#define X86_CR4_PGE	(1ul << 7)
#define X86_CR4_OSFXSR	(1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)
#define X86_CR4_VMXE	(1ul << 13)
#define X86_CR4_OSXSAVE	(1ul << 18)
#define X86_CR4_PKE	(1ul << 22)
#define EFER_SCE	(1ul << 0)
#define EFER_LME	(1ul << 8)
#define EFER_LMA	(1ul << 10)
#define EFER_NXE	(1ul << 11)
#define X86_EFLAGS_FIXED (1ul << 1)
#define X86_EFLAGS_TF	(1ul << 8)
#define X86_EFLAGS_IF	(1ul << 9)
#define X86_EFLAGS_DF	(1ul << 10)
#define X86_EFLAGS_IOPL	(3ul << 12)
#define X86_EFLAGS_AC	(1ul << 18)

#define MSR_IA32_TSC		0x10
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_CR_PAT		0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103

struct kvm_vm;

struct kvm_vcpu {
	struct kvm_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

struct mem_region {
	bool used;
	struct kvm_userspace_memory_region r;
	void *mmap_start;	/* NULL: the caller's memory */
	size_t mmap_size;
};

struct kvm_vm {
	struct test_dev *dev;
	int kvm_fd;		/* the device */
	int fd;			/* the VM */
	size_t run_size;
	struct mem_region slots[MAX_SLOTS];
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, cached */
};

/* Opens @dev's device and creates a VM with no memory and no vCPU. */
struct kvm_vm *vm_create_bare(struct test_dev *dev);
/* Closes every vCPU and the VM, and unmaps the memory the lib mapped. */
void vm_free(struct kvm_vm *vm);

/* KVM_SET_USER_MEMORY_REGION as is; returns 0 or -errno. */
int __vm_set_region(struct kvm_vm *vm, uint32_t slot, uint32_t flags,
		    uint64_t gpa, uint64_t size, void *hva);
#define VM_MEM_HUGE	(1u << 31)	/* lib flag: 2 MiB-aligned, THP */
/* Maps anonymous memory and adds it as @slot at @gpa; returns its hva. */
void *vm_add_slot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		  uint64_t size, uint32_t flags);
/* Adds @hva (the caller's) as @slot. */
void vm_add_slot_hva(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, uint32_t flags, void *hva);
/* Moves @slot to @gpa (same memory), or changes its flags. */
void vm_move_slot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa);
void vm_set_slot_flags(struct kvm_vm *vm, uint32_t slot, uint32_t flags);
void vm_delete_slot(struct kvm_vm *vm, uint32_t slot);
/* The host address of guest-physical @gpa; asserts it is in a slot. */
void *addr_gpa2hva(struct kvm_vm *vm, uint64_t gpa);
void vm_write(struct kvm_vm *vm, uint64_t gpa, const void *src, size_t len);

/* The guest's copy of a global of the test (identity-mapped image). */
#define GUEST_VAR(vm, var)	(*(__typeof__(&(var)))addr_gpa2hva(vm, (uint64_t)(uintptr_t)&(var)))
#define sync_global_to_guest(vm, var)	(GUEST_VAR(vm, var) = (var))
#define sync_global_from_guest(vm, var)	((var) = GUEST_VAR(vm, var))

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, int id);
/* KVM_CREATE_VCPU as is: the fd or -errno. */
int __vm_create_vcpu(struct kvm_vm *vm, long id);

/* KVM_RUN: 0 or -errno. */
int __vcpu_run(struct kvm_vcpu *vcpu);
/* KVM_RUN, asserting it succeeds. */
void vcpu_run(struct kvm_vcpu *vcpu);
/* Asserts the last exit was @reason (with a dump if not). */
void vcpu_assert_exit(struct kvm_vcpu *vcpu, uint32_t reason);
const char *exit_reason_name(uint32_t reason);
/* Registers, special registers, stderr dump. */
void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_dump(struct kvm_vcpu *vcpu);
/* Records every field, as "prefix.rip" etc., for the comparison. */
void rec_regs(const char *prefix, const struct kvm_regs *r);
void rec_sregs(const char *prefix, const struct kvm_sregs *s);
void rec_segment(const char *key, const struct kvm_segment *s);
/* Records an exit: reason and, for IO/MMIO, its fields and data. */
void rec_exit(const char *key, struct kvm_vcpu *vcpu);
/* Dump this vCPU if a TEST_ASSERT fails from now on (NULL: none). */
void vcpu_dump_on_failure(struct kvm_vcpu *vcpu);
/* One MSR: 0 or -errno / the value. */
int __vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);
int __vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value);
uint64_t vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index);
void vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value);

/* KVM_GET_SUPPORTED_CPUID (cached) and KVM_SET_CPUID2 with it. */
struct kvm_cpuid2 *vm_supported_cpuid(struct kvm_vm *vm);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t index);
void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid);

/* Puts @vcpu in real mode with CS = 0 at @ip (memory is the caller's). */
void vcpu_setup_real_mode(struct kvm_vcpu *vcpu, uint16_t ip);

/*
 * Slot 0 with the GDT, IDT, TSS, page tables and the test's image (see the
 * layout above), and @nr_vcpus vCPUs in long mode at @guest_code (if not
 * NULL), each with its own stack.  Slot 0 covers [0, MEM0_SIZE).
 */
#define MEM0_SIZE	(16ul << 20)
struct kvm_vm *vm_create_guest(struct test_dev *dev, int nr_vcpus,
			       void *guest_code, struct kvm_vcpu **vcpus);
/*
 * The same with the in-kernel irqchip (KVM_CREATE_IRQCHIP before the
 * vCPUs: PICs, IOAPIC, a LAPIC per vCPU); every vCPU RUNNABLE, the
 * application processors too.
 */
struct kvm_vm *vm_create_guest_irqchip(struct test_dev *dev, int nr_vcpus,
				       void *guest_code,
				       struct kvm_vcpu **vcpus);
/* Adds a vCPU to a vm_create_guest() VM, in long mode at @guest_code. */
struct kvm_vcpu *vm_vcpu_add_guest(struct kvm_vm *vm, int id,
				   void *guest_code);
/* Long mode / 32-bit protected mode (paging with 4 MiB pages, or off),
 * with the descriptors of vm_create_guest(); RIP = @entry. */
void vcpu_setup_long_mode(struct kvm_vcpu *vcpu, uint64_t entry);
void vcpu_setup_protected_mode(struct kvm_vcpu *vcpu, uint32_t entry,
			       bool paging);
/* The first 4 arguments of the guest function (RDI, RSI, RDX, RCX). */
void vcpu_args_set(struct kvm_vcpu *vcpu, int n, ...);
/* A handler run by the guest for @vector (in the guest: no libc). */
struct ex_regs;
void vm_install_exception_handler(struct kvm_vm *vm, int vector,
				  void (*handler)(struct ex_regs *));

/* ucalls: guest -> host. */
enum {
	UCALL_NONE,
	UCALL_SYNC,
	UCALL_DONE,
	UCALL_ABORT,
	UCALL_UNHANDLED,	/* an exception without a handler */
};

struct ucall {
	uint64_t cmd;
	uint64_t args[4];
	const char *file;	/* ABORT: where and what */
	uint64_t line;
	const char *text;
};

/* Host: the ucall of the last exit (cmd UCALL_NONE if it was not one). */
uint64_t get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/* Host: KVM_RUN until a ucall; asserts on ABORT/UNHANDLED/other exits. */
uint64_t vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/* Host: runs, asserting a GUEST_SYNC(@val) / GUEST_DONE. */
void vcpu_run_expect_sync(struct kvm_vcpu *vcpu, uint64_t val);
void vcpu_run_expect_done(struct kvm_vcpu *vcpu);

/*
 * A guest that does memory accesses the host asks for, one at a time:
 * vm_create_guest(dev, n, guest_memop_loop, ...) then vcpu_memop_init().
 * The guest reports each result with GUEST_SYNC(value); an access can make
 * an exit (MMIO, -EFAULT...) that the test looks at before the SYNC.
 */
enum { OP_READ = 1, OP_WRITE };
struct guest_memop {
	uint64_t op, addr, size, val;
};
void guest_memop_loop(struct guest_memop *op);
/* Points @vcpu's guest_memop_loop at its mailbox and runs to "ready". */
void vcpu_memop_init(struct kvm_vcpu *vcpu);
/* A VM with one vCPU in guest_memop_loop, ready for vcpu_memop(). */
struct kvm_vm *vm_create_memop(struct test_dev *dev, struct kvm_vcpu **vcpu);
/*
 * A statistic both hypervisors keep per VM in debugfs,
 * <debugfs>/<kvm|ember>/<pid>-<vm fd>/@name (pages_4k, pages_2m), or -1
 * when it cannot be read (debugfs not mounted).
 */
long vm_debugfs_stat(struct kvm_vm *vm, const char *name);
/* Posts an access for the next KVM_RUN (the caller runs the vCPU). */
void vcpu_memop_post(struct kvm_vcpu *vcpu, uint64_t op, uint64_t addr,
		     uint64_t size, uint64_t val);
/* Posts, runs to the SYNC and returns the value (read) or 0 (write). */
uint64_t vcpu_memop(struct kvm_vcpu *vcpu, uint64_t op, uint64_t addr,
		    uint64_t size, uint64_t val);

/* ---- guest side ---- */

struct ex_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
void ucall_assert(const char *file, int line, const char *text, uint64_t a,
		  uint64_t b) __attribute__((noreturn));

/*
 * Guest, CPL 0: runs @fn(@arg) at CPL 3 (CS SEL_UCODE64, SS SEL_UDATA) on
 * the stack that ends at @user_stack_top (16-byte aligned) with RFLAGS
 * @rflags, and returns what @fn returned, back at CPL 0 with the flags and
 * segments it was called with.  @fn's RET goes to a stub that leaves
 * through USER_EXIT_VECTOR.  Exceptions at CPL 3 go to the handlers of
 * vm_install_exception_handler() on the kernel stack (TSS.RSP0 is set to
 * the caller's stack), which may return to CPL 3.  With X86_EFLAGS_IOPL in
 * @rflags the CPL-3 code may make ucalls (IN) too.  The TSS is shared by
 * the VM's vCPUs: one vCPU at a time may be at CPL 3.
 */
uint64_t guest_run_user(uint64_t (*fn)(uint64_t), uint64_t arg,
			void *user_stack_top, uint64_t rflags);

#define GUEST_SYNC(v)		ucall(UCALL_SYNC, (uint64_t)(v), 0, 0, 0)
#define GUEST_SYNC2(v, w)	ucall(UCALL_SYNC, (uint64_t)(v), (uint64_t)(w), 0, 0)
#define GUEST_DONE()		ucall(UCALL_DONE, 0, 0, 0, 0)
#define GUEST_ASSERT(c)							\
	do {								\
		if (!(c))						\
			ucall_assert(__FILE__, __LINE__, #c, 0, 0);	\
	} while (0)
#define GUEST_ASSERT_EQ(a, b)						\
	do {								\
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);	\
		if (__a != __b)						\
			ucall_assert(__FILE__, __LINE__, #a " == " #b,	\
				     __a, __b);				\
	} while (0)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return lo | (uint64_t)hi << 32;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}
static inline void cpuid(uint32_t fn, uint32_t idx, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(fn), "c"(idx) : "memory");
}
static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

#endif /* EMBER_KVM_UTIL_H */
