// SPDX-License-Identifier: GPL-2.0
/*
 * A differential test that does nothing but what argv[1] says, for the
 * harness's own tests (run.sh): each device runs 3 subtests.
 *
 *   pass            3 passes
 *   skip            3 skips
 *   exit0           one pass, then exit(0)
 *   intended-wrong  records the intended difference "EFER bit 63": 0 on
 *                   the reference, -EBUSY on the device compared with it
 *   intended-right  the same with -EINVAL, the value ember must record
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static const char *what = "pass";

static void run(struct test_dev *dev)
{
	int i;

	if (!strcmp(what, "skip")) {
		for (i = 0; i < 3; i++)
			ksft_skip("fake: skipped on purpose");
		return;
	}
	if (!strcmp(what, "exit0")) {
		ksft_pass("fake: the only subtest before exit(0)");
		fflush(stdout);
		exit(0);
	}
	if (!strcmp(what, "intended-wrong"))
		rec("EFER bit 63", "%s", dev->idx ? "-EBUSY" : "0");
	else if (!strcmp(what, "intended-right"))
		rec("EFER bit 63", "%s", dev->idx ? "-EINVAL" : "0");
	for (i = 0; i < 3; i++)
		ksft_pass("fake: subtest %d", i + 1);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		what = argv[1];
	return ksft_run_devices("fake_dev", 3, run);
}
