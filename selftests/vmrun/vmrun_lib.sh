# Shared by vmrun's selftests (busybox sh).  Sourced by each test, whose cwd
# is the selftests directory.
#
#   VMRUN_DIR    where vmrun and the Linux guest are (default /ember/vmrun)
#   VMRUN_DEVICES  devices to test (default: /dev/kvm and /dev/ember, those
#                present; under EMBER_TEST_STRICT, as make check runs the
#                tests, an absent one is a failure)
#
# A test calls `run DEVICE WANT_STATUS [vmrun args...]`, then checks the
# output ($out, stdout and stderr together) with `expect`/`expect_not`, and
# ends with `finish`: exit 0 if every check passed, 1 if one failed, 4 (skip)
# if no device was there.  Each check is a TAP result line ("ok N what",
# "not ok N what"); finish prints the plan, "1..N", last.

VMRUN_DIR=${VMRUN_DIR:-/ember/vmrun}
VMRUN=$VMRUN_DIR/vmrun
GUESTS=$(cd "$(dirname "$0")" && pwd)/vmrun-guests
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
failed=0
passed=0
devices=
missing=

for d in ${VMRUN_DEVICES:-/dev/kvm /dev/ember}; do
	if [ -e "$d" ]; then
		devices="$devices $d"
	else
		missing="$missing $d"
	fi
done

if [ ! -x "$VMRUN" ]; then
	echo "no vmrun at $VMRUN (set VMRUN_DIR)"
	exit 4
fi

ok() { passed=$((passed + 1)); echo "ok $((passed + failed)) $*"; }

# Guest output shown on the console, indented; a Linux guest's panic line
# is reworded, or the harness would take it for the test machine's own
# (scripts/testvm/testvm.sh stops the run on it).
show() {
	sed -e 's/Kernel panic - not syncing/Kernel panic (in the vmrun guest), not syncing/' \
	    -e "s/^/${1:-    | }/"
}
not_ok() { failed=$((failed + 1)); echo "not ok $((passed + failed)) $*"; }

case ${EMBER_TEST_STRICT:-0} in
''|0) ;;
*)	for d in $missing; do
		not_ok "$d is absent, and EMBER_TEST_STRICT requires every device"
	done ;;
esac

# run DEVICE WANT_STATUS ARGS...: runs vmrun with stdin from $stdin (default
# /dev/null); sets $out, $err (stderr alone) and $rc.
run() {
	dev=$1 want=$2
	shift 2
	what="vmrun --device $dev $*"
	timeout "$RUN_TIMEOUT" "$VMRUN" --device "$dev" "$@" \
		<"${stdin:-/dev/null}" >/tmp/vmrun.out 2>/tmp/vmrun.err
	rc=$?
	err=$(cat /tmp/vmrun.err)
	# The guest's console ends its lines with CR LF.
	out=$(cat /tmp/vmrun.out /tmp/vmrun.err | tr -d '\r')
	if [ "$rc" = "$want" ]; then
		ok "$what: exit status $rc"
	else
		not_ok "$what: exit status $rc, want $want"
		echo "$out" | tail -20 | show
	fi
}

# expect PATTERN: the last run's output has a line matching (grep -E).
expect() {
	if echo "$out" | grep -qE -- "$1"; then
		ok "output has '$1'"
	else
		not_ok "output lacks '$1'"
		echo "$out" | tail -20 | show
	fi
}

expect_not() {
	if echo "$out" | grep -qE -- "$1"; then
		not_ok "output has '$1'"
	else
		ok "output lacks '$1'"
	fi
}

# expect_count N PATTERN: exactly N lines match.
expect_count() {
	n=$(echo "$out" | grep -cE -- "$2")
	if [ "$n" = "$1" ]; then
		ok "$n line(s) with '$2'"
	else
		not_ok "$n line(s) with '$2', want $1"
	fi
}

