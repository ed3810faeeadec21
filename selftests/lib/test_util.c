// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

#define MAX_DEVS	4
#define REC_SIZE	(256 << 10)

/* What a device's child process hands back to the parent. */
struct dev_result {
	int done;		/* subtests reported (ok, not ok or skip) */
	int nskip;		/* of which skipped */
	int skipped;		/* dev_skip() was called */
	size_t rec_len;
	char rec[REC_SIZE];
};

static const char *test_name = "?";
static int ksft_planned, ksft_count_local;
static int *ksft_count = &ksft_count_local;
static struct dev_result *dev_res;	/* this child's, shared with parent */
static int dev_first_sub;		/* ksft number before this device */
struct test_dev *cur_dev;
void (*test_assert_hook)(void);

void test_assert_fail(const char *file, int line, const char *cond,
		      const char *fmt, ...)
{
	void (*hook)(void) = test_assert_hook;
	va_list ap;

	test_assert_hook = NULL;	/* an assertion inside the hook */
	fflush(stdout);
	fprintf(stderr, "# %s:%d: assertion failed: %s\n# ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (hook)
		hook();
	fflush(stderr);
	if (cur_dev)
		printf("not ok %d %s: %s:%d: %s\n", ++*ksft_count,
		       cur_dev->name, file, line, cond);
	else
		printf("not ok %d %s\n", *ksft_count + 1, test_name);
	fflush(stdout);
	if (dev_res)
		dev_res->done = *ksft_count - dev_first_sub;
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
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	case ENXIO: return "ENXIO";
	case ERANGE: return "ERANGE";
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

/* "ok N [# SKIP ][dev: ]what" */
static void ksft_ok(const char *directive, const char *fmt, va_list ap)
{
	printf("ok %d %s", ++*ksft_count, directive);
	if (cur_dev)
		printf("%s: ", cur_dev->name);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (dev_res) {
		dev_res->done = *ksft_count - dev_first_sub;
		if (*directive)
			dev_res->nskip++;
	}
}

void ksft_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ksft_ok("", fmt, ap);
	va_end(ap);
}

void ksft_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", *ksft_count + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(KSFT_SKIP);
}

int ksft_done(void)
{
	TEST_ASSERT(*ksft_count == ksft_planned, "ran %d of %d planned subtests",
		    *ksft_count, ksft_planned);
	return KSFT_PASS;
}

bool test_strict(void)
{
	const char *s = getenv("EMBER_TEST_STRICT");

	return s && *s && strcmp(s, "0");
}

int open_dev_or_skip(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	TEST_ASSERT(fd >= 0 || errno != ENOENT || !test_strict(),
		    "%s does not exist (EMBER_TEST_STRICT: every device is "
		    "required)", path);
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

/*
 * Differences from KVM that ember means to have (README, "Intended
 * differences from KVM"), by record key, with the value ember must record
 * for it (a glob, fnmatch(3)).  Where ember is compared with a reference,
 * its record of such a key must match that value, whatever the reference
 * says; any other value is a difference.
 *
 * The README's other rows (-ENOTTY for a foreign ioctl, CR4.OSXSAVE/PKE,
 * MMIO during event delivery, the mmap size, the vCPU and slot limits, the
 * CPUID and MSR lists) are keys no test records: dev_ioctls and
 * system_ioctls assert or print them on each device alone.  A test that
 * records one adds its key here.
 */
static const struct {
	const char *key;
	const char *ember;	/* what ember records, a glob */
	const char *why;
} intended_differences[] = {
	/* KVM_SET_SREGS refuses what the hardware would refuse at entry:
	 * KVM accepts and changes the state, ember refuses and keeps it. */
	{ "EFER bit 63", "-EINVAL", "reserved EFER bits are refused" },
	{ "EFER bit 63: then cr0/cr4/efer/apic_base", "unchanged *",
	  "follows from it" },
	{ "EFER bit 1", "-EINVAL", "reserved EFER bits are refused" },
	{ "EFER bit 1: then cr0/cr4/efer/apic_base", "unchanged *",
	  "follows from it" },
	{ "CR4.VMXE without VMX in CPUID", "-EINVAL",
	  "ember has no nested VMX" },
	{ "CR4.VMXE without VMX in CPUID: then cr0/cr4/efer/apic_base",
	  "unchanged *", "follows from it" },
	/* irqchip: the 8259A as its data sheet says, where KVM is not. */
	{ "poll: IR3 masked", "0x0", "8259A poll: bit 7 clear, nothing" },
	{ "poll: nothing pending", "0x0", "8259A poll: bit 7 clear, nothing" },
	{ "poll: IR3 pending", "0x83", "8259A poll: bit 7 and the level" },
	{ "poll: ISR after", "0x8", "8259A poll: the read is the INTA" },
	{ "SMM: ISR after a non-specific EOI", "0x4",
	  "8259A special mask mode: masked levels are not EOI'd" },
	{ NULL, NULL, NULL },
};

/* The value ember must record for @key if it is an intended difference. */
static const char *intended_difference(const char *key, size_t len)
{
	int i;

	for (i = 0; intended_differences[i].key; i++)
		if (strlen(intended_differences[i].key) == len &&
		    !strncmp(intended_differences[i].key, key, len))
			return intended_differences[i].ember;
	return NULL;
}

bool dev_is_kvm(const struct test_dev *dev)
{
	return !strcmp(dev->name, "kvm");
}

bool dev_is_pvm(const struct test_dev *dev)
{
	return dev_is_kvm(dev) && !access("/sys/module/kvm_pvm", F_OK);
}

void ksft_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ksft_ok("# SKIP ", fmt, ap);
	va_end(ap);
}

