// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object and its file descriptor.
 *
 * A VM holds VMX on in every CPU (ember_virt_get) for as long as it lives.
 * Its lifetime is a kref: the VM fd holds one reference and each vCPU fd
 * another, so the VM goes away with the last of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ember.h"
#include "arch.h"
#include "io_bus.h"
#include "irq.h"

static void ember_vm_free(struct kref *ref)
{
	struct ember_vm *vm = container_of(ref, struct ember_vm, ref);

	ember_debugfs_vm_destroy(vm);
	/* No notifier callback may look at the vCPUs once they are freed. */
	ember_mmu_notifier_unregister(vm);
	/*
	 * Nothing may inject any more once the vCPUs go: irqfds first, then
	 * the devices with timers, then the buses and the routes.
	 */
	ember_irqfd_release(vm);
	ember_arch_vm_destroy_devices(vm);
	ember_io_bus_destroy(vm);
	ember_irq_destroy(vm);
	ember_vcpus_free(vm);
	ember_arch_vm_destroy(vm);
	ember_memslots_free(vm);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kvfree(vm);
	ember_virt_put();
}

void ember_vm_put(struct ember_vm *vm)
{
	kref_put(&vm->ref, ember_vm_free);
}

static int ember_vm_release(struct inode *inode, struct file *filp)
{
	ember_vm_put(filp->private_data);
	return 0;
}

static long ember_vm_set_memory_region(struct ember_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region mem;
	long r;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	r = ember_set_memory_region(vm, &mem);
	mutex_unlock(&vm->slots_lock);
	return r;
}

static long vm_get_dirty_log(struct ember_vm *vm, struct kvm_dirty_log *log)
{
	long r;

	mutex_lock(&vm->slots_lock);
	r = ember_get_dirty_log(vm, log);
	mutex_unlock(&vm->slots_lock);
	return r;
}

static long ember_vm_get_dirty_log(struct ember_vm *vm, void __user *argp)
{
	struct kvm_dirty_log log;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	return vm_get_dirty_log(vm, &log);
}

static long ember_vm_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct ember_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the address space that created it, as in KVM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return ember_vcpu_create(vm, (u32)arg);	/* KVM: u32 id */
	case KVM_SET_USER_MEMORY_REGION:
		return ember_vm_set_memory_region(vm, argp);
	case KVM_GET_DIRTY_LOG:
		return ember_vm_get_dirty_log(vm, argp);
	case KVM_CHECK_EXTENSION:
		return ember_arch_check_extension(arg);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
	case KVM_SET_GSI_ROUTING:
	case KVM_SIGNAL_MSI:
	case KVM_IRQFD:
	case KVM_IOEVENTFD:
		return ember_vm_irq_ioctl(vm, ioctl, argp);
	default:
		return ember_arch_vm_ioctl(vm, ioctl, arg);
	}
}

#ifdef CONFIG_COMPAT
/*
 * A 32-bit process: every VM ioctl has the 64-bit layout except
 * KVM_GET_DIRTY_LOG, whose bitmap pointer is 32 bits wide with whatever
 * the process left in the other half of the union beside it.
 */
struct compat_kvm_dirty_log {
	__u32 slot;
	__u32 padding1;
	union {
		compat_uptr_t dirty_bitmap;
		__u64 padding2;
	};
};

static long ember_vm_compat_ioctl(struct file *filp, unsigned int ioctl,
				  unsigned long arg)
{
	struct ember_vm *vm = filp->private_data;
	struct compat_kvm_dirty_log clog;
	struct kvm_dirty_log log;

	/* A 32-bit pointer argument reaches here zero-extended already. */
	if (ioctl != KVM_GET_DIRTY_LOG)
		return ember_vm_ioctl(filp, ioctl, arg);
	if (vm->mm != current->mm)
		return -EIO;
	if (copy_from_user(&clog, compat_ptr(arg), sizeof(clog)))
		return -EFAULT;
	log.slot = clog.slot;
	log.padding1 = clog.padding1;
	log.dirty_bitmap = compat_ptr(clog.dirty_bitmap);
	return vm_get_dirty_log(vm, &log);
}
#endif

static const struct file_operations ember_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= ember_vm_release,
	.unlocked_ioctl	= ember_vm_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl	= ember_vm_compat_ioctl,
#endif
	.llseek		= noop_llseek,
};

/* KVM_CREATE_VM: returns the new VM's fd or -errno. */
int ember_vm_create(unsigned long type)
{
	struct ember_vm *vm;
	struct file *file;
	int fd, r;

	if (type != 0)		/* only KVM_X86_DEFAULT_VM */
		return -EINVAL;

	vm = kvzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto out_free_vm;
	r = ember_memslots_init(vm);
	if (r)
		goto out_cleanup_srcu;
	r = ember_irq_init(vm);
	if (r)
		goto out_free_memslots;

	r = ember_virt_get();
	if (r)
		goto out_irq_destroy;

	r = ember_arch_vm_init(vm);
	if (r)
		goto out_virt_put;

	mmgrab(current->mm);
	vm->mm = current->mm;
	r = ember_mmu_notifier_register(vm);
	if (r)
		goto out_drop_mm;

	/* The fd number names the debugfs directory, so install it last. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto out_unregister;
	}
	file = anon_inode_getfile("ember-vm", &ember_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto out_unregister;
	}
	ember_debugfs_vm_create(vm, fd);
	fd_install(fd, file);
	return fd;

out_unregister:
	ember_mmu_notifier_unregister(vm);
out_drop_mm:
	mmdrop(vm->mm);
	ember_arch_vm_destroy(vm);
out_virt_put:
	ember_virt_put();
out_irq_destroy:
	ember_irq_destroy(vm);
out_free_memslots:
	ember_memslots_free(vm);
out_cleanup_srcu:
	cleanup_srcu_struct(&vm->srcu);
out_free_vm:
	kvfree(vm);
	return r;
}
