// SPDX-License-Identifier: GPL-2.0
/*
 * The system ioctls of /dev/ember against the KVM ABI: KVM_GET_API_VERSION,
 * KVM_CHECK_EXTENSION, KVM_CREATE_VM's argument check, unknown ioctls, VM
 * fds used from another process, and more than one open of the device.
 * Where /dev/kvm is present, each errno is compared with KVM's; under
 * EMBER_TEST_STRICT (make check) it must be present.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

/* An ioctl with a type that is not KVM's (KVMIO is 0xAE). */
#define FOREIGN_IOCTL	_IO('x', 0x42)
/* A KVMIO system ioctl number that no KVM defines. */
#define UNKNOWN_KVM_IOCTL	_IO(KVMIO, 0xfe)

static int kvm_fd = -1;

/* What KVM answers to @ioctl(arg): -errno, or the return value. */
static long kvm_answer(unsigned long ioctl_nr, unsigned long arg)
{
	long r = ioctl(kvm_fd, ioctl_nr, arg);

	return r < 0 ? -errno : r;
}

static void expect_same_as_kvm(int fd, unsigned long ioctl_nr,
			       unsigned long arg, const char *what)
{
	long r = ioctl(fd, ioctl_nr, arg), k;

	r = r < 0 ? -errno : r;
	if (kvm_fd < 0)
		return;
	k = kvm_answer(ioctl_nr, arg);
	TEST_ASSERT(r == k, "%s: ember answers %ld, KVM %ld", what, r, k);
}

int main(void)
{
	int fd, fd2, vm, status;
	unsigned long cap;
	pid_t pid;

	ksft_plan("dev_ioctls", 8);
	fd = open_dev_or_skip(EMBER_DEV);
	if (kvm_available() || test_strict()) {
		kvm_fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
		TEST_ASSERT(kvm_fd >= 0, "open %s: %s: nothing to compare with",
			    KVM_DEV, strerror(errno));
	}

	TEST_ASSERT(ioctl(fd, KVM_GET_API_VERSION, 0) == 12,
		    "KVM_GET_API_VERSION: %s", strerror(errno));
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_GET_API_VERSION, 1), EINVAL);
	expect_same_as_kvm(fd, KVM_GET_API_VERSION, 0, "API version");
	expect_same_as_kvm(fd, KVM_GET_API_VERSION, 1, "API version, arg 1");
	ksft_pass("KVM_GET_API_VERSION is 12; a non-zero argument is EINVAL");

	/*
	 * ember claims a capability only where it implements it: every
	 * capability it claims, KVM claims too (where /dev/kvm is here to
	 * ask), and an unknown one is 0.
	 */
	for (cap = 0; cap < 256; cap++) {
		long r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

		TEST_ASSERT(r >= 0, "KVM_CHECK_EXTENSION(%lu): %s", cap,
			    strerror(errno));
		if (r > 0 && kvm_fd >= 0)
			TEST_ASSERT(kvm_answer(KVM_CHECK_EXTENSION, cap) > 0,
				    "ember claims capability %lu, KVM does not",
				    cap);
	}
	TEST_ASSERT(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) == 1,
		    "KVM_CAP_USER_MEMORY not claimed");
	TEST_ASSERT(ioctl(fd, KVM_CHECK_EXTENSION, ~0ul) == 0, "cap ~0");
	expect_same_as_kvm(fd, KVM_CHECK_EXTENSION, ~0ul, "unknown cap");
	ksft_pass("KVM_CHECK_EXTENSION claims only what KVM has too");

	TEST_ASSERT_ERRNO(ioctl(fd, FOREIGN_IOCTL, 0), ENOTTY);
	TEST_ASSERT_ERRNO(ioctl(fd, _IOR('T', 0x1, int), 0), ENOTTY);
	/* KVM answers a KVMIO system ioctl it lacks with EINVAL. */
	TEST_ASSERT_ERRNO(ioctl(fd, UNKNOWN_KVM_IOCTL, 0), EINVAL);
	expect_same_as_kvm(fd, UNKNOWN_KVM_IOCTL, 0, "unknown KVMIO ioctl");
	ksft_pass("an unknown ioctl is ENOTTY, an unknown KVM ioctl EINVAL");

	TEST_ASSERT_ERRNO(ioctl(fd, KVM_CREATE_VM, 1), EINVAL);
	TEST_ASSERT_ERRNO(ioctl(fd, KVM_CREATE_VM, ~0ul), EINVAL);
	expect_same_as_kvm(fd, KVM_CREATE_VM, 1, "VM type 1");
	ksft_pass("KVM_CREATE_VM rejects unknown VM types with EINVAL");

	fd2 = open(EMBER_DEV, O_RDWR | O_CLOEXEC);
	TEST_ASSERT(fd2 >= 0, "second open: %s", strerror(errno));
	TEST_ASSERT(ioctl(fd2, KVM_GET_API_VERSION, 0) == 12, "fd2");
	TEST_ASSERT(ioctl(fd, KVM_GET_API_VERSION, 0) == 12, "fd1");
	close(fd2);
	TEST_ASSERT(ioctl(fd, KVM_GET_API_VERSION, 0) == 12, "fd1 after");
	ksft_pass("a second open of /dev/ember works beside the first");

	vm = ioctl(fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	TEST_ASSERT(fcntl(vm, F_GETFD) & FD_CLOEXEC, "VM fd is not O_CLOEXEC");
	TEST_ASSERT_ERRNO(ioctl(vm, FOREIGN_IOCTL, 0), ENOTTY);
	ksft_pass("KVM_CREATE_VM returns a close-on-exec VM fd");

	/* VM ioctls belong to the creating address space (KVM: -EIO). */
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		long r = ioctl(vm, FOREIGN_IOCTL, 0);

		_exit(r == -1 && errno == EIO ? 0 : 1);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "a VM ioctl from a child process did not fail with EIO");
	ksft_pass("a VM fd used by another process fails with EIO");

	close(vm);
	close(fd);
	/* The VM is gone once its fd is closed. */
	TEST_ASSERT(ember_vm_count() == 0, "%d VMs left", ember_vm_count());
	ksft_pass("closing the VM fd destroys the VM");
	return ksft_done();
}
