/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by ember's selftests, in the spirit of KVM's
 * tools/testing/selftests/kvm/lib: assertions that say where they failed,
 * kselftest exit codes, and access to ember's device, module and debugfs.
 */
#ifndef EMBER_TEST_UTIL_H
#define EMBER_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

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
void ksft_pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ksft_skip_all(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
int ksft_done(void);

/* Opens @path read-write, or skips the test if it does not exist. */
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

#endif /* EMBER_TEST_UTIL_H */
