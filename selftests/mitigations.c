// SPDX-License-Identifier: GPL-2.0
/*
 * ember's world-switch mitigations are the ones kvm_intel uses on the same
 * host: the L1D flush mode is kvm_intel's vmentry_l1d_flush, NX huge pages
 * are kvm's nx_huge_pages, and the VERW, BHB and VMSCAPE choices follow
 * what the host kernel reports in /sys/devices/system/cpu/vulnerabilities.
 * The test machine boots with mitigations=off by default (all of them off
 * on both); `make check MITIGATIONS=auto` runs it with the emulated CPU's
 * mitigations on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define VULN	"/sys/devices/system/cpu/vulnerabilities/"

static char ember_m[4096];

/* The value of "key: value" in ember's debugfs mitigations file. */
static const char *ember_value(const char *key)
{
	static char val[128];
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\n%s: ", key);
	p = strstr(ember_m, pat);
	TEST_ASSERT(p, "no '%s' in ember's mitigations:\n%s", key, ember_m);
	p += strlen(pat);
	e = strchr(p, '\n');
	snprintf(val, sizeof(val), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return val;
}

/* A file's first line, or "" when the kernel has no such file. */
static const char *first_line(const char *path, char *buf, size_t size)
{
	const char *t = read_text(path);

	snprintf(buf, size, "%s", t ? t : "");
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static bool ember_yes(const char *key)
{
	const char *v = ember_value(key);

	TEST_ASSERT(!strcmp(v, "yes") || !strcmp(v, "no"),
		    "%s: '%s'", key, v);
	return !strcmp(v, "yes");
}

int main(void)
{
	char kvm_l1d[64], kvm_nx[16], v[512];
	const char *t;
	bool verw;
	int fd;

	ksft_plan("mitigations", 5);
	fd = open_dev_or_skip(EMBER_DEV);
	TEST_ASSERT(kvm_available(), "kvm_intel is not loaded: nothing to "
		    "compare ember's mitigations with");
	t = read_text(EMBER_DEBUGFS "/mitigations");
	TEST_ASSERT(t, "cannot read %s/mitigations: %s", EMBER_DEBUGFS,
		    strerror(errno));
	snprintf(ember_m, sizeof(ember_m), "\n%s", t);
	printf("# ember:%s", ember_m);

	first_line("/sys/module/kvm_intel/parameters/vmentry_l1d_flush",
		   kvm_l1d, sizeof(kvm_l1d));
	printf("# kvm_intel vmentry_l1d_flush: %s; l1tf: %s\n", kvm_l1d,
	       first_line(VULN "l1tf", v, sizeof(v)));
	TEST_ASSERT(!strcmp(ember_value("l1d_flush"), kvm_l1d),
		    "L1D flush: ember '%s', kvm_intel '%s'",
		    ember_value("l1d_flush"), kvm_l1d);
	ksft_pass("L1D flush before VM entry: '%s', as kvm_intel", kvm_l1d);

	first_line("/sys/module/kvm/parameters/nx_huge_pages", kvm_nx,
		   sizeof(kvm_nx));
	printf("# kvm nx_huge_pages: %s; itlb_multihit: %s\n", kvm_nx,
	       first_line(VULN "itlb_multihit", v, sizeof(v)));
	TEST_ASSERT(ember_yes("nx_huge_pages") == (kvm_nx[0] == 'Y'),
		    "NX huge pages: ember %s, kvm %s",
		    ember_value("nx_huge_pages"), kvm_nx);
	ksft_pass("executable huge pages split: %s, as kvm",
		  ember_value("nx_huge_pages"));

	/*
	 * VERW before VM entry: whenever the host clears CPU buffers on its
	 * way to userspace for MDS, TAA or RFDS (MMIO stale data alone makes
	 * KVM clear them only for guests with assigned devices).
	 */
	verw = false;
	for (const char *const *f = (const char *const[]){ "mds",
		"tsx_async_abort", "reg_file_data_sampling", NULL }; *f; f++) {
		char path[128];

		snprintf(path, sizeof(path), VULN "%s", *f);
		first_line(path, v, sizeof(v));
		printf("# %s: %s\n", *f, v);
		verw |= strstr(v, "Clear CPU buffers") != NULL ||
			strstr(v, "Clear Register File") != NULL;
	}
	TEST_ASSERT(ember_yes("clear_cpu_buffers") == verw,
		    "VERW before entry: ember %s, host clears buffers: %d",
		    ember_value("clear_cpu_buffers"), verw);
	ksft_pass("CPU buffers cleared before VM entry: %s",
		  ember_value("clear_cpu_buffers"));

	first_line(VULN "spectre_v2", v, sizeof(v));
	printf("# spectre_v2: %s\n", v);
	TEST_ASSERT(ember_yes("clear_bhb_on_exit") ==
		    (strstr(v, "KVM: SW loop") != NULL),
		    "branch history cleared after exit: ember %s, host '%s'",
		    ember_value("clear_bhb_on_exit"), v);
	TEST_ASSERT(ember_yes("ibpb_on_vcpu_switch") ==
		    (strstr(v, "IBPB: conditional") ||
		     strstr(v, "IBPB: always-on")),
		    "IBPB between vCPUs: ember %s, host '%s'",
		    ember_value("ibpb_on_vcpu_switch"), v);
	ksft_pass("branch history cleared after exit: %s; IBPB between "
		  "vCPUs: %s", ember_value("clear_bhb_on_exit"),
		  ember_value("ibpb_on_vcpu_switch"));

	first_line(VULN "vmscape", v, sizeof(v));
	printf("# vmscape: %s\n", v);
	TEST_ASSERT(ember_yes("ibpb_exit_to_user") ==
		    (strstr(v, "IBPB before exit to userspace") != NULL),
		    "IBPB on the way back to the VMM: ember %s, host '%s'",
		    ember_value("ibpb_exit_to_user"), v);
	ksft_pass("IBPB before the VMM runs after an exit (VMSCAPE): %s",
		  ember_value("ibpb_exit_to_user"));
	(void)fd;
	return ksft_done();
}
