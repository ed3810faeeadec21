#!/bin/sh
# Runs in the test machine (cwd: the copy of bench's guest directory):
# ROUNDS interleaved rounds of every figure on /dev/kvm and /dev/ember, each
# round a process of its own, so that every fd of one device (and VMX with
# it) is gone before the other device's round starts.  Then the Linux boot
# under vmrun, LINUX_ROUNDS times on each.  Lines for report.sh: BENCH,
# BENCHINFO, BENCHERR.  Settings come from the kernel command line too
# (bench.rounds=N, bench.linux_rounds=N).
HERE=$(cd "$(dirname "$0")" && pwd)
# bench.conf (written by run.sh from its environment) may set both.
[ -f "$HERE/bench.conf" ] && . "$HERE/bench.conf"
ROUNDS=${ROUNDS:-5}
LINUX_ROUNDS=${LINUX_ROUNDS:-2}
# What the test machine's own kernel gets (TESTVM.md): no crypto self-tests,
# no probes that only wait; the same for both devices.
BENCH_LINUX_ARGS=${BENCH_LINUX_ARGS-"cryptomgr.notests initcall_blacklist=nvme_core_init,acpi_thermal_init,crypto_kdf108_init mitigations=off"}
export BENCH_LINUX_ARGS
for w in $(cat /proc/cmdline 2>/dev/null); do
	case $w in
	bench.rounds=*) ROUNDS=${w#bench.rounds=} ;;
	bench.linux_rounds=*) LINUX_ROUNDS=${w#bench.linux_rounds=} ;;
	esac
done

# 2 MiB figures: transparent hugepages for madvise()d memory at least.
thp=/sys/kernel/mm/transparent_hugepage/enabled
if [ -w $thp ] && grep -q '\[never\]' $thp; then
	echo madvise > $thp
fi
echo "BENCHINFO 0 - thp_enabled $(cat $thp 2>/dev/null || echo absent)"
echo "BENCHINFO 0 - kernel $(uname -r) cpus $(grep -c ^processor /proc/cpuinfo)"

devs=
[ -e /dev/kvm ] && devs="$devs kvm"
[ -e /dev/ember ] && devs="$devs ember"
echo "BENCHINFO 0 - devices$devs rounds $ROUNDS linux_rounds $LINUX_ROUNDS"

status=0
start=$(cut -d' ' -f1 /proc/uptime)
r=1
while [ $r -le "$ROUNDS" ]; do
	for d in $devs; do
		"$HERE/bench" --device /dev/$d --round $r 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			echo "BENCHERR $r $d bench exit status $rc"
			status=1
		fi
	done
	r=$((r + 1))
done
echo "BENCHINFO 0 - micro rounds took $(cut -d' ' -f1 /proc/uptime) - $start guest s"

if [ -x "$HERE/vmrun/vmrun" ] && [ -f "$HERE/vmrun/vmlinuz" ]; then
	r=1
	while [ $r -le "$LINUX_ROUNDS" ]; do
		for d in $devs; do
			timeout 300 "$HERE/bench" --device /dev/$d --round $r \
				--linux "$HERE/vmrun" 2>&1
			rc=$?
			if [ $rc -ne 0 ]; then
				echo "BENCHERR $r $d linux exit status $rc"
			fi
		done
		r=$((r + 1))
	done
else
	echo "BENCHINFO 0 - no vmrun/vmlinuz: no Linux boot figure"
fi
echo "BENCHINFO 0 - done at uptime $(cut -d' ' -f1 /proc/uptime)"
exit $status
