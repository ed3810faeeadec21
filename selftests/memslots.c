// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: creating, moving, changing the flags of and
 * deleting slots, the errnos of invalid regions, KVM_MEM_READONLY, and what
 * the guest sees of all this: its writes and userspace's, slots moved or
 * deleted between runs, and slots whose memory userspace took away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"

#define SLOT_SIZE	0x10000ul
#define DATA_GPA	0x40000000ul
#define RO_GPA		0x48000000ul
#define MOVE_GPA1	0x50000000ul
#define MOVE_GPA2	0x60000000ul
#define FAULT_GPA	0x70000000ul
#define HUGE_GPA	0x80000000ul

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void test_create_move_delete(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	char *mem = map_anon(2 * SLOT_SIZE, PROT_READ | PROT_WRITE);

	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE, mem), 0);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x200000, SLOT_SIZE,
				   mem + SLOT_SIZE), 0);
	/* Same slot, new gpa: a move; moving back and forth. */
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x300000, SLOT_SIZE, mem), 0);
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE, mem), 0);
	/*
	 * Flags only: dirty logging on and off (0 on KVM; compared, not
	 * asserted, so that a device without dirty logging goes on).
	 */
	REC(__vm_set_region(vm, 1, KVM_MEM_LOG_DIRTY_PAGES, 0x100000,
			    SLOT_SIZE, mem));
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE, mem), 0);
	/* The same region again changes nothing and succeeds. */
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE, mem), 0);
	/* Delete (size 0), and the gpa range is free for another slot. */
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, 0, mem), 0);
	EXPECT_RET(__vm_set_region(vm, 3, 0, 0x100000, SLOT_SIZE, mem), 0);
	/* A deleted slot id can be created again, anywhere. */
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x400000, SLOT_SIZE, mem), 0);
	/* Two slots may share the same userspace memory. */
	EXPECT_RET(__vm_set_region(vm, 4, 0, 0x500000, SLOT_SIZE, mem), 0);
	vm_free(vm);
	munmap(mem, 2 * SLOT_SIZE);
	ksft_pass("slots are created, moved, changed (flags only), deleted");
}

