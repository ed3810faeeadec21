// SPDX-License-Identifier: GPL-2.0
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ember.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* Where KVM on Intel keeps the real-mode TSS and identity page table it
 * needs without unrestricted guest: three pages below the BIOS. */
#define TSS_ADDR	0xfffbd000ULL

static int open_device(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT && !strcmp(path, EMBER_DEVICE_PATH))
		die("%s: no such device: ember is not loaded (load it with 'insmod ember.ko', or use --device /dev/kvm)",
		    path);
	if (errno == ENOENT)
		die("%s: no such device (is its module loaded?)", path);
	die("%s: %s", path, strerror(errno));
}

void vm_open(struct vm *vm, const char *device)
{
	int version;

	vm->device = device;
	vm->sys_fd = open_device(device);
	version = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		die("%s: KVM API version %d, expected %d", device, version,
		    KVM_API_VERSION);
	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("%s: KVM_CREATE_VM: %s", device, strerror(errno));
	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run))
		die("%s: KVM_GET_VCPU_MMAP_SIZE: %s", device,
		    vm->run_size < 0 ? strerror(errno) : "too small");
	/* Only KVM on Intel without unrestricted guest needs it; others
	 * accept it or say it is not there, both fine. */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		verbose("%s: KVM_SET_TSS_ADDR: %s (ignored)", device,
			strerror(errno));

	vm->pio.kind = "port";
	vm->mmio.kind = "MMIO";
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->wake, NULL);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0)
		die("eventfd: %s", strerror(errno));
}

void vm_alloc_memory(struct vm *vm, uint64_t size)
{
	vm->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("cannot map %llu MiB of guest memory: %s",
		    (unsigned long long)size >> 20, strerror(errno));
	vm->mem_size = size;
}

void vm_map_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("%s: KVM_SET_USER_MEMORY_REGION: %s", vm->device,
		    strerror(errno));
}

void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

void vm_stop(struct vm *vm, int status)
{
	bool was = false;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->stop_claimed, &was, true))
		return;
	/* Whoever sees stopping sees the status. */
	vm->stop_status = status;
	atomic_store(&vm->stopping, true);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		_exit(status);
}

void vm_reset(struct vm *vm, const char *how)
{
	verbose("the guest reset the machine (%s): stopping", how);
	vm_stop(vm, 0);
}

void vm_lock(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
}

void vm_unlock(struct vm *vm)
{
	pthread_mutex_unlock(&vm->lock);
}
