#!/bin/sh
# The harness's own tests (run.sh; make check-harness): installed once per
# name, each does what its name says.  Most do something a real test must
# not get away with, and make check must fail on it; the controls
# (harness_pass, _exit4_allowed, _intended_right, _kmsg_info, _after_hang)
# must pass.  They run in the test machine booted without kvm_intel.
cd "$(dirname "$0")" || exit 1

# A TAP plan of N and N passes.
tap_pass() {
	echo "1..$1"
	i=1
	while [ "$i" -le "$1" ]; do
		echo "ok $i fake"
		i=$((i + 1))
	done
}

case $(basename "$0") in
harness_pass)
	tap_pass 2 ;;
harness_exit0_early)
	echo "1..3"
	echo "ok 1 the only result"
	exit 0 ;;
harness_exit0_all_skipped)
	echo "1..2"
	echo "ok 1 # SKIP fake"
	echo "ok 2 # SKIP fake" ;;
harness_exit4|harness_exit4_allowed)
	echo "1..1"
	echo "ok 1 # SKIP fake: the whole test skips"
	exit 4 ;;
harness_dev_absent)		# /dev/kvm: no kvm_intel in this boot
	exec ./fake_dev pass ;;
harness_dev_all_skipped)
	EMBER_TEST_DEVICES=/dev/ember exec ./fake_dev skip ;;
harness_dev_exit0_early)
	EMBER_TEST_DEVICES=/dev/ember exec ./fake_dev exit0 ;;
harness_intended_wrong)
	EMBER_TEST_DEVICES=/dev/ember:/dev/ember exec ./fake_dev intended-wrong ;;
harness_intended_right)
	EMBER_TEST_DEVICES=/dev/ember:/dev/ember exec ./fake_dev intended-right ;;
harness_vmrun_absent)		# vmrun's tests, /dev/kvm absent
	VMRUN_DIR=$PWD		# its vmrun: a script that exits 0
	. ./vmrun_lib.sh
	for d in $devices; do
		run "$d" 0 fake-image
	done
	finish ;;
harness_kmsg_warning)
	echo "WARNING: CPU: 1 PID: $$ at selftests/harness/fake.sh:1 harness_kmsg_warning" >/dev/kmsg
	tap_pass 1 ;;
harness_kmsg_vmread)		# at the default level: the text alone counts
	echo "ember: VMREAD of field 0x4402 failed" >/dev/kmsg
	tap_pass 1 ;;
harness_kmsg_err)
	echo "<3>ember: something ember reports at KERN_ERR" >/dev/kmsg
	tap_pass 1 ;;
harness_kmsg_info)
	echo "<6>ember: VMX is in use by another hypervisor (kvm_intel?): no VM until it lets go" >/dev/kmsg
	tap_pass 1 ;;
harness_hang)			# its limit: harness_hang.timeout
	echo "1..1"
	trap '' TERM		# inherited by its children
	echo $$ >/tmp/harness_hang.pids
	sh -c 'while :; do sleep 1; done' &
	echo $! >>/tmp/harness_hang.pids
	while :; do sleep 1; done ;;
harness_after_hang)		# nothing of harness_hang is left
	for p in $(cat /tmp/harness_hang.pids); do
		if [ -d "/proc/$p" ] && ! grep -q ') Z ' "/proc/$p/stat"; then
			echo "1..1"
			echo "not ok 1 process $p of harness_hang is still there"
			exit 1
		fi
	done
	tap_pass 1 ;;
harness_crash)			# the guest dies: what follows never runs
	echo c >/proc/sysrq-trigger
	sleep 1000 ;;
harness_never_runs)
	tap_pass 1 ;;
*)
	echo "fake.sh: unknown name $(basename "$0")"
	exit 1 ;;
esac
