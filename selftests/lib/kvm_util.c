// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"

extern char __executable_start[], _end[];
/* guest_isr.S: 256 stubs, 16 bytes apart; guest_run_user()'s way back. */
extern char guest_isr_stubs[], guest_user_exit_isr[];
_Static_assert(TSS_GPA + 4 == 0x3004 && SEL_UCODE64 == 0x53 &&
	       SEL_UDATA == 0x5b && SEL_DATA == 0x10 && USER_EXIT_VECTOR == 0x81,
	       "guest_isr.S hard-codes these");
/* The guest's handlers, in the guest's copy of the image. */
void (*guest_exception_handlers[256])(struct ex_regs *);

static struct kvm_vcpu *dump_vcpu;

static void dump_hook(void)
{
	if (dump_vcpu)
		vcpu_dump(dump_vcpu);
}

void vcpu_dump_on_failure(struct kvm_vcpu *vcpu)
{
	dump_vcpu = vcpu;
	test_assert_hook = vcpu ? dump_hook : NULL;
}

struct kvm_vm *vm_create_bare(struct test_dev *dev)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	long sz;

	TEST_ASSERT(vm, "calloc");
	vm->dev = dev;
	vm->kvm_fd = open(dev->path, O_RDWR | O_CLOEXEC);
	TEST_ASSERT(vm->kvm_fd >= 0, "open %s: %s", dev->path, strerror(errno));
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm->fd >= 0, "KVM_CREATE_VM: %s", strerrorname(errno));
	sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(sz >= (long)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE: %ld (%s)", sz, strerrorname(errno));
	vm->run_size = sz;
	return vm;
}

void vm_free(struct kvm_vm *vm)
{
	int i;

	for (i = 0; i < MAX_VCPUS; i++) {
		struct kvm_vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		if (dump_vcpu == v)
			vcpu_dump_on_failure(NULL);
		TEST_ASSERT(!munmap(v->run, v->run_size), "munmap run");
		TEST_ASSERT(!close(v->fd), "close vcpu fd");
		free(v);
	}
	TEST_ASSERT(!close(vm->fd), "close vm fd");
	TEST_ASSERT(!close(vm->kvm_fd), "close device fd");
	for (i = 0; i < MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].mmap_start)
			munmap(vm->slots[i].mmap_start, vm->slots[i].mmap_size);
	free(vm->cpuid);
	free(vm);
}

int __vm_set_region(struct kvm_vm *vm, uint32_t slot, uint32_t flags,
		    uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

static struct mem_region *slot_of(struct kvm_vm *vm, uint32_t slot)
{
	TEST_ASSERT(slot < MAX_SLOTS, "slot %u: the lib keeps %d", slot,
		    MAX_SLOTS);
	return &vm->slots[slot];
}

void vm_add_slot_hva(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, uint32_t flags, void *hva)
{
	struct mem_region *m = slot_of(vm, slot);
	int r;

	TEST_ASSERT(!m->used, "slot %u is in use", slot);
	r = __vm_set_region(vm, slot, flags, gpa, size, hva);
	TEST_ASSERT(!r, "KVM_SET_USER_MEMORY_REGION(slot %u, gpa 0x%lx, "
		    "size 0x%lx, flags 0x%x): %s", slot, (unsigned long)gpa,
		    (unsigned long)size, flags, strerrorname(-r));
	m->used = true;
	m->r.slot = slot;
	m->r.flags = flags;
	m->r.guest_phys_addr = gpa;
	m->r.memory_size = size;
	m->r.userspace_addr = (uintptr_t)hva;
}

void *vm_add_slot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
		  uint64_t size, uint32_t flags)
{
	bool huge = flags & VM_MEM_HUGE;
	size_t len = size + (huge ? HPAGE_SIZE : 0);
	char *p, *hva;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap %zu: %s", len, strerror(errno));
	hva = huge ? (char *)ALIGN_UP((uintptr_t)p, HPAGE_SIZE) : p;
	if (huge)
		madvise(hva, size, MADV_HUGEPAGE);	/* a hint only */
	vm_add_slot_hva(vm, slot, gpa, size, flags & ~VM_MEM_HUGE, hva);
	vm->slots[slot].mmap_start = p;
	vm->slots[slot].mmap_size = len;
	return hva;
}

