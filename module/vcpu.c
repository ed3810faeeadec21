// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects and their file descriptors: creation, the kvm_run mmap,
 * the ioctls every architecture has (KVM_RUN), and keeping the vCPU's
 * hardware state loaded across preemption (preempt notifiers).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ember.h"
#include "arch.h"

static inline struct ember_vcpu *preempt_notifier_to_vcpu(
	struct preempt_notifier *pn)
{
	return container_of(pn, struct ember_vcpu, preempt_notifier);
}

static void vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	ember_arch_vcpu_load(preempt_notifier_to_vcpu(pn), cpu);
}

static void vcpu_sched_out(struct preempt_notifier *pn,
			   struct task_struct *next)
{
	ember_arch_vcpu_put(preempt_notifier_to_vcpu(pn));
}

static struct preempt_ops vcpu_preempt_ops = {
	.sched_in = vcpu_sched_in,
	.sched_out = vcpu_sched_out,
};

/*
 * Make this thread's CPU the vCPU's until vcpu_put(): the VMCS is current
 * here, and a preemption saves and restores it through the notifiers.
 */
static void vcpu_load(struct ember_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	ember_arch_vcpu_load(vcpu, cpu);
	put_cpu();
}

static void vcpu_put(struct ember_vcpu *vcpu)
{
	preempt_disable();
	ember_arch_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static int vcpu_release(struct inode *inode, struct file *filp)
{
	struct ember_vcpu *vcpu = filp->private_data;

	/* The vCPU itself lives as long as its VM: see ember_arch_vm_destroy. */
	ember_vm_put(vcpu->vm);
	return 0;
}

static vm_fault_t vcpu_mmap_fault(struct vm_fault *vmf)
{
	struct ember_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == EMBER_PIO_PAGE_OFFSET)
		page = virt_to_page(ember_arch_vcpu_pio_page(vcpu));
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vcpu_vm_ops = {
	.fault = vcpu_mmap_fault,
};

static int vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &vcpu_vm_ops;
	return 0;
}

static long vcpu_run(struct ember_vcpu *vcpu, unsigned long arg)
{
	long r;

	if (arg)
		return -EINVAL;
	vcpu_load(vcpu);
	r = ember_arch_vcpu_run(vcpu);
	vcpu_put(vcpu);
	return r;
}

static long vcpu_ioctl(struct file *filp, unsigned int ioctl,
		       unsigned long arg)
{
	struct ember_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (_IOC_TYPE(ioctl) != KVMIO)
		return -EINVAL;		/* as KVM */
	/* VMX is off in every CPU for good: no VMCS can be touched. */
	if (ember_virt_rebooting())
		return -EIO;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	if (ioctl == KVM_RUN) {
		r = vcpu_run(vcpu, arg);
	} else {
		vcpu_load(vcpu);
		r = ember_arch_vcpu_ioctl(vcpu, ioctl, (void __user *)arg);
		vcpu_put(vcpu);
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= vcpu_release,
	.unlocked_ioctl	= vcpu_ioctl,
	.compat_ioctl	= vcpu_ioctl,
	.mmap		= vcpu_mmap,
	.llseek		= noop_llseek,
};

/* KVM_CREATE_VCPU: returns the vCPU's fd or -errno (KVM's). */
int ember_vcpu_create(struct ember_vm *vm, unsigned long id)
{
	struct ember_vcpu *vcpu;
	int fd, i, r;

	if (id >= EMBER_MAX_VCPU_ID)
		return -EINVAL;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run) {
		r = -ENOMEM;
		goto out_free_vcpu;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->mode = OUTSIDE_GUEST_MODE;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	preempt_notifier_init(&vcpu->preempt_notifier, &vcpu_preempt_ops);

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= EMBER_MAX_VCPUS) {
		r = -EINVAL;
		goto out_unlock;
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i]->id == id) {
			r = -EEXIST;
			goto out_unlock;
		}
	}

	r = ember_arch_vcpu_create(vcpu);
	if (r)
		goto out_unlock;

	/* The fd's reference on the VM; taken before the fd exists. */
	kref_get(&vm->ref);
	fd = anon_inode_getfd("ember-vcpu", &vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto out_put_vm;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* Published whole to ember_make_all_vcpus_request(). */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	return fd;

out_put_vm:
	refcount_dec(&vm->ref.refcount);	/* not the last: the VM fd has one */
	ember_arch_vcpu_free(vcpu);
out_unlock:
	mutex_unlock(&vm->lock);
	free_page((unsigned long)vcpu->run);
out_free_vcpu:
	kfree(vcpu);
	return r;
}

/* Called when the VM is destroyed: every vCPU fd is closed by then. */
void ember_vcpus_free(struct ember_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct ember_vcpu *vcpu = vm->vcpus[i];

		ember_arch_vcpu_free(vcpu);
		free_page((unsigned long)vcpu->run);
		kfree(vcpu);
	}
	vm->nr_vcpus = 0;
}
