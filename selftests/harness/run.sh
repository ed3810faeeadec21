#!/bin/bash
# make check-harness: the harness's own tests.  Boots the test machine once,
# without kvm_intel (EMBER_SKIP_LOAD), with the fake tests of OUTPUT (built
# by this directory's Makefile) as the whole suite, and checks that
# scripts/testvm/testvm.sh fails the run and reports each accident as it
# should: a missing device, an exit 0 before the end or after skipping
# everything, a skip not on the allow-list, a wrong value for an intended
# difference, bad kernel log lines (named after the test), a hung test whose
# child ignores SIGTERM, and a guest that dies with tests still to run.
# First, from a dry run (make -n check), that make check runs the unit
# tests, the benchmark's build and these tests before its boot.
#
#   EMBER_KO=ember.ko bash run.sh OUTPUT
#
# Environment: BUILD_DIR (default build/testvm-harness), TIMEOUT (600 s),
# and what testvm.sh takes.  Exit status 0 if every expectation held.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUTPUT=${1:?usage: run.sh OUTPUT}
: "${EMBER_KO:?EMBER_KO must name ember.ko}"
BUILD_DIR=${BUILD_DIR:-$TOP/build/testvm-harness}
mkdir -p "$BUILD_DIR"
log=$BUILD_DIR/harness.out

# make check runs the host-side unit tests and builds the benchmark before
# it boots the test machine (make stops at the first prerequisite that
# fails): the order of its commands, from a dry run.
dry=$BUILD_DIR/make-n-check.out
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n -C "$TOP" check T= >"$dry" 2>&1
line_of() { grep -nE -- "$1" "$dry" | head -n 1 | cut -d: -f1; }
unit_at=$(line_of 'make -C selftests/unit .*run$')
bench_at=$(line_of 'make -C bench ')
self_at=$(line_of 'bash selftests/harness/run.sh')
boot_at=$(line_of 'bash scripts/testvm/testvm.sh check$')

echo "harness: booting the test machine without kvm_intel, fake tests from $OUTPUT"
EMBER_SKIP_LOAD=kvm_intel SELFTESTS_DIR=$OUTPUT BUILD_DIR=$BUILD_DIR T= \
	TIMEOUT=${TIMEOUT:-600} bash "$TOP/scripts/testvm/testvm.sh" check \
	>"$log" 2>&1
rc=$?
sed 's/^/    | /' "$log"

# What the run must say: "what|extended regex of a line of its output".
n=0 bad=0
expect() {
	n=$((n + 1))
	if grep -qE -- "$2" "$log"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1: no line matches '$2'"
		bad=$((bad + 1))
	fi
}
before() {
	n=$((n + 1))
	if [ -n "$2" ] && [ -n "$boot_at" ] && [ "$2" -lt "$boot_at" ]; then
		echo "ok $n make check: $1 before the boot"
	else
		echo "not ok $n make check: $1 before the boot (lines ${2:-none}, ${boot_at:-none} of $dry)"
		bad=$((bad + 1))
	fi
}
before "the unit tests" "$unit_at"
before "the benchmark's build" "$bench_at"
before "the harness's own tests" "$self_at"

n=$((n + 1))
if [ $rc = 1 ]; then echo "ok $n testvm.sh fails the run"
else echo "not ok $n testvm.sh exited $rc, want 1"; bad=$((bad + 1)); fi

expect "kvm_intel not loaded fails load_ember" \
	'^# kvm_intel is not loaded: nothing to compare ember with'
expect "... and /dev/kvm is missing" '^# /dev/kvm is absent$'
expect "load_ember is not ok" '^not ok 1 load_ember$'
expect "a passing fake passes" '^ok [0-9]+ harness_pass$'
expect "exit 0 before the end of the plan fails" \
	'^# harness_exit0_early: exit status 0 after 1 of the 3 TAP results it planned'
expect "... reported not ok" '^not ok [0-9]+ harness_exit0_early$'
expect "exit 0 with every result a skip fails" \
	'^# harness_exit0_all_skipped: exit status 0, but every TAP result is a skip'
expect "... reported not ok" '^not ok [0-9]+ harness_exit0_all_skipped$'
expect "a skip that skips.allow does not list fails" \
	'^# harness_exit4: skipped \(exit status 4\), and skips.allow does not list it'
expect "... reported not ok" '^not ok [0-9]+ harness_exit4$'
expect "a listed skip is a skip, with its reason" \
	"^ok [0-9]+ harness_exit4_allowed # SKIP the harness's own test of an allowed skip"
expect "an absent device fails the differential library" \
	'^# # /dev/kvm is absent, and EMBER_TEST_STRICT requires every device'
expect "... reported not ok" '^not ok [0-9]+ harness_dev_absent$'
expect "a device whose every subtest skipped fails" \
	'^# # ember: every subtest skipped: not a pass'
expect "... reported not ok" '^not ok [0-9]+ harness_dev_all_skipped$'
expect "a device child that exits 0 early fails" \
	'^# # ember: exited 0 after 1 of 3 subtests'
expect "... reported not ok" '^not ok [0-9]+ harness_dev_exit0_early$'
expect "a wrong value for an intended difference fails" \
	'^# # EFER bit 63: ember 0, ember -EBUSY, but the intended difference is ember -EINVAL'
expect "... reported not ok" '^not ok [0-9]+ harness_intended_wrong$'
expect "the intended value passes" '^ok [0-9]+ harness_intended_right$'
expect "vmrun's tests fail on an absent device" \
	'^# not ok 1 /dev/kvm is absent, and EMBER_TEST_STRICT requires every device'
expect "... reported not ok" '^not ok [0-9]+ harness_vmrun_absent$'
expect "a WARNING in the kernel log fails the test that ran" \
	'^# kernel log while harness_kmsg_warning ran:'
expect "... with the line" '^# WARNING: CPU: 1 PID: [0-9]+ at selftests/harness/fake.sh:1'
expect "... reported not ok" '^not ok [0-9]+ harness_kmsg_warning$'
expect "a failed VMREAD in the kernel log fails the test" \
	'^# kernel log while harness_kmsg_vmread ran:'
expect "... with the line" '^# ember: VMREAD of field 0x4402 failed$'
expect "... reported not ok" '^not ok [0-9]+ harness_kmsg_vmread$'
expect "an error-level line of ember's fails the test" \
	'^# kernel log while harness_kmsg_err ran:'
expect "... with the line" '^# ember: something ember reports at KERN_ERR$'
expect "... reported not ok" '^not ok [0-9]+ harness_kmsg_err$'
expect "ember's info line does not" '^ok [0-9]+ harness_kmsg_info$'
expect "a hung test is killed, with its SIGTERM-proof child" \
	'^# harness_hang: timed out after 5s; its process group was killed'
expect "... reported not ok, TIMEOUT" '^not ok [0-9]+ harness_hang # TIMEOUT$'
expect "... and nothing of it is left" '^ok [0-9]+ harness_after_hang$'
expect "the guest's death is a failure" '^testvm: FAILED: the guest kernel panicked$'
expect "... and the tests it did not run count as failed" \
	'^testvm: FAILED: 3 of 21 TAP results never came: counted as failed$'
expect "the summary counts them" '^selftests: 4 passed, 16 failed, 1 skipped$'

echo "1..$n"
if [ $bad = 0 ]; then
	echo "harness: all $n expectations held (the whole output: $log)"
	exit 0
fi
echo "harness: $bad of $n expectations failed (the whole output: $log, the guest's: $BUILD_DIR/serial.log)"
exit 1
