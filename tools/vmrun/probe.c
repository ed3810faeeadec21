// SPDX-License-Identifier: GPL-2.0
/*
 * vmrun --probe: open the device, check the API version, create a VM and,
 * while it exists, show the state of VMX in every CPU as ember reports it.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probe.h"
#include "util.h"
#include "vm.h"

#define EMBER_CPUS "/sys/kernel/debug/ember/cpus"

static void show_file(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("  (no %s: not ember, or debugfs not mounted)\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f))
		printf("  %s", line);
	fclose(f);
}

int probe(const char *device)
{
	struct vm vm = { 0 };

	vm_open(&vm, device);
	printf("%s: KVM API version %d\n", device, KVM_API_VERSION);
	printf("created a VM (fd %d); VMX in each CPU while it exists:\n",
	       vm.fd);
	show_file(EMBER_CPUS);
	close(vm.fd);
	printf("destroyed the VM; VMX in each CPU now:\n");
	show_file(EMBER_CPUS);
	return 0;
}