static void slot_update(struct kvm_vm *vm, struct mem_region *m)
{
	int r = __vm_set_region(vm, m->r.slot, m->r.flags,
				m->r.guest_phys_addr, m->r.memory_size,
				(void *)(uintptr_t)m->r.userspace_addr);

	TEST_ASSERT(!r, "updating slot %u (gpa 0x%llx, flags 0x%x): %s",
		    m->r.slot, m->r.guest_phys_addr, m->r.flags,
		    strerrorname(-r));
}

void vm_move_slot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa)
{
	struct mem_region *m = slot_of(vm, slot);

	TEST_ASSERT(m->used, "slot %u is not in use", slot);
	m->r.guest_phys_addr = gpa;
	slot_update(vm, m);
}

void vm_set_slot_flags(struct kvm_vm *vm, uint32_t slot, uint32_t flags)
{
	struct mem_region *m = slot_of(vm, slot);

	TEST_ASSERT(m->used, "slot %u is not in use", slot);
	m->r.flags = flags;
	slot_update(vm, m);
}

void vm_delete_slot(struct kvm_vm *vm, uint32_t slot)
{
	struct mem_region *m = slot_of(vm, slot);
	int r;

	TEST_ASSERT(m->used, "slot %u is not in use", slot);
	r = __vm_set_region(vm, slot, 0, m->r.guest_phys_addr, 0,
			    (void *)(uintptr_t)m->r.userspace_addr);
	TEST_ASSERT(!r, "deleting slot %u: %s", slot, strerrorname(-r));
	if (m->mmap_start)
		munmap(m->mmap_start, m->mmap_size);
	memset(m, 0, sizeof(*m));
}

void *addr_gpa2hva(struct kvm_vm *vm, uint64_t gpa)
{
	int i;

	for (i = 0; i < MAX_SLOTS; i++) {
		struct mem_region *m = &vm->slots[i];

		if (m->used && gpa >= m->r.guest_phys_addr &&
		    gpa - m->r.guest_phys_addr < m->r.memory_size)
			return (char *)(uintptr_t)m->r.userspace_addr +
			       (gpa - m->r.guest_phys_addr);
	}
	TEST_ASSERT(0, "gpa 0x%lx is in no slot", (unsigned long)gpa);
}

void vm_write(struct kvm_vm *vm, uint64_t gpa, const void *src, size_t len)
{
	memcpy(addr_gpa2hva(vm, gpa), src, len);
	if (len)
		addr_gpa2hva(vm, gpa + len - 1);	/* all of it in a slot */
}

int __vm_create_vcpu(struct kvm_vm *vm, long id)
{
	int fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);

	return fd < 0 ? -errno : fd;
}

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, int id)
{
	struct kvm_vcpu *v = calloc(1, sizeof(*v));

	TEST_ASSERT(v && id >= 0 && id < MAX_VCPUS && !vm->vcpus[id],
		    "vCPU %d", id);
	v->vm = vm;
	v->id = id;
	v->fd = __vm_create_vcpu(vm, id);
	TEST_ASSERT(v->fd >= 0, "KVM_CREATE_VCPU(%d): %s", id,
		    strerrorname(-v->fd));
	v->run_size = vm->run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	TEST_ASSERT(v->run != MAP_FAILED, "mmap kvm_run: %s", strerror(errno));
	vm->vcpus[id] = v;
	return v;
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : 0;
}

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR", [KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS", [KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR", [KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) &&
	    exit_names[reason])
		return exit_names[reason];
	return "?";
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int r = __vcpu_run(vcpu);

	TEST_ASSERT(!r, "KVM_RUN: %s (exit_reason %u %s)", strerrorname(-r),
		    vcpu->run->exit_reason,
		    exit_reason_name(vcpu->run->exit_reason));
}

