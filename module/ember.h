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
#include <linux/srcu.h>
#include <linux/wait.h>

#include "io_bus.h"		/* EMBER_NR_BUSES */

#include "arch_types.h"		/* struct ember_arch_vm, ember_arch_vcpu */

#define EMBER_API_VERSION	12	/* KVM_API_VERSION */
#define EMBER_MAX_VCPUS		64	/* KVM_CAP_MAX_VCPUS */
#define EMBER_MAX_VCPU_ID	EMBER_MAX_VCPUS
#define EMBER_MAX_MEMSLOTS	509	/* KVM_CAP_NR_MEMSLOTS */
/* The vCPU mmap: struct kvm_run, then the port I/O data page. */
#define EMBER_PIO_PAGE_OFFSET	1
#define EMBER_VCPU_MMAP_PAGES	2

/*
 * ember's own slot flag, beside the KVM_MEM_* ones: the slot is being
 * deleted or moved, and no fault may map it any more (memslot.c).
 */
#define EMBER_MEMSLOT_INVALID	BIT(16)

/* One KVM_SET_USER_MEMORY_REGION slot; npages == 0 means unused. */
struct ember_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	/*
	 * KVM_MEM_LOG_DIRTY_PAGES: pages written since the last read.  Its
	 * bits change under vm->mmu_lock; it is freed only after an SRCU
	 * grace period once no published slot points to it.
	 */
	unsigned long *dirty_bitmap;
	u32 flags;
	u16 id;
};

/*
 * The memory slots of a VM as readers see them.  Once published in
 * vm->memslots it never changes: a slot change publishes a changed copy
 * (memslot.c) and frees this one after an SRCU grace period.
 */
struct ember_memslots {
	int nr;
	/* The slots in use, by ascending base_gfn: lookups bisect. */
	struct ember_memslot slots[];
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
	 * Guest memory.  Its readers may sleep for as long as the process's
	 * memory makes them (a guest fault or a copy to guest memory waits
	 * for userfaultfd or FUSE), so they hold no lock while they do: only
	 * a slot change waits for them.
	 *
	 * srcu guards memslots: guest faults, copies to and from guest
	 * memory and the MMU notifier read the slots between
	 * srcu_read_lock() and srcu_read_unlock(), through ember_memslots().
	 * A writer publishes a new array and waits for the readers of the
	 * old one (synchronize_srcu) before it frees it or unmaps what they
	 * may have mapped from it.
	 *
	 * slots_lock (a mutex) serializes the writers of the slots
	 * (KVM_SET_USER_MEMORY_REGION) and KVM_GET_DIRTY_LOG, which read
	 * memslots under it alone.  No SRCU reader takes it: a writer holds
	 * it while it waits for them.
	 *
	 * mmu_lock (a spinlock) protects the backend's translation tables,
	 * the invalidation state below, the stats and the bits of the dirty
	 * bitmaps.  memslots is published under it too, so that the MMU
	 * notifier, which walks the slots under it, meets one array from the
	 * moment it takes the lock until it drops it.  Nothing allocates or
	 * sleeps under it.
	 *
	 * Order: slots_lock, then mmu_lock.  An SRCU read section may take
	 * mmu_lock (the notifier) and may sleep; it never takes slots_lock,
	 * and nothing calls synchronize_srcu(&srcu) inside one or under
	 * mmu_lock: either would wait for itself.
	 */
	struct srcu_struct srcu;
	struct mutex slots_lock;
	spinlock_t mmu_lock;
	struct ember_memslots __rcu *memslots;

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

	/*
	 * Interrupts from outside the vCPUs (module/irq.h): irq_lock
	 * serializes the writers of irq_routing, of the ack-notifier list and
	 * of irq_sources_bitmap; readers of the first two hold irq_srcu.
	 * irqfds.lock (a spinlock) guards the list of irqfds.  The I/O buses
	 * (module/io_bus.h) are read under srcu and written under slots_lock,
	 * as are the ioeventfds on them.
	 */
	struct mutex irq_lock;
	struct srcu_struct irq_srcu;
	struct ember_irq_routing_table __rcu *irq_routing;
	struct hlist_head irq_ack_notifier_list;
	struct hlist_head irq_mask_notifier_list;
	unsigned long irq_sources_bitmap;
	struct {
		spinlock_t lock;
		struct list_head items;
		struct list_head resampler_list;
		struct mutex resampler_lock;
	} irqfds;
	struct list_head ioeventfds;
	struct ember_io_bus __rcu *buses[EMBER_NR_BUSES];

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
#define EMBER_REQ_EVENT			2	/* an interrupt, NMI, INIT, SIPI */

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
	/*
	 * The vCPU's thread sleeps on wq while the guest is halted or waits
	 * for INIT/SIPI (vcpu_block.c); whoever gives it something to do
	 * wakes it with ember_vcpu_kick().
	 */
	wait_queue_head_t wq;
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

/*
 * Wake the vCPU's thread if it sleeps in ember_vcpu_block(), and IPI its
 * CPU if it is in guest mode there.  Any context (hard interrupts too);
 * does not wait.
 */
void ember_vcpu_kick(struct ember_vcpu *vcpu);
/*
 * vcpu_block.c: the vCPU's thread, in KVM_RUN: sleep until
 * ember_arch_vcpu_runnable(), a request or a signal.
 */
void ember_vcpu_block(struct ember_vcpu *vcpu);
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

/* memslot.c */
int ember_memslots_init(struct ember_vm *vm);
void ember_memslots_free(struct ember_vm *vm);
/* Callers hold vm->slots_lock. */
int ember_set_memory_region(struct ember_vm *vm,
			    const struct kvm_userspace_memory_region *mem);
int ember_get_dirty_log(struct ember_vm *vm, struct kvm_dirty_log *log);

/*
 * The VM's slots: inside srcu_read_lock(&vm->srcu), or with slots_lock
 * (no slot changes) or mmu_lock (no publication) held.  The array stays
 * valid until srcu_read_unlock(), or the lock is dropped.
 */
static inline struct ember_memslots *ember_memslots(struct ember_vm *vm)
{
	return srcu_dereference_check(vm->memslots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock) ||
				      lockdep_is_held(&vm->mmu_lock));
}

/*
 * The slot holding @gfn, or NULL, in ember_memslots(vm) (so under the same
 * rules).  A slot being deleted or moved is found too, flagged
 * EMBER_MEMSLOT_INVALID.
 */
struct ember_memslot *ember_memslot_find(struct ember_vm *vm, u64 gfn);
static inline unsigned long ember_gfn_to_hva(const struct ember_memslot *slot,
					     u64 gfn)
{
	return slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE;
}
/* Copies to and from guest memory; inside srcu_read_lock(&vm->srcu). */
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
