// SPDX-License-Identifier: GPL-2.0
/*
 * vmrun: the userspace VMM for ember (and KVM).
 *
 * This first version only probes the hypervisor: it opens the device, checks
 * the API version, creates a VM and, while the VM exists, shows the state of
 * VMX in every CPU as ember reports it.  Loading and running guest images
 * comes once ember runs vCPUs; until then an IMAGE argument is refused with
 * a message saying so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/ember.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define DEFAULT_DEVICE EMBER_DEVICE_PATH
#define EMBER_CPUS "/sys/kernel/debug/ember/cpus"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vmrun [--device PATH] --probe\n"
		"  --device PATH  hypervisor device (default " DEFAULT_DEVICE
		"; /dev/kvm works too)\n"
		"  --probe        check the device, create a VM and show VMX in every CPU\n"
		"  --help         this text\n");
}

static int open_device(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT && !strcmp(path, DEFAULT_DEVICE))
		fprintf(stderr, "vmrun: %s: no such device: load ember first (insmod ember.ko)\n",
			path);
	else
		fprintf(stderr, "vmrun: %s: %s\n", path, strerror(errno));
	return -1;
}

static void show_file(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("  %s", line);
	fclose(f);
}

static int probe(const char *path)
{
	int fd, vm, version;

	fd = open_device(path);
	if (fd < 0)
		return 1;
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "vmrun: %s: API version %d, expected %d\n",
			path, version, KVM_API_VERSION);
		return 1;
	}
	printf("%s: KVM API version %d\n", path, version);

	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fprintf(stderr, "vmrun: %s: KVM_CREATE_VM: %s\n", path,
			strerror(errno));
		return 1;
	}
	printf("created a VM (fd %d); VMX in each CPU while it exists:\n", vm);
	if (access(EMBER_CPUS, R_OK) == 0)
		show_file(EMBER_CPUS);
	else
		printf("  (no %s: not ember, or debugfs not mounted)\n",
		       EMBER_CPUS);
	close(vm);
	printf("destroyed the VM; VMX in each CPU now:\n");
	if (access(EMBER_CPUS, R_OK) == 0)
		show_file(EMBER_CPUS);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "probe", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = DEFAULT_DEVICE;
	int do_probe = 0, c;

	while ((c = getopt_long(argc, argv, "d:ph", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'p':
			do_probe = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmrun: %s: running guest images is not implemented yet (ember has no vCPUs yet); try --probe\n",
			argv[optind]);
		return 2;
	}
	if (!do_probe) {
		usage(stderr);
		return 2;
	}
	return probe(device);
}
