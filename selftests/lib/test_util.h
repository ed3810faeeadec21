/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by ember's selftests, in the spirit of KVM's
 * tools/testing/selftests/kvm/lib: assertions that say where they failed,
 * kselftest exit codes, and access to ember's device, module and debugfs.
 */
#ifndef EMBER_TEST_UTIL_H
#define EMBER_TEST_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

#define EMBER_DEV	"/dev/ember"
#define KVM_DEV		"/dev/kvm"
#define EMBER_DEBUGFS	"/sys/kernel/debug/ember"

void test_assert_fail(const char *file, int line, const char *cond,
		      const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

#define TEST_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			test_assert_fail(__FILE__, __LINE__, #cond,	\
					 fmt, ##__VA_ARGS__);		\
	} while (0)

/* Asserts that a call returning -1/errno failed with exactly @err. */
#define TEST_ASSERT_ERRNO(call, err)					\
	do {								\
		long __r = (call);					\
		int __e = errno;					\
		TEST_ASSERT(__r == -1 && __e == (err),			\
			    "%s: expected -1/%s, got %ld/%s", #call,	\
			    strerrorname(err), __r,			\
			    __r == -1 ? strerrorname(__e) : "-");	\
	} while (0)

const char *strerrorname(int err);

/* kselftest TAP for the subtests of one program. */
void ksft_plan(const char *name, int n);
/*
 * "ok N what"; inside ksft_run_devices() the line names the device:
 * "ok N kvm: what".
 */
void ksft_pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ksft_skip_all(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
int ksft_done(void);

/*
 * EMBER_TEST_STRICT (set, not "0"): every device is required.  The test
 * machine's /init sets it for `make check`; by hand it is unset, and a test
 * skips what the machine lacks.  Under it an absent device fails the test
 * instead of skipping it (open_dev_or_skip(), ksft_run_devices(), the
 * comparison with /dev/kvm in dev_ioctls, vmrun's tests), and so does a
 * device whose every subtest skipped.
 */
bool test_strict(void);

/*
 * Opens @path read-write, or skips the test if it does not exist (fails
 * under EMBER_TEST_STRICT).
 */
int open_dev_or_skip(const char *path);

/* Reads a whole (small) file into a static buffer; NULL on error. */
const char *read_text(const char *path);
int write_text(const char *path, const char *text);

/* ember's debugfs view of one CPU; state of every online CPU. */
enum vmx_holder { HOLDER_NONE, HOLDER_EMBER, HOLDER_OTHER, HOLDER_ABSENT };
enum vmx_holder ember_cpu_holder(int cpu);
int ember_vm_count(void);
/* How many online CPUs ember's debugfs reports with @holder. */
int ember_cpus_with(enum vmx_holder holder);
int online_cpus(void);

/* Module handling via finit_module(2)/delete_module(2). */
int ember_module_load(void);
int ember_module_unload(void);
bool ember_module_loaded(void);
/* Whether /dev/kvm (kvm_intel) is there to compare with. */
bool kvm_available(void);

/* CLOCK_MONOTONIC in milliseconds / microseconds. */
long now_ms(void);
long now_us(void);
/* Pins the calling thread to @cpu (sched_setaffinity), asserting it works. */
void pin_to(int cpu);

/*
 * A host thread pinned to a CPU that counts as fast as it can, to show
 * that a vCPU sharing that CPU leaves it time to run.  busy_thread_start()
 * returns once it has run for 10 ms.
 */
struct busy_thread {
	pthread_t thread;
	int cpu;
	volatile bool stop;
	volatile uint64_t count;
};
void busy_thread_start(struct busy_thread *b, int cpu);
void busy_thread_stop(struct busy_thread *b);

/* Called by a failing TEST_ASSERT before it reports (e.g. to dump regs). */
extern void (*test_assert_hook)(void);

/*
 * Differential testing: the same checks against every device of
 * EMBER_TEST_DEVICES (colon-separated, default "/dev/kvm:/dev/ember"), the
 * first one present being the reference.  Each device runs in a child
 * process, one after the other, so that every fd of one device (and with it
 * VMX, which kvm_intel and ember cannot share) is gone before the next one
 * starts.  A child records observations with rec(); the parent then compares
 * each device's records with the reference's, key by key, except for the
 * intended differences listed in the README, where ember must record the
 * value listed in intended_differences[].
 *
 * TAP: the plan is ndevices * @nsub + (ndevices - 1) comparisons.  A device
 * that is absent, or calls dev_skip(), skips its remaining subtests; one that
 * fails an assertion, or exits before reporting all @nsub, has its remaining
 * subtests reported "not ok".
 * Returns the exit code: fail if anything failed; skip if a device was
 * absent, or skipped every subtest, or none ran (fail for the first two
 * under EMBER_TEST_STRICT); pass only when every device ran its subtests.
 */
struct test_dev {
	const char *path;	/* "/dev/kvm" */
	const char *name;	/* "kvm" */
	int idx;
};
extern struct test_dev *cur_dev;

int ksft_run_devices(const char *name, int nsub, void (*fn)(struct test_dev *));
void dev_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* Is @dev the KVM reference (kvm_intel, or the host's KVM)? */
bool dev_is_kvm(const struct test_dev *dev);
/*
 * Is @dev KVM with kvm_pvm, the paravirtual KVM of our development
 * machines?  It differs from kvm_intel in places; tests skip those checks.
 */
bool dev_is_pvm(const struct test_dev *dev);
/* One subtest skipped: "ok N # SKIP dev: why". */
void ksft_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Records "key = value" for the comparison between devices. */
void rec(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records the outcome of a call returning -1/errno: "0", "5" or "-EINVAL";
 * returns the value or -errno. */
long rec_ret(const char *key, long r);
#define REC(call)	rec_ret(#call, (long)(call))
/* Asserts that @call fails with @err, and records it. */
#define EXPECT_ERRNO(call, err)						\
	do {								\
		long __r = rec_ret(#call, (long)(call));		\
		TEST_ASSERT(__r == -(err), "%s: expected -1/%s, got %s", \
			    #call, strerrorname(err), ret_name(__r));	\
	} while (0)
/* Asserts that @call returns @val (>= 0), and records it. */
#define EXPECT_RET(call, val)						\
	do {								\
		long __r = rec_ret(#call, (long)(call));		\
		TEST_ASSERT(__r == (long)(val), "%s: expected %ld, got %s", \
			    #call, (long)(val), ret_name(__r));		\
	} while (0)
/* "5" or "-EINVAL" (static buffer). */
const char *ret_name(long r);

#endif /* EMBER_TEST_UTIL_H */
