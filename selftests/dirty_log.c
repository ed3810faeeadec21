// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_MEM_LOG_DIRTY_PAGES and KVM_GET_DIRTY_LOG: the pages the guest wrote
 * since the last read and only those, each read clearing the log; the
 * errnos; logging switched on and off under a running guest, with 2 MiB
 * pages split for it and back afterwards.
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

#define NPAGES		64
#define SLOT_SIZE	(NPAGES * PAGE_SIZE)
#define LOG_GPA		0x40000000ul
#define HUGE_GPA	0x80000000ul

static int get_log(struct kvm_vm *vm, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

/* The dirty pages of @slot as a list "1 3 15", asserting the ioctl works. */
static const char *dirty_pages(struct kvm_vm *vm, uint32_t slot, int npages)
{
	static char text[512];
	uint64_t bitmap[8] = { 0 };
	size_t len = 0;
	int i;

	TEST_ASSERT(!get_log(vm, slot, bitmap), "KVM_GET_DIRTY_LOG: %s",
		    strerrorname(errno));
	text[0] = '\0';
	for (i = 0; i < npages; i++)
		if (bitmap[i / 64] & (1ull << (i % 64)))
			len += snprintf(text + len, sizeof(text) - len, "%s%d",
					len ? " " : "", i);
	return text;
}

static void expect_dirty(struct kvm_vm *vm, uint32_t slot, int npages,
			 const char *want, const char *when)
{
	const char *got = dirty_pages(vm, slot, npages);

	rec(when, "%s", got);
	TEST_ASSERT(!strcmp(got, want), "%s: dirty pages \"%s\", expected "
		    "\"%s\"", when, got, want);
}

static void test_log(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *mem = vm_add_slot(vm, 1, LOG_GPA, SLOT_SIZE,
				    KVM_MEM_LOG_DIRTY_PAGES);

	expect_dirty(vm, 1, NPAGES, "", "nothing written yet");
	vcpu_memop(v, OP_WRITE, LOG_GPA + 1 * PAGE_SIZE, 8, 1);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 3 * PAGE_SIZE + 100, 2, 3);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 63 * PAGE_SIZE + 4088, 8, 63);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 3 * PAGE_SIZE, 1, 3);
	/* Reads do not dirty a page; the process's own writes do not count. */
	TEST_ASSERT(vcpu_memop(v, OP_READ, LOG_GPA + 7 * PAGE_SIZE, 8, 0) == 0,
		    "read");
	mem[8 * PAGE_SIZE / 8] = 8;
	expect_dirty(vm, 1, NPAGES, "1 3 63", "guest wrote 1 3 63, read 7");
	TEST_ASSERT(mem[PAGE_SIZE / 8] == 1 &&
		    mem[64 * PAGE_SIZE / 8 - 1] == 63, "the writes landed");

	/* Each read clears the log; a page written again is dirty again. */
	expect_dirty(vm, 1, NPAGES, "", "read again");
	vcpu_memop(v, OP_WRITE, LOG_GPA + 3 * PAGE_SIZE, 8, 33);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 7 * PAGE_SIZE, 8, 7);
	expect_dirty(vm, 1, NPAGES, "3 7", "guest wrote 3 7");
	TEST_ASSERT(mem[3 * PAGE_SIZE / 8] == 33 && mem[7 * PAGE_SIZE / 8] == 7,
		    "the writes landed");
	/* The process drops a logged page: the guest's write still counts. */
	TEST_ASSERT(!madvise(mem + 9 * PAGE_SIZE / 8, PAGE_SIZE, MADV_DONTNEED),
		    "madvise");
	vcpu_memop(v, OP_WRITE, LOG_GPA + 9 * PAGE_SIZE, 8, 9);
	expect_dirty(vm, 1, NPAGES, "9", "guest wrote 9 after MADV_DONTNEED");

	/* Logging off and on again: a fresh log. */
	vm_set_slot_flags(vm, 1, 0);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 5 * PAGE_SIZE, 8, 5);
	EXPECT_ERRNO(get_log(vm, 1, mem), ENOENT);
	vm_set_slot_flags(vm, 1, KVM_MEM_LOG_DIRTY_PAGES);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 2 * PAGE_SIZE, 8, 2);
	vcpu_memop(v, OP_WRITE, LOG_GPA + 5 * PAGE_SIZE, 8, 55);
	expect_dirty(vm, 1, NPAGES, "2 5", "logging on again, guest wrote 2 5");
	vm_free(vm);
	ksft_pass("the log holds the pages the guest wrote since the last "
		  "read, and only those");
}

