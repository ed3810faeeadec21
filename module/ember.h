/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ember's arch-neutral core: the objects behind /dev/ember and the rules for
 * when the CPUs are in VMX operation.
 */
#ifndef EMBER_H
#define EMBER_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/kvm.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>

#include "arch_types.h"		/* struct ember_arch_vm, ember_arch_vcpu */

#define EMBER_API_VERSION	12	/* KVM_API_VERSION */
#define EMBER_MAX_VCPUS		64	/* KVM_CAP_MAX_VCPUS */
#define EMBER_MAX_VCPU_ID	EMBER_MAX_VCPUS
#define EMBER_MAX_MEMSLOTS	509	/* KVM_CAP_NR_MEMSLOTS */
/* The vCPU mmap: struct kvm_run, then the port I/O data page. */
#define EMBER_PIO_PAGE_OFFSET	1
#define EMBER_VCPU_MMAP_PAGES	2

/* One KVM_SET_USER_MEMORY_REGION slot; npages == 0 means unused. */
struct ember_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	/* KVM_MEM_LOG_DIRTY_PAGES: pages written since the last read. */
	unsigned long *dirty_bitmap;
	u32 flags;
	u16 id;
};

/*
 * One virtual machine.  It lives until its fd and every vCPU fd are closed
 * (each vCPU holds a reference).  While it lives, every online CPU is in
 * VMX operation.
 */
struct ember_vm {
	struct kref ref;
	/* The creator's address space: VM ioctls from another fail, -EIO. */
	struct mm_struct *mm;

	/*
	 * lock serializes vCPU creation.  vcpus[] only grows: a vCPU is
	 * stored, then nr_vcpus published with release semantics, so a
	 * reader that loads nr_vcpus with acquire (ember_make_all_vcpus_
	 * request, under any lock or none) sees every vCPU below it.  vCPUs
	 * are freed only with the VM.
	 */
	struct mutex lock;
	struct ember_vcpu *vcpus[EMBER_MAX_VCPUS];
	int nr_vcpus;

	/*
	 * Two locks guard guest memory, always taken in this order:
	 *
	 * slots_lock (a mutex) serializes the users of the memory slots that
	 * may sleep: slot changes, dirty-log reads, guest faults (which look
	 * up the process's pages) and copies to and from guest memory.
	 *
	 * mmu_lock (a spinlock) protects what the MMU notifier reads and
	 * changes: the slots themselves (changed under both locks), the
	 * backend's translation tables and the invalidation state below.
	 * Nothing allocates or sleeps under it.
	 */
	struct mutex slots_lock;
	spinlock_t mmu_lock;
	struct ember_memslot slots[EMBER_MAX_MEMSLOTS];	/* by slot id */
	u16 active_slots[EMBER_MAX_MEMSLOTS];	/* ids of slots in use */
	int nr_active_slots;

	/*
	 * Guest memory is the process's memory and follows its mappings:
	 * the EPT holds no reference on the pages it maps.  The notifier
	 * unmaps from the guest whatever the kernel is about to unmap,
	 * move or write-protect in the process; a guest fault that looked
	 * up a page while that happened (invalidate_seq moved, or a range
	 * being invalidated covers it) maps nothing and retries.
	 */
	struct mmu_notifier mmu_notifier;
	unsigned long invalidate_seq;		/* mmu_lock */
	long invalidate_in_progress;		/* mmu_lock */
	unsigned long invalidate_start;		/* union of the ranges in */
	unsigned long invalidate_end;		/* progress; mmu_lock */

	/* Guest pages mapped, by size, as KVM's pages_4k/pages_2m. */
	struct {
		unsigned long pages_4k, pages_2m;
	} stats;			/* vm->mmu_lock */
	struct dentry *debugfs_dir;	/* <pid>-<fd>, as KVM's */

	struct ember_arch_vm arch;
};

/* What the vCPU's thread is doing, for requesters (vcpu_request.c). */
enum ember_vcpu_mode {
	OUTSIDE_GUEST_MODE,
	IN_GUEST_MODE,		/* entering or in the guest, interrupts off */
	EXITING_GUEST_MODE,	/* in guest mode and already kicked */
};

/* vCPU requests: work for the vCPU's thread before its next VM entry. */
#define EMBER_REQ_TLB_FLUSH		0	/* guest-physical translations */
#define EMBER_REQ_TLB_FLUSH_GUEST	1	/* the guest's own TLB */

