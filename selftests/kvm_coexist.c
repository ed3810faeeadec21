// SPDX-License-Identifier: GPL-2.0
/*
 * ember and kvm_intel loaded together: whichever has a VM holds VMX, and the
 * other one's KVM_CREATE_VM fails with EBUSY and touches no CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test_util.h"

int main(void)
{
	int ember, kvm, kvm_vm, ember_vm, n = online_cpus();

	ksft_plan("kvm_coexist", 4);
	ember = open_dev_or_skip(EMBER_DEV);
	kvm = open_dev_or_skip(KVM_DEV);

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(kvm_vm >= 0, "KVM's KVM_CREATE_VM: %s", strerror(errno));
	TEST_ASSERT(ember_cpus_with(HOLDER_OTHER) == n,
		    "KVM holds VMX on %d of %d CPUs",
		    ember_cpus_with(HOLDER_OTHER), n);
	TEST_ASSERT_ERRNO(ioctl(ember, KVM_CREATE_VM, 0), EBUSY);
	TEST_ASSERT(ember_cpus_with(HOLDER_OTHER) == n,
		    "ember's failed KVM_CREATE_VM changed a CPU");
	TEST_ASSERT(ember_vm_count() == 0, "vms = %d", ember_vm_count());
	ksft_pass("while KVM has a VM, ember's KVM_CREATE_VM is EBUSY");

	close(kvm_vm);
	ember_vm = ioctl(ember, KVM_CREATE_VM, 0);
	TEST_ASSERT(ember_vm >= 0, "ember's KVM_CREATE_VM after KVM let go: %s",
		    strerror(errno));
	TEST_ASSERT(ember_cpus_with(HOLDER_EMBER) == n, "ember holds %d CPUs",
		    ember_cpus_with(HOLDER_EMBER));
	ksft_pass("once KVM's VM is gone, ember takes VMX");

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(kvm_vm < 0, "KVM created a VM while ember holds VMX");
	TEST_ASSERT(errno == EBUSY, "KVM failed with %s, not EBUSY",
		    strerrorname(errno));
	TEST_ASSERT(ember_cpus_with(HOLDER_EMBER) == n,
		    "KVM's failed attempt changed a CPU");
	ksft_pass("while ember has a VM, KVM's KVM_CREATE_VM is EBUSY");

	close(ember_vm);
	TEST_ASSERT(ember_cpus_with(HOLDER_NONE) == n, "VMX left on");
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(kvm_vm >= 0, "KVM after ember let go: %s", strerror(errno));
	close(kvm_vm);
	close(kvm);
	close(ember);
	ksft_pass("once ember's VM is gone, KVM creates VMs again");
	return ksft_done();
}
