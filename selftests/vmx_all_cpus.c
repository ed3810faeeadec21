// SPDX-License-Identifier: GPL-2.0
/*
 * While ember holds VMX (a VM exists), every online CPU is in VMX operation
 * with CR4.VMXE set, read from the register on that CPU; when the last VM is
 * gone, none is.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test_util.h"

int main(void)
{
	int fd, vm1, vm2, n = online_cpus();

	ksft_plan("vmx_all_cpus", 4);
	fd = open_dev_or_skip(EMBER_DEV);

	TEST_ASSERT(ember_vm_count() == 0, "VMs exist before the test");
	TEST_ASSERT(ember_cpus_with(HOLDER_NONE) == n,
		    "%d of %d CPUs out of VMX before any VM",
		    ember_cpus_with(HOLDER_NONE), n);
	ksft_pass("no CPU is in VMX operation while no VM exists (%d CPUs)", n);

	vm1 = ioctl(fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm1 >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	TEST_ASSERT(ember_cpus_with(HOLDER_EMBER) == n,
		    "only %d of %d CPUs in VMX operation",
		    ember_cpus_with(HOLDER_EMBER), n);
	TEST_ASSERT(ember_vm_count() == 1, "vms = %d", ember_vm_count());
	ksft_pass("the first VM puts all %d CPUs in VMX operation", n);

	vm2 = ioctl(fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm2 >= 0, "second KVM_CREATE_VM: %s", strerror(errno));
	TEST_ASSERT(ember_vm_count() == 2, "vms = %d", ember_vm_count());
	close(vm1);
	TEST_ASSERT(ember_cpus_with(HOLDER_EMBER) == n,
		    "a VM is left but only %d CPUs hold VMX",
		    ember_cpus_with(HOLDER_EMBER));
	ksft_pass("VMX stays on while any VM is left");

	close(vm2);
	TEST_ASSERT(ember_vm_count() == 0, "vms = %d", ember_vm_count());
	TEST_ASSERT(ember_cpus_with(HOLDER_NONE) == n,
		    "%d CPUs still in VMX operation after the last VM",
		    n - ember_cpus_with(HOLDER_NONE));
	close(fd);
	ksft_pass("the last VM's close takes every CPU out of VMX operation");
	return ksft_done();
}