struct ember_vcpu {
	struct ember_vm *vm;
	u32 id;
	struct kvm_run *run;		/* shared with userspace by mmap */
	/* mutex: one ioctl at a time, as in KVM. */
	struct mutex mutex;
	struct preempt_notifier preempt_notifier;
	/*
	 * requests: EMBER_REQ_* bits, set by anyone, cleared by the vCPU's
	 * thread.  mode and cpu: written by the vCPU's thread (cpu before
	 * mode), read by requesters; see vcpu_request.c.
	 */
	unsigned long requests;
	int mode;
	int cpu;
	struct ember_arch_vcpu arch;
};

/* vcpu_request.c */
static inline void ember_make_request(unsigned int req, struct ember_vcpu *vcpu)
{
	/* Whatever the request is about is visible before the bit. */
	smp_mb__before_atomic();
	set_bit(req, &vcpu->requests);
}

/* The vCPU's thread: is @req pending?  Clears it. */
static inline bool ember_check_request(unsigned int req,
				       struct ember_vcpu *vcpu)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	clear_bit(req, &vcpu->requests);
	/* Read what the request is about after the bit. */
	smp_mb__after_atomic();
	return true;
}

static inline bool ember_request_pending(struct ember_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests);
}

/* IPI the vCPU's CPU if it is in guest mode there; does not wait. */
void ember_vcpu_kick(struct ember_vcpu *vcpu);
/*
 * Make @req of every vCPU of @vm and kick those in guest mode, waiting
 * until they have left it.  Any context that may send IPIs (interrupts on).
 */
void ember_make_all_vcpus_request(struct ember_vm *vm, unsigned int req);
int ember_vcpu_request_init(void);
void ember_vcpu_request_exit(void);

/* virt.c: reference-counted "VMX on in every online CPU". */
int ember_virt_get(void);
void ember_virt_put(void);
int ember_virt_init(void);
void ember_virt_exit(void);
unsigned int ember_virt_users(void);
/* The machine is going down: VMX is off everywhere, no VM may run. */
bool ember_virt_rebooting(void);

/* vm.c */
int ember_vm_create(unsigned long type);
void ember_vm_put(struct ember_vm *vm);

/* memslot.c; callers hold vm->slots_lock. */
int ember_set_memory_region(struct ember_vm *vm,
			    const struct kvm_userspace_memory_region *mem);
int ember_get_dirty_log(struct ember_vm *vm, struct kvm_dirty_log *log);
void ember_memslots_free(struct ember_vm *vm);
/* The slot holding @gfn, or NULL; slots_lock or mmu_lock held. */
struct ember_memslot *ember_memslot_find(struct ember_vm *vm, u64 gfn);
static inline unsigned long ember_gfn_to_hva(const struct ember_memslot *slot,
					     u64 gfn)
{
	return slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE;
}
int ember_read_guest(struct ember_vm *vm, u64 gpa, void *buf,
		     unsigned int len);
int ember_write_guest(struct ember_vm *vm, u64 gpa, const void *buf,
		      unsigned int len);

/* mmu_notifier.c: guest memory follows the process's mappings. */
int ember_mmu_notifier_register(struct ember_vm *vm);
void ember_mmu_notifier_unregister(struct ember_vm *vm);

/*
 * A guest fault read vm->invalidate_seq (then smp_rmb()) before it looked
 * up the process's page at @hva.  Under mmu_lock: must it map nothing and
 * retry, because that page may since have been unmapped or replaced?  The
 * whole 2 MiB around @hva counts, so that a fault may map a 2 MiB page.
 */
static inline bool ember_mmu_invalidate_retry(struct ember_vm *vm,
					      unsigned long seq,
					      unsigned long hva)
{
	unsigned long lo = hva & PMD_MASK, hi = lo + PMD_SIZE;

	lockdep_assert_held(&vm->mmu_lock);
	if (unlikely(vm->invalidate_in_progress) &&
	    lo < vm->invalidate_end && vm->invalidate_start < hi)
		return true;
	return vm->invalidate_seq != seq;
}

/* vcpu.c */
int ember_vcpu_create(struct ember_vm *vm, unsigned long id);
void ember_vcpus_free(struct ember_vm *vm);

/* dev.c */
int ember_dev_init(void);
void ember_dev_exit(void);

/* debugfs.c */
void ember_debugfs_init(void);
void ember_debugfs_exit(void);
void ember_debugfs_vm_create(struct ember_vm *vm, int fd);
void ember_debugfs_vm_destroy(struct ember_vm *vm);

#endif /* EMBER_H */