const char *ret_name(long r)
{
	static char buf[32];

	if (r < 0)
		snprintf(buf, sizeof(buf), "-%s", strerrorname((int)-r));
	else
		snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

void rec(const char *key, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	if (!dev_res)
		return;
	room = REC_SIZE - dev_res->rec_len;
	n = snprintf(dev_res->rec + dev_res->rec_len, room, "%s\t", key);
	TEST_ASSERT(n > 0 && (size_t)n < room, "record buffer full");
	dev_res->rec_len += n;
	room -= n;
	va_start(ap, fmt);
	n = vsnprintf(dev_res->rec + dev_res->rec_len, room, fmt, ap);
	va_end(ap);
	TEST_ASSERT(n >= 0 && (size_t)n + 1 < room, "record buffer full");
	dev_res->rec_len += n;
	dev_res->rec[dev_res->rec_len++] = '\n';
}

long rec_ret(const char *key, long r)
{
	if (r < 0)
		r = -errno;
	rec(key, "%s", ret_name(r));
	return r;
}

void dev_skip(const char *fmt, ...)
{
	va_list ap;

	TEST_ASSERT(dev_res, "dev_skip() outside ksft_run_devices()");
	fflush(stdout);
	printf("ok %d # SKIP %s: ", ++*ksft_count, cur_dev->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	dev_res->done = *ksft_count - dev_first_sub;
	dev_res->nskip++;
	dev_res->skipped = 1;
	exit(KSFT_SKIP);
}

/* Splits the next "key\tvalue\n" record off *@p; false at the end. */
static bool next_rec(const char **p, const char *end, const char **key,
		     size_t *klen, const char **val, size_t *vlen)
{
	const char *tab, *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', end - *p);
	tab = memchr(*p, '\t', end - *p);
	*key = *p;
	*klen = tab - *p;
	*val = tab + 1;
	*vlen = nl - tab - 1;
	*p = nl + 1;
	return true;
}

static bool key_eq(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && !strncmp(a, b, al);
}

/*
 * After a key mismatch: looks up to 64 records ahead on either side for
 * the other side's current key; on success both sides stand on it.
 */
static bool resync(const char **p, const char *pe, const char **q,
		   const char *qe, const char **k1, size_t *kl1,
		   const char **v1, size_t *vl1, const char **k2, size_t *kl2,
		   const char **v2, size_t *vl2)
{
	const char *s, *k, *v;
	size_t kl, vl;
	int i;

	/* Ahead in the second stream for the first's key. */
	for (s = *q, i = 0; i < 64 && next_rec(&s, qe, &k, &kl, &v, &vl);
	     i++) {
		if (key_eq(k, kl, *k1, *kl1)) {
			*q = s, *k2 = k, *kl2 = kl, *v2 = v, *vl2 = vl;
			return true;
		}
	}
	for (s = *p, i = 0; i < 64 && next_rec(&s, pe, &k, &kl, &v, &vl);
	     i++) {
		if (key_eq(k, kl, *k2, *kl2)) {
			*p = s, *k1 = k, *kl1 = kl, *v1 = v, *vl1 = vl;
			return true;
		}
	}
	return false;
}

/* Compares @d's records with @ref's; prints the differences. */
static int compare_records(const struct test_dev *ref_dev,
			   const struct dev_result *ref,
			   const struct test_dev *dev,
			   const struct dev_result *res)
{
	const char *p = ref->rec, *pe = ref->rec + ref->rec_len;
	const char *q = res->rec, *qe = res->rec + res->rec_len;
	const char *k1, *v1, *k2, *v2, *want;
	size_t kl1, vl1, kl2, vl2;
	int diffs = 0, n = 0;
	bool more1, more2;
	char val[256];

	for (;;) {
		more1 = next_rec(&p, pe, &k1, &kl1, &v1, &vl1);
		more2 = next_rec(&q, qe, &k2, &kl2, &v2, &vl2);
		if (!more1 || !more2)
			break;
		n++;
		if (kl1 != kl2 || strncmp(k1, k2, kl1)) {
			printf("# record %d: %s has '%.*s', %s has '%.*s': "
			       "the runs went different ways\n", n,
			       ref_dev->name, (int)kl1, k1, dev->name,
			       (int)kl2, k2);
			diffs++;
			/* Skip records of one side until the keys agree. */
			if (!resync(&p, pe, &q, qe, &k1, &kl1, &v1, &vl1,
				    &k2, &kl2, &v2, &vl2))
				return diffs;
		}
		/* An intended difference: ember's value is the listed one. */
		want = !strcmp(dev->name, "ember") ?
			intended_difference(k1, kl1) : NULL;
		if (want) {
			snprintf(val, sizeof(val), "%.*s", (int)vl2, v2);
			if (!fnmatch(want, val, 0))
				continue;
			if (++diffs <= 20)
				printf("# %.*s: %s %.*s, %s %s, but the intended "
				       "difference is %s %s\n", (int)kl1, k1,
				       ref_dev->name, (int)vl1, v1, dev->name,
				       val, dev->name, want);
			continue;
		}
		if (vl1 == vl2 && !strncmp(v1, v2, vl1))
			continue;
		if (++diffs <= 20)
			printf("# %.*s: %s %.*s, %s %.*s\n", (int)kl1, k1,
			       ref_dev->name, (int)vl1, v1, dev->name,
			       (int)vl2, v2);
	}
	if (more1 != more2) {
		printf("# %s recorded %s after record %d\n",
		       more1 ? ref_dev->name : dev->name,
		       "more", n);
		diffs++;
	}
	return diffs;
}

/* Waits for @pid, killing it after EMBER_TEST_DEV_TIMEOUT seconds. */
static int wait_child(pid_t pid, const char *name)
{
	const char *t = getenv("EMBER_TEST_DEV_TIMEOUT");
	long limit_ms = (t ? atol(t) : 75) * 1000, ms = 0;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		TEST_ASSERT(r >= 0, "waitpid: %s", strerror(errno));
		if (r == pid)
			break;
		if (ms >= limit_ms) {
			printf("# %s: no result after %ld s, killed\n", name,
			       limit_ms / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&ts, NULL);
		ms += 10;
	}
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d\n", name, WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

static int count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

int ksft_run_devices(const char *name, int nsub, void (*fn)(struct test_dev *))
{
	const char *list = getenv("EMBER_TEST_DEVICES");
	struct test_dev devs[MAX_DEVS];
	struct dev_result *res;
	int ndev = 0, i, j, rc, ref = -1, failed = 0, not_pass = 0;
	bool ok[MAX_DEVS] = { false }, strict = test_strict();
	char *copy, *tok, *save;

	copy = strdup(list && *list ? list : KVM_DEV ":" EMBER_DEV);
	for (tok = strtok_r(copy, ":", &save); tok && ndev < MAX_DEVS;
	     tok = strtok_r(NULL, ":", &save)) {
		const char *base = strrchr(tok, '/');

		devs[ndev].path = tok;
		devs[ndev].name = base ? base + 1 : tok;
		devs[ndev].idx = ndev;
		ndev++;
	}
	TEST_ASSERT(ndev > 0, "EMBER_TEST_DEVICES names no device");

	res = mmap(NULL, sizeof(*res) * ndev, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(res != MAP_FAILED, "mmap: %s", strerror(errno));
	ksft_plan(name, ndev * nsub + ndev - 1);

	for (i = 0; i < ndev; i++) {
		pid_t pid;

		/* Absent: skipped by hand, a failure under EMBER_TEST_STRICT. */
		if (access(devs[i].path, F_OK)) {
			if (strict)
				printf("# %s is absent, and EMBER_TEST_STRICT "
				       "requires every device\n", devs[i].path);
			for (j = 0; j < nsub; j++)
				printf("%s %d %s%s: %s is absent\n",
				       strict ? "not ok" : "ok", ++*ksft_count,
				       strict ? "" : "# SKIP ", devs[i].name,
				       devs[i].path);
			failed |= strict;
			not_pass = 1;
			continue;
		}
		fflush(stdout);
		fflush(stderr);
		dev_first_sub = *ksft_count;
		pid = fork();
		TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
		if (pid == 0) {
			int fds = count_fds();

			cur_dev = &devs[i];
			dev_res = &res[i];
			fn(&devs[i]);
			fflush(stdout);
			/* The lib and the test closed all they opened. */
			TEST_ASSERT(count_fds() == fds, "%d fds open before, "
				    "%d after", fds, count_fds());
			TEST_ASSERT(*ksft_count - dev_first_sub == nsub,
				    "%s ran %d of %d subtests", name,
				    *ksft_count - dev_first_sub, nsub);
			dev_res->done = nsub;
			exit(KSFT_PASS);
		}
		rc = wait_child(pid, devs[i].name);
		*ksft_count = dev_first_sub + res[i].done;
		/* Only the end of the child above exits 0 with all done. */
		if (rc == KSFT_PASS && res[i].done < nsub) {
			printf("# %s: exited 0 after %d of %d subtests\n",
			       devs[i].name, res[i].done, nsub);
			rc = KSFT_FAIL;
		}
		for (j = res[i].done; j < nsub; j++)
			printf("%s %d %s%s: not run after %s\n",
			       res[i].skipped ? "ok" : "not ok", ++*ksft_count,
			       res[i].skipped ? "# SKIP " : "", devs[i].name,
			       res[i].skipped ? "a skip" : "the failure");
		/*
		 * A device whose every subtest skipped, or that skipped the
		 * rest (dev_skip), was not tested and not compared.
		 */
		if (res[i].skipped ||
		    (rc == KSFT_PASS && res[i].nskip >= nsub)) {
			printf("# %s: %s skipped%s\n", devs[i].name,
			       res[i].skipped ? "the device" : "every subtest",
			       strict ? ": not a pass (EMBER_TEST_STRICT)" : "");
			failed |= strict;
			not_pass = 1;
		}
		if (rc == KSFT_SKIP && res[i].skipped)
			continue;
		if (rc != KSFT_PASS) {
			failed = 1;
			continue;
		}
		ok[i] = true;
		if (ref < 0)
			ref = i;
	}

	/* Every device after the first present one against it. */
	for (i = 0; i < ndev; i++) {
		if (i == 0)
			continue;
		if (ref < 0 || i == ref || access(devs[i].path, F_OK) ||
		    res[i].skipped) {
			printf("ok %d # SKIP %s: no reference to compare with\n",
			       ++*ksft_count, devs[i].name);
			continue;
		}
		if (!ok[i]) {
			printf("not ok %d %s: same results as %s (%s failed)\n",
			       ++*ksft_count, devs[i].name, devs[ref].name,
			       devs[i].name);
			continue;
		}
		if (i < ref) {
			printf("ok %d # SKIP %s: no reference to compare with\n",
			       ++*ksft_count, devs[i].name);
			continue;
		}
		if (compare_records(&devs[ref], &res[ref], &devs[i], &res[i])) {
			printf("not ok %d %s: same results as %s\n",
			       ++*ksft_count, devs[i].name, devs[ref].name);
			failed = 1;
		} else {
			printf("ok %d %s: same results as %s (%zu bytes of records)\n",
			       ++*ksft_count, devs[i].name, devs[ref].name,
			       res[i].rec_len);
		}
	}
	fflush(stdout);
	munmap(res, sizeof(*res) * ndev);
	free(copy);
	if (failed)
		return KSFT_FAIL;
	return not_pass || ref < 0 ? KSFT_SKIP : KSFT_PASS;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity(%d): %s", cpu, strerror(errno));
}

static void *busy_thread_fn(void *arg)
{
	struct busy_thread *b = arg;

	pin_to(b->cpu);
	while (!b->stop)
		b->count++;
	return NULL;
}

void busy_thread_start(struct busy_thread *b, int cpu)
{
	b->cpu = cpu;
	b->stop = false;
	b->count = 0;
	TEST_ASSERT(!pthread_create(&b->thread, NULL, busy_thread_fn, b),
		    "pthread_create");
	usleep(10000);
}

void busy_thread_stop(struct busy_thread *b)
{
	b->stop = true;
	pthread_join(b->thread, NULL);
}