static void test_errnos(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	char *mem = map_anon(4 * SLOT_SIZE, PROT_READ | PROT_WRITE);
	long nr_slots = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			      KVM_CAP_NR_MEMSLOTS);

	TEST_ASSERT(nr_slots > 4, "KVM_CAP_NR_MEMSLOTS: %ld", nr_slots);
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE, mem), 0);

	/* Alignment: gpa, size and uaddr must be page-aligned. */
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x200800, SLOT_SIZE, mem), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x200000, SLOT_SIZE + 0x800,
				   mem), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x200000, SLOT_SIZE, mem + 0x800),
		   -EINVAL);
	/* gpa + size wraps; an absurd size. */
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0xfffffffffffff000ul, 0x2000,
				   mem), -EINVAL);
	REC(__vm_set_region(vm, 2, 0, 0x200000, 1ul << 62, mem));
	/*
	 * Guest-physical addresses beyond MAXPHYADDR (CPUID 0x80000008):
	 * a slot may end there, not past it (KVM: kvm_mmu_max_gfn()).
	 */
	{
		uint32_t a, b, c, d;
		uint64_t top;

		cpuid(0x80000008, 0, &a, &b, &c, &d);
		top = 1ul << (a & 0xff);
		rec("MAXPHYADDR", "%u", a & 0xff);
		EXPECT_RET(__vm_set_region(vm, 8, 0, top - SLOT_SIZE, SLOT_SIZE,
					   mem + 3 * SLOT_SIZE), 0);
		EXPECT_RET(__vm_set_region(vm, 8, 0, top - SLOT_SIZE, 0, mem),
			   0);
		EXPECT_RET(__vm_set_region(vm, 8, 0, top - 0x1000, SLOT_SIZE,
					   mem + 3 * SLOT_SIZE), -EINVAL);
		EXPECT_RET(__vm_set_region(vm, 8, 0, 1ul << 48, SLOT_SIZE,
					   mem + 3 * SLOT_SIZE), -EINVAL);
	}
	/* uaddr + size leaves the user address space; a kernel address. */
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x200000, 0x2000,
				   (void *)0x7ffffffff000ul), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x200000, SLOT_SIZE,
				   (void *)0xffff888000000000ul), -EINVAL);

	/* Overlaps with slot 1: partly, inside, around, the same range. */
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x108000, SLOT_SIZE,
				   mem + SLOT_SIZE), -EEXIST);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0xf8000, SLOT_SIZE,
				   mem + SLOT_SIZE), -EEXIST);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x104000, 0x1000,
				   mem + SLOT_SIZE), -EEXIST);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0xf0000, 4 * SLOT_SIZE / 2,
				   mem + SLOT_SIZE), -EEXIST);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x100000, SLOT_SIZE,
				   mem + SLOT_SIZE), -EEXIST);
	/* Adjacent is fine; moving slot 2 onto slot 1 is not. */
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x110000, SLOT_SIZE,
				   mem + SLOT_SIZE), 0);
	EXPECT_RET(__vm_set_region(vm, 2, 0, 0x108000, SLOT_SIZE,
				   mem + SLOT_SIZE), -EEXIST);

	/* Slot ids: the device's own limit, and a bad address space. */
	EXPECT_RET(__vm_set_region(vm, nr_slots, 0, 0x200000, SLOT_SIZE,
				   mem + 2 * SLOT_SIZE), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 0x7fff, 0, 0x200000, SLOT_SIZE,
				   mem + 2 * SLOT_SIZE), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 5u << 16, 0, 0x200000, SLOT_SIZE,
				   mem + 2 * SLOT_SIZE), -EINVAL);

	/* Unknown flags. */
	EXPECT_RET(__vm_set_region(vm, 3, 1u << 7, 0x200000, SLOT_SIZE,
				   mem + 2 * SLOT_SIZE), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 3, 1u << 31, 0x200000, SLOT_SIZE,
				   mem + 2 * SLOT_SIZE), -EINVAL);

	/* An existing slot cannot change its memory, size or READONLY. */
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE,
				   mem + 2 * SLOT_SIZE), -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, 2 * SLOT_SIZE, mem),
		   -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 1, 0, 0x100000, SLOT_SIZE / 2, mem),
		   -EINVAL);
	EXPECT_RET(__vm_set_region(vm, 1, KVM_MEM_READONLY, 0x100000,
				   SLOT_SIZE, mem), -EINVAL);
	/* ... nor an unknown flag. */
	EXPECT_RET(__vm_set_region(vm, 1, 1u << 7, 0x100000, SLOT_SIZE, mem),
		   -EINVAL);

	/* Deleting a slot that does not exist (old KVMs answered 0). */
	REC(__vm_set_region(vm, 9, 0, 0x900000, 0, mem));
	/* Deleting with a gpa that is not the slot's still deletes it. */
	REC(__vm_set_region(vm, 2, 0, 0x900000, 0, mem));
	EXPECT_RET(__vm_set_region(vm, 3, 0, 0x110000, SLOT_SIZE, mem), 0);

	/* After all of that, slot 1 is still where it was. */
	EXPECT_RET(__vm_set_region(vm, 4, 0, 0x100000, SLOT_SIZE, mem),
		   -EEXIST);
	vm_free(vm);
	munmap(mem, 4 * SLOT_SIZE);
	ksft_pass("invalid regions fail with KVM's errnos");
}

/*
 * Both hypervisors count the guest memory their EPT maps in 2 MiB pages in
 * debugfs, <debugfs>/<kvm|ember>/<pid>-<vm fd>/pages_2m.  Both 2 MiB of the
 * THP-backed slot, touched all over, must be mapped that way.
 */
static void check_2m_mappings(struct test_dev *dev, struct kvm_vm *vm)
{
	long n = vm_debugfs_stat(vm, "pages_2m");

	if (n < 0) {
		printf("# %s: no pages_2m in debugfs (not mounted?)\n",
		       dev->name);
		return;
	}
	rec("2 MiB mappings after touching a 2 MiB THP slot", "%s",
	    n >= 2 ? ">= 2" : "fewer");
	TEST_ASSERT(n >= 2, "%s: %ld pages mapped as 2 MiB", dev->name, n);
}