# one_line_error PATTERN: stderr is exactly one line, matching.
one_line_error() {
	n=$(echo "$err" | grep -c .)
	if [ "$n" = 1 ] && echo "$err" | grep -qE -- "$1"; then
		ok "one line on stderr: $err"
	else
		not_ok "stderr should be one line matching '$1', is:"
		echo "$err" | show
	fi
}

finish() {
	echo "# $passed passed, $failed failed"
	echo "1..$((passed + failed))"
	[ "$failed" = 0 ] || exit 1
	[ -z "$devices" ] && [ "${1:-}" != nodevice ] && { echo "# no device (/dev/kvm, /dev/ember)"; exit 4; }
	exit 0
}

# The Linux guest (this machine's kernel, the busybox initramfs of
# tools/vmrun) on the vmrun of $VMRUN_DIR.  Tests that boot it start with
# need_linux.
need_linux() {
	RUN_TIMEOUT=${LINUX_TIMEOUT:-900}
	if [ ! -f "$VMRUN_DIR/vmlinuz" ] || [ ! -f "$VMRUN_DIR/initrd.gz" ]; then
		echo "no vmlinuz or initrd.gz in $VMRUN_DIR"
		exit 4
	fi
}

# The command line of tools/vmrun/linux.sh (set LINUX_APPEND without
# `quiet` to see the whole boot).
LINUX_APPEND=${LINUX_APPEND:-console=ttyS0 pci=off tsc=reliable i8042.noaux io_delay=none panic=-1 quiet cryptomgr.notests initcall_blacklist=nvme_core_init,acpi_thermal_init,crypto_kdf108_init}

# linux_boot DEVICE CPUS: boots Linux with the in-kernel irqchip and CPUS
# vCPUs, which the guest must bring up from the ACPI tables (vmrun's MADT)
# with INIT/SIPI; the guest then shows what it runs on and powers off
# through ACPI (vmrun: status 0).  Checks: every CPU came up, the IOAPIC
# is where the MADT says, the 8254 ticked on IOAPIC pin 0 (GSI 0, as the
# MADT maps IRQ 0) and the console's UART interrupts on pin 4, and the
# power off was ACPI's S5 with no panic.
linux_boot() {
	dev=$1 cpus=$2
	cmd="echo,processors:,\$(grep,-c,^processor,/proc/cpuinfo)"
	cmd="$cmd;echo,online:,\$(cat,/sys/devices/system/cpu/online)"
	cmd="$cmd;dmesg|grep,-e,Brought,-e,IOAPIC"
	cmd="$cmd;grep,-e,timer,-e,ttyS0,/proc/interrupts;poweroff,-f"
	t0=$(cut -d' ' -f1 /proc/uptime)
	run "$dev" 0 --verbose --cpus "$cpus" --mem 256M \
		--initrd "$VMRUN_DIR/initrd.gz" \
		--append "$LINUX_APPEND vmrun.run=$cmd" "$VMRUN_DIR/vmlinuz"
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "# $dev: Linux with $cpus vCPUs (in-kernel irqchip): boot, command and power off took $(echo "$t0 $t1" | awk '{ printf "%.0f", $2 - $1 }') s"
	echo "$out" | grep -E '^(processors|online):|init reached|Brought up|IO-APIC|Kernel panic|MP-BIOS' |
		show '# guest: '
	expect '^vmrun-initramfs: init reached'
	expect "ACPI tables at .*: $cpus local APICs, IOAPIC ID $cpus"
	expect "^processors: $cpus\$"
	online=0
	[ "$cpus" -gt 1 ] && online="0-$((cpus - 1))"
	expect "^online: $online\$"
	expect "smp: Brought up 1 node, $cpus CPUs?\$"
	expect "IOAPIC\[0\]: apic_id $cpus, version [0-9]+, address 0xfec00000, GSI 0-23"
	expect '^ +0: .* IO-APIC +0-edge +timer'
	expect '^ +4: .* IO-APIC +4-edge +ttyS0'
	expect 'reboot: Power down'
	expect 'vmrun: the guest powered off \(ACPI S5\)'
	expect_not 'Kernel panic'
}