static void describe_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	fprintf(stderr, "# exit_reason %u (%s)", run->exit_reason,
		exit_reason_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		fprintf(stderr, ": port 0x%x %s size %u count %u",
			run->io.port, run->io.direction ? "out" : "in",
			run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		fprintf(stderr, ": gpa 0x%llx len %u %s",
			run->mmio.phys_addr, run->mmio.len,
			run->mmio.is_write ? "write" : "read");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, ": hardware_entry_failure_reason 0x%llx",
			run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, ": suberror %u", run->internal.suberror);
		break;
	}
	fprintf(stderr, "\n");
}

void vcpu_assert_exit(struct kvm_vcpu *vcpu, uint32_t reason)
{
	TEST_ASSERT(vcpu->run->exit_reason == reason,
		    "exit reason %u (%s), expected %u (%s)",
		    vcpu->run->exit_reason,
		    exit_reason_name(vcpu->run->exit_reason), reason,
		    exit_reason_name(reason));
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_REGS, regs), "KVM_GET_REGS: %s",
		    strerrorname(errno));
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_REGS, regs), "KVM_SET_REGS: %s",
		    strerrorname(errno));
}

void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_SREGS, sregs),
		    "KVM_GET_SREGS: %s", strerrorname(errno));
}

void vcpu_sregs_set(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_SREGS, sregs),
		    "KVM_SET_SREGS: %s", strerrorname(errno));
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "#  %-4s sel 0x%04x base 0x%llx limit 0x%x type %u "
		"s %u dpl %u p %u db %u l %u g %u unusable %u\n", name,
		s->selector, s->base, s->limit, s->type, s->s, s->dpl,
		s->present, s->db, s->l, s->g, s->unusable);
}

void vcpu_dump(struct kvm_vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	fprintf(stderr, "# vCPU %d on %s:\n", vcpu->id, vcpu->vm->dev->path);
	describe_exit(vcpu);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s)) {
		fprintf(stderr, "#  (registers unavailable: %s)\n",
			strerrorname(errno));
		return;
	}
	fprintf(stderr, "#  rip 0x%llx rflags 0x%llx rsp 0x%llx rbp 0x%llx\n"
		"#  rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx rsi 0x%llx "
		"rdi 0x%llx\n", r.rip, r.rflags, r.rsp, r.rbp, r.rax, r.rbx,
		r.rcx, r.rdx, r.rsi, r.rdi);
	fprintf(stderr, "#  cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx "
		"efer 0x%llx\n", s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	dump_seg("cs", &s.cs);
	dump_seg("ss", &s.ss);
	dump_seg("ds", &s.ds);
	dump_seg("tr", &s.tr);
}

void rec_regs(const char *p, const struct kvm_regs *r)
{
	char k[64];

#define R(f) do { snprintf(k, sizeof(k), "%s." #f, p); \
		  rec(k, "0x%llx", r->f); } while (0)
	R(rax); R(rbx); R(rcx); R(rdx); R(rsi); R(rdi); R(rsp); R(rbp);
	R(r8); R(r9); R(r10); R(r11); R(r12); R(r13); R(r14); R(r15);
	R(rip); R(rflags);
#undef R
}

void rec_segment(const char *key, const struct kvm_segment *s)
{
	rec(key, "sel 0x%x base 0x%llx limit 0x%x type %u present %u dpl %u "
	    "db %u s %u l %u g %u avl %u unusable %u", s->selector, s->base,
	    s->limit, s->type, s->present, s->dpl, s->db, s->s, s->l, s->g,
	    s->avl, s->unusable);
}

void rec_sregs(const char *p, const struct kvm_sregs *s)
{
	char k[64];
	unsigned int i;

#define S(f) do { snprintf(k, sizeof(k), "%s." #f, p); \
		  rec_segment(k, &s->f); } while (0)
