// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "test_util.h"

static const char *test_name = "?";
static int ksft_planned, ksft_count;

void test_assert_fail(const char *file, int line, const char *cond,
		      const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: assertion failed: %s\n# ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	printf("not ok %d %s\n", ksft_count + 1, test_name);
	exit(KSFT_FAIL);
}

const char *strerrorname(int err)
{
	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case E2BIG: return "E2BIG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerror(err);
	}
}

void ksft_plan(const char *name, int n)
{
	test_name = name;
	ksft_planned = n;
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

void ksft_pass(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d ", ++ksft_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void ksft_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ksft_count + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(KSFT_SKIP);
}

int ksft_done(void)
{
	TEST_ASSERT(ksft_count == ksft_planned, "ran %d of %d planned subtests",
		    ksft_count, ksft_planned);
	return KSFT_PASS;
}

int open_dev_or_skip(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		ksft_skip_all("%s does not exist", path);
	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

const char *read_text(const char *path)
{
	static char buf[16384];
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return NULL;
	buf[len] = '\0';
	return buf;
}

int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

enum vmx_holder ember_cpu_holder(int cpu)
{
	const char *text = read_text(EMBER_DEBUGFS "/cpus");
	char key[32];
	const char *line, *h;

	TEST_ASSERT(text, "cannot read %s/cpus: %s", EMBER_DEBUGFS,
		    strerror(errno));
	snprintf(key, sizeof(key), "cpu%d ", cpu);
	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, strlen(key)))
			continue;
		h = strstr(line, "holder=");
		TEST_ASSERT(h, "no holder= in '%.60s'", line);
		h += strlen("holder=");
		/* vmxon= and cr4.vmxe= must agree with the holder. */
		if (!strncmp(h, "ember", 5)) {
			TEST_ASSERT(strstr(line, "vmxon=1 cr4.vmxe=1") &&
				    strstr(line, "vmxon=1") < h,
				    "inconsistent: %.60s", line);
			return HOLDER_EMBER;
		}
		if (!strncmp(h, "other", 5))
			return HOLDER_OTHER;
		TEST_ASSERT(strstr(line, "vmxon=0 cr4.vmxe=0"),
			    "inconsistent: %.60s", line);
		return HOLDER_NONE;
	}
	return HOLDER_ABSENT;
}

int ember_cpus_with(enum vmx_holder holder)
{
	int cpu, n = 0, max = (int)sysconf(_SC_NPROCESSORS_CONF);

	for (cpu = 0; cpu < max; cpu++)
		if (ember_cpu_holder(cpu) == holder)
			n++;
	return n;
}

int ember_vm_count(void)
{
	const char *text = read_text(EMBER_DEBUGFS "/vms");

	TEST_ASSERT(text, "cannot read %s/vms", EMBER_DEBUGFS);
	return atoi(text);
}

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static int load_module_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return r;
}

int ember_module_load(void)
{
	const char *ko = getenv("EMBER_KO");

	TEST_ASSERT(ko, "EMBER_KO is not set: where is ember.ko?");
	return load_module_file(ko);
}

int ember_module_unload(void)
{
	return (int)syscall(SYS_delete_module, "ember", O_NONBLOCK);
}

bool ember_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/ember", &st) == 0;
}

bool kvm_available(void)
{
	return access(KVM_DEV, R_OK | W_OK) == 0;
}
