// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only state for people and tests, in /sys/kernel/debug/ember/:
 *   capabilities  the VMX features found at load
 *   cpus          per online CPU: in VMX operation, and held by whom
 *   vms           how many VMs hold VMX on
 */
#include <linux/debugfs.h>
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

static int vms_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%u\n", ember_virt_users());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vms);

/* debugfs is a convenience: ember works without it, so errors are ignored. */
void ember_debugfs_init(void)
{
	ember_debugfs_dir = debugfs_create_dir("ember", NULL);
	debugfs_create_file("capabilities", 0444, ember_debugfs_dir, NULL,
			    &capabilities_fops);
	debugfs_create_file("cpus", 0444, ember_debugfs_dir, NULL, &cpus_fops);
	debugfs_create_file("vms", 0444, ember_debugfs_dir, NULL, &vms_fops);
}

void ember_debugfs_exit(void)
{
	debugfs_remove_recursive(ember_debugfs_dir);
}