#define C(f) do { snprintf(k, sizeof(k), "%s." #f, p); \
		  rec(k, "0x%llx", (unsigned long long)s->f); } while (0)
	S(cs); S(ds); S(es); S(fs); S(gs); S(ss); S(tr); S(ldt);
	C(gdt.base); C(gdt.limit); C(idt.base); C(idt.limit);
	C(cr0); C(cr2); C(cr3); C(cr4); C(cr8); C(efer); C(apic_base);
#undef S
#undef C
	for (i = 0; i < sizeof(s->interrupt_bitmap) / 8; i++) {
		snprintf(k, sizeof(k), "%s.interrupt_bitmap[%u]", p, i);
		rec(k, "0x%llx", s->interrupt_bitmap[i]);
	}
}

void rec_exit(const char *key, struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char data[2 * 64 + 1] = "";
	uint32_t i, n;
	const uint8_t *d;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		n = run->io.size * run->io.count;
		d = (const uint8_t *)run + run->io.data_offset;
		for (i = 0; i < n && i < 64 && run->io.direction; i++)
			sprintf(data + 2 * i, "%02x", d[i]);
		rec(key, "IO %s size %u port 0x%x count %u data_offset 0x%llx "
		    "data %s", run->io.direction ? "out" : "in", run->io.size,
		    run->io.port, run->io.count,
		    (unsigned long long)run->io.data_offset, data);
		break;
	case KVM_EXIT_MMIO:
		/* Only the first len bytes of data mean anything. */
		for (i = 0; i < run->mmio.len && i < 8 && run->mmio.is_write;
		     i++)
			sprintf(data + 2 * i, "%02x", run->mmio.data[i]);
		rec(key, "MMIO %s gpa 0x%llx len %u data %s",
		    run->mmio.is_write ? "write" : "read",
		    run->mmio.phys_addr, run->mmio.len, data);
		break;
	default:
		rec(key, "%s", exit_reason_name(run->exit_reason));
	}
}

int __vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = value };
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, &m);

	return r < 0 ? -errno : r;
}

int __vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	*value = m.e.data;
	return r < 0 ? -errno : r;
}

uint64_t vcpu_get_msr(struct kvm_vcpu *vcpu, uint32_t index)
{
	uint64_t v;
	int r = __vcpu_get_msr(vcpu, index, &v);

	TEST_ASSERT(r == 1, "KVM_GET_MSRS(0x%x): %s", index, ret_name(r));
	return v;
}

void vcpu_set_msr(struct kvm_vcpu *vcpu, uint32_t index, uint64_t value)
{
	int r = __vcpu_set_msr(vcpu, index, value);

	TEST_ASSERT(r == 1, "KVM_SET_MSRS(0x%x, 0x%lx): %s", index,
		    (unsigned long)value, ret_name(r));
}

struct kvm_cpuid2 *vm_supported_cpuid(struct kvm_vm *vm)
{
	int n = 256;

	if (vm->cpuid)
		return vm->cpuid;
	vm->cpuid = calloc(1, sizeof(*vm->cpuid) +
			   n * sizeof(struct kvm_cpuid_entry2));
	TEST_ASSERT(vm->cpuid, "calloc");
	vm->cpuid->nent = n;
	TEST_ASSERT(!ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, vm->cpuid),
		    "KVM_GET_SUPPORTED_CPUID: %s", strerrorname(errno));
	return vm->cpuid;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t index)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (c->entries[i].index == index ||
		     !(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)))
			return &c->entries[i];
	return NULL;
}

void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid),
		    "KVM_SET_CPUID2: %s", strerrorname(errno));
}

void vcpu_setup_real_mode(struct kvm_vcpu *vcpu, uint16_t ip)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	vcpu_sregs_get(vcpu, &s);
	s.cs.selector = 0;
	s.cs.base = 0;
	vcpu_sregs_set(vcpu, &s);
	memset(&r, 0, sizeof(r));
	r.rip = ip;
	r.rflags = 2;
	r.rsp = 0x7000;
	vcpu_regs_set(vcpu, &r);
}

