// SPDX-License-Identifier: GPL-2.0
/*
 * Unload and load ember 20 times in a row, with a VM created and destroyed
 * in every round, and check that an open VM keeps the module loaded.  The
 * harness checks the kernel log afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "test_util.h"

#define ROUNDS 20

int main(void)
{
	int i, fd, vm;

	ksft_plan("module_reload", 3);
	TEST_ASSERT(ember_module_loaded() || !test_strict(),
		    "ember is not loaded");
	if (!ember_module_loaded())
		ksft_skip_all("ember is not loaded");

	fd = open_dev_or_skip(EMBER_DEV);
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	close(fd);
	TEST_ASSERT_ERRNO(ember_module_unload(), EWOULDBLOCK);
	close(vm);
	ksft_pass("ember cannot be unloaded while a VM fd is open");

	for (i = 0; i < ROUNDS; i++) {
		TEST_ASSERT(ember_module_unload() == 0, "round %d: unload: %s",
			    i, strerror(errno));
		TEST_ASSERT(access(EMBER_DEV, F_OK) != 0,
			    "round %d: %s outlived the module", i, EMBER_DEV);
		TEST_ASSERT(ember_module_load() == 0, "round %d: load: %s", i,
			    strerror(errno));
		fd = open(EMBER_DEV, O_RDWR | O_CLOEXEC);
		TEST_ASSERT(fd >= 0, "round %d: open: %s", i, strerror(errno));
		TEST_ASSERT(ioctl(fd, KVM_GET_API_VERSION, 0) == 12,
			    "round %d: API version", i);
		vm = ioctl(fd, KVM_CREATE_VM, 0);
		TEST_ASSERT(vm >= 0, "round %d: KVM_CREATE_VM: %s", i,
			    strerror(errno));
		TEST_ASSERT(ember_cpus_with(HOLDER_EMBER) == online_cpus(),
			    "round %d: VMX not on in every CPU", i);
		close(vm);
		close(fd);
	}
	ksft_pass("%d rounds of unload, load, create and destroy a VM", ROUNDS);

	TEST_ASSERT(ember_cpus_with(HOLDER_NONE) == online_cpus(),
		    "VMX left on after the rounds");
	ksft_pass("no CPU is left in VMX operation");
	return ksft_done();
}