static void test_shared_memory(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *data = vm_add_slot(vm, 1, DATA_GPA, SLOT_SIZE, 0);
	uint64_t *huge = vm_add_slot(vm, 2, HUGE_GPA, 2 * HPAGE_SIZE,
				     VM_MEM_HUGE);
	int i;

	data[0] = 0x0123456789abcdef;
	TEST_ASSERT(vcpu_memop(v, OP_READ, DATA_GPA, 8, 0) == data[0],
		    "guest does not see userspace's write");
	data[0] = 42;
	TEST_ASSERT(vcpu_memop(v, OP_READ, DATA_GPA, 8, 0) == 42,
		    "guest does not see userspace's second write");
	vcpu_memop(v, OP_WRITE, DATA_GPA + 0x1008, 8, 0xfeedface);
	TEST_ASSERT(data[0x201] == 0xfeedface, "userspace sees 0x%lx",
		    (unsigned long)data[0x201]);
	vcpu_memop(v, OP_WRITE, DATA_GPA + SLOT_SIZE - 1, 1, 0x5a);
	TEST_ASSERT(((uint8_t *)data)[SLOT_SIZE - 1] == 0x5a, "last byte");
	vcpu_memop(v, OP_WRITE, DATA_GPA + 2, 2, 0xbeef);
	TEST_ASSERT(data[0] == 0xbeef002a, "16-bit write: 0x%lx",
		    (unsigned long)data[0]);

	/* A 2 MiB-aligned, THP-backed slot: every 4 KiB page of it. */
	for (i = 0; i < 2 * 512; i++)
		huge[i * 512] = i;
	for (i = 0; i < 2 * 512; i += 37) {
		uint64_t gpa = HUGE_GPA + i * 4096ul;

		TEST_ASSERT(vcpu_memop(v, OP_READ, gpa, 8, 0) == (uint64_t)i,
			    "huge slot page %d", i);
		vcpu_memop(v, OP_WRITE, gpa + 8, 4, i * 3);
		TEST_ASSERT(huge[i * 512 + 1] == (uint64_t)i * 3,
			    "huge slot page %d write", i);
	}
	check_2m_mappings(dev, vm);
	vm_free(vm);
	ksft_pass("guest and userspace see each other's writes; THP-backed "
		  "memory is mapped 2 MiB at a time");
}

static void test_readonly(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm;
	struct kvm_run *run;
	uint64_t *ro;
	int size;

	vm = vm_create_memop(dev, &v);
	run = v->run;
	EXPECT_RET(ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_READONLY_MEM) > 0, 1);
	ro = vm_add_slot(vm, 1, RO_GPA, SLOT_SIZE, KVM_MEM_READONLY);
	ro[0] = 0x1122334455667788;
	ro[1] = 0;
	TEST_ASSERT(vcpu_memop(v, OP_READ, RO_GPA, 8, 0) == ro[0],
		    "read of a read-only slot");
	TEST_ASSERT(vcpu_memop(v, OP_READ, RO_GPA + 4, 2, 0) == 0x3344,
		    "16-bit read of a read-only slot");
	for (size = 1; size <= 8; size *= 2) {
		uint64_t val = 0xa1b2c3d4e5f60718;

		vcpu_memop_post(v, OP_WRITE, RO_GPA + 8, size, val);
		vcpu_run(v);
		vcpu_assert_exit(v, KVM_EXIT_MMIO);
		rec_exit("ro write exit", v);
		TEST_ASSERT(run->mmio.phys_addr == RO_GPA + 8 &&
			    run->mmio.len == (uint32_t)size &&
			    run->mmio.is_write &&
			    !memcmp(run->mmio.data, &val, size),
			    "MMIO exit: gpa 0x%llx len %u write %u",
			    run->mmio.phys_addr, run->mmio.len,
			    run->mmio.is_write);
		vcpu_run_expect_sync(v, 0);
		TEST_ASSERT(ro[1] == 0, "the write went to memory: 0x%lx",
			    (unsigned long)ro[1]);
	}
	TEST_ASSERT(vcpu_memop(v, OP_READ, RO_GPA + 8, 8, 0) == 0,
		    "the guest sees its write to a read-only slot");
	vm_free(vm);
	ksft_pass("KVM_MEM_READONLY: reads work, writes exit as KVM_EXIT_MMIO");
}