/* ---- 64-bit and 32-bit guests ---- */

static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access,
			  uint8_t flags)
{
	return (limit & 0xffffull) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

static void copy_image(struct kvm_vm *vm)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long i, n = getauxval(AT_PHNUM);

	TEST_ASSERT(ph && n, "no program headers");
	TEST_ASSERT((uintptr_t)_end <= MEM0_SIZE, "image ends at %p, beyond "
		    "slot 0", _end);
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		/* Non-PIE: p_vaddr is where it is, in the host and guest. */
		TEST_ASSERT(ph[i].p_vaddr >= 0x400000, "PIE binary? (0x%lx)",
			    (unsigned long)ph[i].p_vaddr);
		vm_write(vm, ph[i].p_vaddr, (void *)ph[i].p_vaddr,
			 ph[i].p_memsz);
	}
}

static void setup_tables(struct kvm_vm *vm)
{
	uint64_t *gdt = addr_gpa2hva(vm, GDT_GPA);
	uint64_t *idt = addr_gpa2hva(vm, IDT_GPA);
	uint32_t *pd32 = addr_gpa2hva(vm, PD32_GPA);
	uint64_t *pml4 = addr_gpa2hva(vm, PML4_GPA);
	uint64_t *pdpt = addr_gpa2hva(vm, PML4_GPA + 0x1000);
	uint64_t *pd = addr_gpa2hva(vm, PML4_GPA + 0x2000);
	uint64_t stub;
	int i;

	gdt[SEL_CODE64 / 8] = gdt_entry(0, 0xfffff, 0x9b, 0xa);	/* L, G */
	gdt[SEL_DATA / 8] = gdt_entry(0, 0xfffff, 0x93, 0xc);	/* DB, G */
	gdt[SEL_CODE32 / 8] = gdt_entry(0, 0xfffff, 0x9b, 0xc);
	gdt[SEL_CODE16 / 8] = gdt_entry(0, 0xffff, 0x9b, 0);
	gdt[SEL_DATA16 / 8] = gdt_entry(0, 0xffff, 0x93, 0);
	/* Busy TSS; in long mode the next 8 bytes hold base[63:32] = 0. */
	gdt[SEL_TSS / 8] = gdt_entry(TSS_GPA, 0x67, 0x8b, 0);
	/* CPL 3: DPL-3 code (64-bit and 32-bit) and data. */
	gdt[SEL_UCODE64 / 8] = gdt_entry(0, 0xfffff, 0xfb, 0xa);
	gdt[SEL_UDATA / 8] = gdt_entry(0, 0xfffff, 0xf3, 0xc);
	gdt[SEL_UCODE32 / 8] = gdt_entry(0, 0xfffff, 0xfb, 0xc);

	for (i = 0; i < 256; i++) {
		uint64_t type = 0x8e;	/* 64-bit interrupt gate, P, DPL 0 */

		stub = (uintptr_t)guest_isr_stubs + 16 * i;
		if (i == USER_EXIT_VECTOR) {
			stub = (uintptr_t)guest_user_exit_isr;
			type = 0xee;	/* DPL 3: INT n from CPL 3 */
		}
		idt[2 * i] = (stub & 0xffff) | (uint64_t)SEL_CODE64 << 16 |
			     type << 40 | ((stub >> 16) & 0xffff) << 48;
		idt[2 * i + 1] = stub >> 32;
	}

	/* 32-bit paging: 1024 4 MiB pages, P | RW | U | PS. */
	for (i = 0; i < 1024; i++)
		pd32[i] = (uint32_t)i << 22 | 0x87;
	/* 4-level: 4 GiB in 2 MiB pages, user-accessible (see kvm_util.h). */
	pml4[0] = (PML4_GPA + 0x1000) | 7;
	for (i = 0; i < 4; i++)
		pdpt[i] = (PML4_GPA + 0x2000 + i * 0x1000) | 7;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x87;
}

