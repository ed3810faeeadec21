// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only state for people and tests, in /sys/kernel/debug/ember/:
 *   capabilities  the VMX features found at load
 *   cpus          per online CPU: in VMX operation, and held by whom
 *   mitigations   what the world switch does against transient-execution
 *                 attacks, as the host kernel chose it
 *   vms           how many VMs hold VMX on
 *   <pid>-<fd>/   one per VM, named as KVM names its own: pages_4k and
 *                 pages_2m, the guest memory EPT maps at each size
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "ember.h"
#include "arch.h"

static struct dentry *ember_debugfs_dir;

static int capabilities_show(struct seq_file *m, void *unused)
{
	ember_arch_show_caps(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(capabilities);

static int cpus_show(struct seq_file *m, void *unused)
{
	ember_arch_show_cpus(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

static int mitigations_show(struct seq_file *m, void *unused)
{
	ember_arch_show_mitigations(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mitigations);

static int vms_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%u\n", ember_virt_users());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vms);

/*
 * A VM's files hold a reference on it while open, as KVM's do, so that
 * a VM destroyed meanwhile is freed only at the file's release.
 */
static int vm_stat_release(struct inode *inode, struct file *file)
{
	struct ember_vm *vm = inode->i_private;

	single_release(inode, file);
	ember_vm_put(vm);
	return 0;
}

static int pages_4k_show(struct seq_file *m, void *unused)
{
	struct ember_vm *vm = m->private;

	spin_lock(&vm->mmu_lock);
	seq_printf(m, "%lu\n", vm->stats.pages_4k);
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static int pages_2m_show(struct seq_file *m, void *unused)
{
	struct ember_vm *vm = m->private;

	spin_lock(&vm->mmu_lock);
	seq_printf(m, "%lu\n", vm->stats.pages_2m);
	spin_unlock(&vm->mmu_lock);
	return 0;
}

#define VM_STAT_FOPS(name)						\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	struct ember_vm *vm = inode->i_private;				\
	int r;								\
									\
	if (!kref_get_unless_zero(&vm->ref))				\
		return -ENOENT;						\
	r = single_open(file, name##_show, vm);				\
	if (r)								\
		ember_vm_put(vm);					\
	return r;							\
}									\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.open = name##_open,						\
	.read = seq_read,						\
	.llseek = seq_lseek,						\
	.release = vm_stat_release,					\
}

VM_STAT_FOPS(pages_4k);
VM_STAT_FOPS(pages_2m);

void ember_debugfs_vm_create(struct ember_vm *vm, int fd)
{
	char name[32];

	snprintf(name, sizeof(name), "%d-%d", task_pid_nr(current), fd);
	vm->debugfs_dir = debugfs_create_dir(name, ember_debugfs_dir);
	debugfs_create_file("pages_4k", 0444, vm->debugfs_dir, vm,
			    &pages_4k_fops);
	debugfs_create_file("pages_2m", 0444, vm->debugfs_dir, vm,
			    &pages_2m_fops);
}

void ember_debugfs_vm_destroy(struct ember_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs_dir);
}

/* debugfs is a convenience: ember works without it, so errors are ignored. */
void ember_debugfs_init(void)
{
	ember_debugfs_dir = debugfs_create_dir("ember", NULL);
	debugfs_create_file("capabilities", 0444, ember_debugfs_dir, NULL,
			    &capabilities_fops);
	debugfs_create_file("cpus", 0444, ember_debugfs_dir, NULL, &cpus_fops);
	debugfs_create_file("mitigations", 0444, ember_debugfs_dir, NULL,
			    &mitigations_fops);
	debugfs_create_file("vms", 0444, ember_debugfs_dir, NULL, &vms_fops);
}

void ember_debugfs_exit(void)
{
	debugfs_remove_recursive(ember_debugfs_dir);
}