static void test_errnos(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	uint64_t bitmap[8];

	vm_add_slot(vm, 1, LOG_GPA, SLOT_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
	vm_add_slot(vm, 2, HUGE_GPA, SLOT_SIZE, 0);
	EXPECT_ERRNO(get_log(vm, 2, bitmap), ENOENT);	/* not logging */
	EXPECT_ERRNO(get_log(vm, 3, bitmap), ENOENT);	/* no such slot */
	EXPECT_ERRNO(get_log(vm, 1, NULL), EFAULT);
	EXPECT_ERRNO(get_log(vm, 1, (void *)8), EFAULT);
	EXPECT_ERRNO(get_log(vm, 0x7fff, bitmap), EINVAL);	/* id too big */
	EXPECT_ERRNO(get_log(vm, 2u << 16 | 1, bitmap), EINVAL); /* as_id 2 */
	EXPECT_RET(get_log(vm, 1, bitmap), 0);
	vm_free(vm);
	ksft_pass("KVM_GET_DIRTY_LOG errnos: ENOENT, EFAULT, EINVAL");
}

/* Logging a THP-backed slot maps it 4 KiB at a time, and 2 MiB after. */
static void test_huge(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_memop(dev, &v);
	uint64_t *mem = vm_add_slot(vm, 2, HUGE_GPA, HPAGE_SIZE, VM_MEM_HUGE);
	long huge0, huge_log, huge_after;

	vcpu_memop(v, OP_WRITE, HUGE_GPA, 8, 1);
	huge0 = vm_debugfs_stat(vm, "pages_2m");
	vm_set_slot_flags(vm, 2, KVM_MEM_LOG_DIRTY_PAGES);
	vcpu_memop(v, OP_WRITE, HUGE_GPA + 5 * PAGE_SIZE, 8, 5);
	vcpu_memop(v, OP_WRITE, HUGE_GPA + 511 * PAGE_SIZE, 8, 511);
	huge_log = vm_debugfs_stat(vm, "pages_2m");
	expect_dirty(vm, 2, 512, "5 511", "THP slot, guest wrote 5 511");
	vm_set_slot_flags(vm, 2, 0);
	TEST_ASSERT(vcpu_memop(v, OP_READ, HUGE_GPA + 5 * PAGE_SIZE, 8, 0) ==
		    5, "read after logging");
	TEST_ASSERT(mem[0] == 1 && mem[511 * PAGE_SIZE / 8] == 511, "writes");
	huge_after = vm_debugfs_stat(vm, "pages_2m");
	printf("# %s: pages_2m %ld before logging, %ld while, %ld after\n",
	       dev->name, huge0, huge_log, huge_after);
	rec("pages_2m: while logging, after", "%+ld, %+ld", huge_log - huge0,
	    huge_after - huge0);
	if (huge0 >= 0) {
		TEST_ASSERT(huge0 >= 1, "not mapped 2 MiB before logging");
		TEST_ASSERT(huge_log == huge0 - 1, "pages_2m %ld while logging",
			    huge_log);
		TEST_ASSERT(huge_after == huge0, "pages_2m %ld after logging",
			    huge_after);
	}
	vm_free(vm);
	ksft_pass("logging maps a THP slot in 4 KiB pages, 2 MiB again after");
}

static void run(struct test_dev *dev)
{
	test_log(dev);
	test_errnos(dev);
	test_huge(dev);
}

int main(void)
{
	return ksft_run_devices("dirty_log", 3, run);
}