static void test_move_delete_live(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	struct kvm_run *run = v->run;
	uint64_t *mem = vm_add_slot(vm, 3, MOVE_GPA1, SLOT_SIZE, 0);
	struct ucall uc;

	mem[0] = 0xabcdef;
	TEST_ASSERT(vcpu_memop(v, OP_READ, MOVE_GPA1, 8, 0) == 0xabcdef,
		    "before the move");
	vm_move_slot(vm, 3, MOVE_GPA2);
	TEST_ASSERT(vcpu_memop(v, OP_READ, MOVE_GPA2, 8, 0) == 0xabcdef,
		    "at the new gpa");

	/* The old gpa is in no slot now: MMIO, the guest reads our answer. */
	vcpu_memop_post(v, OP_READ, MOVE_GPA1, 8, 0);
	vcpu_run(v);
	vcpu_assert_exit(v, KVM_EXIT_MMIO);
	rec("old gpa", "gpa 0x%llx len %u is_write %u", run->mmio.phys_addr,
	    run->mmio.len, run->mmio.is_write);
	TEST_ASSERT(run->mmio.phys_addr == MOVE_GPA1 && run->mmio.len == 8 &&
		    !run->mmio.is_write, "MMIO exit gpa 0x%llx len %u",
		    run->mmio.phys_addr, run->mmio.len);
	memcpy(run->mmio.data, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC &&
		    uc.args[0] == 0x8877665544332211ul,
		    "MMIO read gave 0x%lx", (unsigned long)uc.args[0]);

	/* Guest writes land in the moved slot's memory. */
	vcpu_memop(v, OP_WRITE, MOVE_GPA2 + 16, 8, 77);
	TEST_ASSERT(mem[2] == 77, "write after the move");

	/* Flags only, with the vCPU alive: memory and contents unchanged. */
	if (!REC(__vm_set_region(vm, 3, KVM_MEM_LOG_DIRTY_PAGES, MOVE_GPA2,
				 SLOT_SIZE, mem))) {
		TEST_ASSERT(vcpu_memop(v, OP_READ, MOVE_GPA2 + 16, 8, 0) == 77,
			    "after a flags change");
		vm_set_slot_flags(vm, 3, 0);
	}

	vm_delete_slot(vm, 3);
	vcpu_memop_post(v, OP_WRITE, MOVE_GPA2, 4, 0x1234);
	vcpu_run(v);
	vcpu_assert_exit(v, KVM_EXIT_MMIO);
	rec("deleted", "gpa 0x%llx len %u is_write %u", run->mmio.phys_addr,
	    run->mmio.len, run->mmio.is_write);
	TEST_ASSERT(run->mmio.phys_addr == MOVE_GPA2 && run->mmio.len == 4 &&
		    run->mmio.is_write, "write to a deleted slot");
	vcpu_run_expect_sync(v, 0);

	/* A new slot where the old one was. */
	mem = vm_add_slot(vm, 3, MOVE_GPA1, SLOT_SIZE, 0);
	mem[0] = 5;
	TEST_ASSERT(vcpu_memop(v, OP_READ, MOVE_GPA1, 8, 0) == 5,
		    "a new slot at the old gpa");
	vm_free(vm);
	ksft_pass("moving and deleting slots between runs takes effect");
}

/* false: kvm_pvm, which does not fail (MMIO exit instead). */
static bool expect_efault(struct kvm_vcpu *v, const char *what)
{
	int r;

	vcpu_memop_post(v, OP_READ, FAULT_GPA + 0x100, 8, 0);
	r = __vcpu_run(v);
	rec(what, "%s", ret_name(r));
	printf("# %s: KVM_RUN %s, exit_reason %u\n", what, ret_name(r),
	       v->run->exit_reason);
	if (dev_is_pvm(cur_dev) && r == 0)
		return false;
	TEST_ASSERT(r == -EFAULT, "%s: KVM_RUN gave %s, not -EFAULT", what,
		    ret_name(r));
	return true;
}

static void test_no_memory(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	char *p = map_anon(SLOT_SIZE, PROT_NONE);

	/* PROT_NONE: -EFAULT, then the same access works once readable. */
	vm_add_slot_hva(vm, 4, FAULT_GPA, SLOT_SIZE, 0, p);
	if (!expect_efault(v, "PROT_NONE")) {
		vm_free(vm);
		munmap(p, SLOT_SIZE);
		ksft_skip("kvm_pvm makes PROT_NONE slot memory an MMIO exit");
		return;
	}
	TEST_ASSERT(!mprotect(p, SLOT_SIZE, PROT_READ | PROT_WRITE),
		    "mprotect");
	p[0x100] = 9;
	vcpu_run_expect_sync(v, 9);

	/* Unmapped behind the slot's back: -EFAULT; mapped again: fine. */
	vm_delete_slot(vm, 4);
	vm_add_slot_hva(vm, 4, FAULT_GPA, SLOT_SIZE, 0, p);
	TEST_ASSERT(!munmap(p, SLOT_SIZE), "munmap");
	expect_efault(v, "unmapped");
	TEST_ASSERT(mmap(p, SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p,
		    "mmap again");
	p[0x100] = 10;
	vcpu_run_expect_sync(v, 10);
	vm_free(vm);
	munmap(p, SLOT_SIZE);
	ksft_pass("slot memory PROT_NONE or unmapped: KVM_RUN fails with EFAULT");
}

static void run(struct test_dev *dev)
{
	test_create_move_delete(dev);
	test_errnos(dev);
	test_shared_memory(dev);
	test_readonly(dev);
	test_move_delete_live(dev);
	test_no_memory(dev);
}

int main(void)
{
	return ksft_run_devices("memslots", 6, run);
}
