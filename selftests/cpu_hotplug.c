// SPDX-License-Identifier: GPL-2.0
/*
 * CPU 1 goes offline and comes back while ember holds VMX: it leaves VMX
 * operation going down and enters it coming up.  Also with no VM, and with a
 * VM created while CPU 1 is offline.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test_util.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static void set_cpu1(int online)
{
	TEST_ASSERT(write_text(CPU1_ONLINE, online ? "1" : "0") == 0,
		    "cannot set cpu1 online=%d: %s", online, strerror(errno));
}

int main(void)
{
	int fd, vm;

	ksft_plan("cpu_hotplug", 4);
	if (online_cpus() < 2 || access(CPU1_ONLINE, W_OK))
		ksft_skip_all("needs CPU 1, and CPU 1 hot-pluggable");
	fd = open_dev_or_skip(EMBER_DEV);

	set_cpu1(0);
	set_cpu1(1);
	TEST_ASSERT(ember_cpu_holder(1) == HOLDER_NONE,
		    "cpu1 entered VMX with no VM");
	ksft_pass("with no VM, a CPU coming online stays out of VMX");

	vm = ioctl(fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	TEST_ASSERT(ember_cpu_holder(1) == HOLDER_EMBER, "cpu1 not in VMX");
	set_cpu1(0);
	TEST_ASSERT(ember_cpu_holder(1) == HOLDER_ABSENT, "cpu1 still listed");
	TEST_ASSERT(ember_cpu_holder(0) == HOLDER_EMBER, "cpu0 left VMX");
	set_cpu1(1);
	TEST_ASSERT(ember_cpu_holder(1) == HOLDER_EMBER,
		    "cpu1 came back online without VMX");
	ksft_pass("CPU 1 leaves VMX going offline and re-enters it online");

	set_cpu1(0);
	set_cpu1(1);
	set_cpu1(0);
	set_cpu1(1);
	TEST_ASSERT(ember_cpus_with(HOLDER_EMBER) == online_cpus(),
		    "after repeated hotplug, %d CPUs in VMX",
		    ember_cpus_with(HOLDER_EMBER));
	close(vm);
	TEST_ASSERT(ember_cpus_with(HOLDER_NONE) == online_cpus(),
		    "VMX left on after the VM");
	ksft_pass("repeated offline/online keeps every CPU in VMX");

	set_cpu1(0);
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM with cpu1 offline: %s",
		    strerror(errno));
	TEST_ASSERT(ember_cpu_holder(0) == HOLDER_EMBER, "cpu0 not in VMX");
	set_cpu1(1);
	TEST_ASSERT(ember_cpu_holder(1) == HOLDER_EMBER,
		    "cpu1 onlined after VM creation is not in VMX");
	close(vm);
	TEST_ASSERT(ember_cpus_with(HOLDER_NONE) == online_cpus(),
		    "VMX left on after the VM");
	close(fd);
	ksft_pass("a CPU onlined after the VM was created enters VMX");
	return ksft_done();
}