/* Reached by the guest function's RET: the stack is 8 bytes off. */
static __attribute__((force_align_arg_pointer)) void guest_returned(void)
{
	GUEST_DONE();
	for (;;)
		hlt();
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		    bool code64, bool db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = code64;
	s->db = db;
	s->g = 1;
}

static void setup_mode(struct kvm_vcpu *vcpu, uint64_t entry, bool lm,
		       bool paging)
{
	struct kvm_vm *vm = vcpu->vm;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t rsp = STACK_GPA + (vcpu->id + 1) * STACK_SIZE - 8;

	vcpu_sregs_get(vcpu, &s);
	s.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		X86_CR0_WP;
	s.cr4 = X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s.efer = 0;
	if (lm) {
		s.cr0 |= X86_CR0_PG;
		s.cr4 |= X86_CR4_PAE;
		s.cr3 = PML4_GPA;
		s.efer = EFER_LME | EFER_LMA;
	} else if (paging) {
		s.cr0 |= X86_CR0_PG;
		s.cr4 |= X86_CR4_PSE;
		s.cr3 = PD32_GPA;
	}
	set_seg(&s.cs, lm ? SEL_CODE64 : SEL_CODE32, 11, lm, !lm);
	set_seg(&s.ds, SEL_DATA, 3, false, true);
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.selector = SEL_TSS;
	s.tr.base = TSS_GPA;
	s.tr.limit = 0x67;
	s.tr.type = 11;
	s.tr.present = 1;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.type = 2;
	s.ldt.unusable = 1;
	s.gdt.base = GDT_GPA;
	s.gdt.limit = 0x1000 - 1;
	s.idt.base = IDT_GPA;
	s.idt.limit = lm ? 256 * 16 - 1 : 0;
	vcpu_sregs_set(vcpu, &s);

	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rip = entry;
	r.rsp = rsp;
	if (lm)
		*(uint64_t *)addr_gpa2hva(vm, rsp) = (uintptr_t)guest_returned;
	vcpu_regs_set(vcpu, &r);
}

void vcpu_setup_long_mode(struct kvm_vcpu *vcpu, uint64_t entry)
{
	setup_mode(vcpu, entry, true, true);
}

void vcpu_setup_protected_mode(struct kvm_vcpu *vcpu, uint32_t entry,
			       bool paging)
{
	setup_mode(vcpu, entry, false, paging);
}

struct kvm_vcpu *vm_vcpu_add_guest(struct kvm_vm *vm, int id,
				   void *guest_code)
{
	struct kvm_vcpu *v = vm_vcpu_add(vm, id);

	vcpu_set_cpuid(v, vm_supported_cpuid(vm));
	if (guest_code)
		vcpu_setup_long_mode(v, (uintptr_t)guest_code);
	return v;
}

struct kvm_vm *vm_create_guest(struct test_dev *dev, int nr_vcpus,
			       void *guest_code, struct kvm_vcpu **vcpus)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	int i;

	vm_add_slot(vm, 0, 0, MEM0_SIZE, 0);
	copy_image(vm);
	setup_tables(vm);
	for (i = 0; i < nr_vcpus; i++)
		vcpus[i] = vm_vcpu_add_guest(vm, i, guest_code);
	if (nr_vcpus == 1)
		vcpu_dump_on_failure(vcpus[0]);
	return vm;
}

struct kvm_vm *vm_create_guest_irqchip(struct test_dev *dev, int nr_vcpus,
				       void *guest_code,
				       struct kvm_vcpu **vcpus)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_vm *vm = vm_create_bare(dev);
	int i;

	vm_add_slot(vm, 0, 0, MEM0_SIZE, 0);
	copy_image(vm);
	setup_tables(vm);
	TEST_ASSERT(!ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0),
		    "KVM_CREATE_IRQCHIP: %s", strerrorname(errno));
	for (i = 0; i < nr_vcpus; i++) {
		vcpus[i] = vm_vcpu_add_guest(vm, i, guest_code);
		/* Application processors would wait for INIT and SIPI. */
		TEST_ASSERT(!ioctl(vcpus[i]->fd, KVM_SET_MP_STATE, &runnable),
			    "KVM_SET_MP_STATE: %s", strerrorname(errno));
	}
	if (nr_vcpus == 1)
		vcpu_dump_on_failure(vcpus[0]);
	return vm;
}

void vcpu_args_set(struct kvm_vcpu *vcpu, int n, ...)
{
	struct kvm_regs r;
	va_list ap;

	TEST_ASSERT(n <= 4, "%d arguments", n);
	vcpu_regs_get(vcpu, &r);
	va_start(ap, n);
	if (n > 0)
		r.rdi = va_arg(ap, uint64_t);
	if (n > 1)
		r.rsi = va_arg(ap, uint64_t);
	if (n > 2)
		r.rdx = va_arg(ap, uint64_t);
	if (n > 3)
		r.rcx = va_arg(ap, uint64_t);
	va_end(ap);
	vcpu_regs_set(vcpu, &r);
}

void vm_install_exception_handler(struct kvm_vm *vm, int vector,
				  void (*handler)(struct ex_regs *))
{
	GUEST_VAR(vm, guest_exception_handlers[vector]) = handler;
}

/* ---- ucalls ---- */

uint64_t get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs r;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT)
		return UCALL_NONE;
	vcpu_regs_get(vcpu, &r);
	memcpy(uc, addr_gpa2hva(vcpu->vm, r.rdi), sizeof(*uc));
	return uc->cmd;
}

uint64_t vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_vcpu *old = dump_vcpu;
	uint64_t cmd;

	vcpu_dump_on_failure(vcpu);
	vcpu_run(vcpu);
	cmd = get_ucall(vcpu, uc);
	TEST_ASSERT(cmd != UCALL_NONE, "vCPU %d: exit %s, not a ucall",
		    vcpu->id, exit_reason_name(vcpu->run->exit_reason));
	/* The guest's strings are at the same addresses in the host. */
	TEST_ASSERT(cmd != UCALL_ABORT, "vCPU %d: guest assertion at %s:%lu: "
		    "%s (0x%lx, 0x%lx)", vcpu->id, uc->file,
		    (unsigned long)uc->line, uc->text,
		    (unsigned long)uc->args[0], (unsigned long)uc->args[1]);
	TEST_ASSERT(cmd != UCALL_UNHANDLED, "vCPU %d: unexpected exception %lu "
		    "at rip 0x%lx, error code 0x%lx", vcpu->id,
		    (unsigned long)uc->args[0], (unsigned long)uc->args[1],
		    (unsigned long)uc->args[2]);
	vcpu_dump_on_failure(old);
	return cmd;
}

void vcpu_run_expect_sync(struct kvm_vcpu *vcpu, uint64_t val)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_ucall(vcpu, &uc);

	TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == val,
		    "vCPU %d: ucall %lu (0x%lx), expected SYNC(0x%lx)",
		    vcpu->id, (unsigned long)cmd, (unsigned long)uc.args[0],
		    (unsigned long)val);
}

void vcpu_run_expect_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_ucall(vcpu, &uc);

	TEST_ASSERT(cmd == UCALL_DONE, "vCPU %d: ucall %lu (0x%lx), expected "
		    "DONE", vcpu->id, (unsigned long)cmd,
		    (unsigned long)uc.args[0]);
}

/* ---- memop guest ---- */

static struct guest_memop guest_memops[MAX_VCPUS];

void vcpu_memop_init(struct kvm_vcpu *vcpu)
{
	vcpu_setup_long_mode(vcpu, (uintptr_t)guest_memop_loop);
	vcpu_args_set(vcpu, 1, (uint64_t)(uintptr_t)&guest_memops[vcpu->id]);
	vcpu_run_expect_sync(vcpu, 0);
}

struct kvm_vm *vm_create_memop(struct test_dev *dev, struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_guest(dev, 1, NULL, vcpu);

	vcpu_memop_init(*vcpu);
	return vm;
}

long vm_debugfs_stat(struct kvm_vm *vm, const char *name)
{
	char path[128];
	const char *text;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%d-%d/%s",
		 vm->dev->name, (int)getpid(), vm->fd, name);
	text = read_text(path);
	return text ? atol(text) : -1;
}

void vcpu_memop_post(struct kvm_vcpu *vcpu, uint64_t op, uint64_t addr,
		     uint64_t size, uint64_t val)
{
	struct guest_memop m = { op, addr, size, val };

	GUEST_VAR(vcpu->vm, guest_memops[vcpu->id]) = m;
}

uint64_t vcpu_memop(struct kvm_vcpu *vcpu, uint64_t op, uint64_t addr,
		    uint64_t size, uint64_t val)
{
	struct ucall uc;

	vcpu_memop_post(vcpu, op, addr, size, val);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC,
		    "memop %lu at 0x%lx: ucall %lu", (unsigned long)op,
		    (unsigned long)addr, (unsigned long)uc.cmd);
	return uc.args[0];
}

void guest_memop_loop(struct guest_memop *m)
{
	volatile struct guest_memop *op = m;
	uint64_t v = 0;

	GUEST_SYNC(0);
	for (;;) {
		uint64_t addr = op->addr;

		v = 0;
		switch (op->op * 16 + op->size) {
		case OP_READ * 16 + 1:
			v = *(volatile uint8_t *)addr;
			break;
		case OP_READ * 16 + 2:
			v = *(volatile uint16_t *)addr;
			break;
		case OP_READ * 16 + 4:
			v = *(volatile uint32_t *)addr;
			break;
		case OP_READ * 16 + 8:
			v = *(volatile uint64_t *)addr;
			break;
		case OP_WRITE * 16 + 1:
			*(volatile uint8_t *)addr = op->val;
			break;
		case OP_WRITE * 16 + 2:
			*(volatile uint16_t *)addr = op->val;
			break;
		case OP_WRITE * 16 + 4:
			*(volatile uint32_t *)addr = op->val;
			break;
		case OP_WRITE * 16 + 8:
			*(volatile uint64_t *)addr = op->val;
			break;
		default:
			GUEST_ASSERT_EQ(op->op, 0);
		}
		GUEST_SYNC(v);
	}
}

/* ---- guest side (runs in the guest: no libc) ---- */

void ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.file = NULL;
	uc.line = 0;
	uc.text = NULL;
	__asm__ volatile("in %[port], %%al"
			 : : [port] "d"((uint16_t)UCALL_PORT), "D"(&uc)
			 : "rax", "memory");
}

void ucall_assert(const char *file, int line, const char *text, uint64_t a,
		  uint64_t b)
{
	struct ucall uc;

	uc.cmd = UCALL_ABORT;
	uc.args[0] = a;
	uc.args[1] = b;
	uc.args[2] = uc.args[3] = 0;
	uc.file = file;
	uc.line = line;
	uc.text = text;
	for (;;)
		__asm__ volatile("in %[port], %%al"
				 : : [port] "d"((uint16_t)UCALL_PORT), "D"(&uc)
				 : "rax", "memory");
}

/* Called by guest_isr.S with the interrupted state. */
void guest_exception_dispatch(struct ex_regs *regs);
void guest_exception_dispatch(struct ex_regs *regs)
{
	void (*h)(struct ex_regs *) = guest_exception_handlers[regs->vector];

	if (h) {
		h(regs);
		return;
	}
	ucall(UCALL_UNHANDLED, regs->vector, regs->rip, regs->error_code, 0);
	for (;;)
		hlt();
}
