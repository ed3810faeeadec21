#!/bin/sh
# Debian's QEMU, unmodified, boots Linux with -accel kvm: this machine's
# kernel and vmrun's busybox initramfs (from $VMRUN_DIR), which runs a
# command and leaves through an isa-debug-exit port with its status.  On
# kvm_intel's /dev/kvm first, then on ember: QEMU opens the fixed path
# /dev/kvm, so /dev/ember is bind-mounted over it for those runs (and
# unmounted after; kvm_intel and ember cannot both have VMs, but one after
# the other is fine).  Each machine type runs with the in-kernel irqchip
# (kernel-irqchip=on: LAPIC, IOAPIC, PIC, PIT in the hypervisor) and
# without (off: QEMU's own, interrupts injected with KVM_INTERRUPT).
#
#   QEMU_DEVICES   devices to test (default /dev/kvm /dev/ember; under
#                  EMBER_TEST_STRICT an absent one fails)
#   QEMU_CONFIGS   machine,irqchip pairs (default: microvm,on microvm,off)
#   QEMU_TIMEOUT   guest seconds per boot (default 300)
#
# A run passes if QEMU exits with the command's status (debug-exit 3:
# QEMU exits (3 << 1) | 1 = 7) and the console shows init, the kernel's
# version and, in /proc/interrupts, the IO-APIC and local timer
# interrupts, and the guest's kernel log has no WARNING, BUG, call trace or
# unchecked MSR access.  A run that fails shows QEMU's stderr, the end of
# the console, and (run once more under strace) the ioctls that failed.
VMRUN_DIR=${VMRUN_DIR:-/ember/vmrun}
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_CONFIGS=${QEMU_CONFIGS:-microvm,on microvm,off}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-300}
passed=0
failed=0
devices=
missing=

ok() { passed=$((passed + 1)); echo "ok $((passed + failed)) $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok $((passed + failed)) $*"; }
show() { sed 's/^/    | /'; }

for d in ${QEMU_DEVICES:-/dev/kvm /dev/ember}; do
	if [ -c "$d" ]; then devices="$devices $d"; else missing="$missing $d"; fi
done
case ${EMBER_TEST_STRICT:-0} in
''|0) ;;
*)	for d in $missing; do
		not_ok "$d is absent, and EMBER_TEST_STRICT requires every device"
	done ;;
esac
if ! command -v "$QEMU" >/dev/null; then
	echo "# no $QEMU in PATH (the test machine adds it for tests with a .needs file saying qemu)"
	[ $failed = 0 ] && exit 4
	echo "1..$failed"
	exit 1
fi
for f in vmlinuz initrd.gz; do
	[ -f "$VMRUN_DIR/$f" ] || { echo "# no $VMRUN_DIR/$f"; exit 4; }
done

# The guest's command line: its serial console, reboot (QEMU exits, with
# -no-reboot) on a panic, and the command for vmrun's initramfs (commas
# stand for spaces).  Under Bochs the TSC ticks once per instruction while
# CPUID says otherwise: the outer kernel was told its rate, so is this one;
# and what makes the outer kernel boot faster (no crypto self-tests, the
# slow initcalls left out, the mitigations as chosen) does the same here.
# The guest's own kernel log must be clean too: what it would say about
# an MSR or a device the hypervisor got wrong (its command line, which
# names these words, left out).
CMD="uname,-r;grep,-e,IO-APIC,-e,LOC:,/proc/interrupts"
CMD="$CMD;dmesg|grep,-v,vmrun.run|grep,-A24,-e,unchecked,-e,WARNING:.CPU,-e,BUG:,-e,Trace|sed,s/^/guest-log:/"
CMD="$CMD;exit,3"
APPEND="console=ttyS0 quiet panic=-1 vmrun.run=$CMD"
for w in $(cat /proc/cmdline); do
	case $w in
	tsc_early_khz=*|lpj=*|tsc=*|cryptomgr.notests|initcall_blacklist=*|mitigations=*|nokaslr)
		APPEND="$APPEND $w" ;;
	esac
done
kver=$(uname -r)

# /dev/kvm must be the device under test: it is, or $1 is bind-mounted
# over it (an empty file is made to mount on if kvm_intel is absent).
made_node=0
bound=0
dev_id() { stat -L -c '%t:%T' "$1" 2>/dev/null; }
unbind() {
	[ $bound = 1 ] || return 0
	umount /dev/kvm 2>/dev/null || umount -l /dev/kvm
	bound=0
	[ $made_node = 1 ] && rm -f /dev/kvm
	made_node=0
}
trap 'unbind' EXIT
trap 'unbind; exit 143' TERM
trap 'unbind; exit 130' INT
bind() {
	[ "$1" = /dev/kvm ] && return 0
	if [ ! -e /dev/kvm ]; then
		: >/dev/kvm && made_node=1
	fi
	mount -o bind "$1" /dev/kvm && bound=1
	if [ "$(dev_id /dev/kvm)" = "$(dev_id "$1")" ]; then
		ok "$1 is reachable as /dev/kvm ($(dev_id /dev/kvm))"
	else
		not_ok "$1 bind-mounted over /dev/kvm, but /dev/kvm is $(dev_id /dev/kvm)"
		return 1
	fi
}

# run DEV MACHINE IRQCHIP: one boot; sets $out (the console) and $rc.
run() {
	dev=$1 machine=$2 irqchip=$3
	what="$dev: qemu -M $machine -accel kvm,kernel-irqchip=$irqchip"
	case $machine in
	# microvm has no RTC with KVM unless asked; Linux then polls for
	# one at ports 0x70/0x71 for tens of guest seconds under Bochs (the
	# soft lockup detector fires with kernel-irqchip=off, on KVM too).
	microvm) mopts="microvm,x-option-roms=off,rtc=on" ;;
	*) mopts=$machine ;;
	esac
	# QEMU 7.2 writes MSR_KVM_ASYNC_PF_INT whenever the CPU model has
	# kvm-asyncpf-int (-cpu host on KVM has), and KVM refuses it without
	# an in-kernel LAPIC: QEMU's own APIC needs the feature off.
	cpu=host
	[ "$irqchip" = off ] && cpu=host,kvm-asyncpf-int=off
	set -- -nodefaults -no-user-config -display none -no-reboot \
		-M "$mopts" -accel "kvm,kernel-irqchip=$irqchip" -cpu "$cpu" \
		-smp 1 -m 128M -serial stdio \
		-device isa-debug-exit,iobase=0x501,iosize=1 \
		-kernel "$VMRUN_DIR/vmlinuz" -initrd "$VMRUN_DIR/initrd.gz" \
		-append "$APPEND"
	read -r t0 _ </proc/uptime
	timeout -s KILL "$QEMU_TIMEOUT" "$QEMU" "$@" </dev/null >/tmp/qemu.out 2>/tmp/qemu.err
	rc=$?
	read -r t1 _ </proc/uptime
	out=$(tr -d '\r' </tmp/qemu.out)
	echo "# $what: exit status $rc after $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') guest s"
	[ -s /tmp/qemu.err ] && show </tmp/qemu.err
	if [ $rc = 7 ]; then
		ok "$what: exit status 7 (debug-exit 3)"
		return
	fi
	not_ok "$what: exit status $rc, want 7 (debug-exit 3)$([ $rc = 137 ] && echo ": killed after ${QEMU_TIMEOUT}s")"
	echo "    console (last 30 lines):"
	tail -n 30 /tmp/qemu.out | show
	# A QEMU that stopped by itself: which of its ioctls failed.
	if [ $rc != 137 ] && command -v strace >/dev/null; then
		echo "    failed ioctls and opens, under strace (last 40):"
		timeout -s KILL 120 strace -f -qq -Z -e trace=ioctl,openat -o /tmp/qemu.strace \
			"$QEMU" "$@" </dev/null >/dev/null 2>&1
		grep -v -e TCGETS -e ENOENT /tmp/qemu.strace | tail -n 40 | show
	fi
}

expect() {
	if echo "$out" | grep -qE -- "$1"; then
		ok "$what: console has '$1'"
	else
		not_ok "$what: console lacks '$1'"
	fi
}

expect_not() {
	if echo "$out" | grep -qE -- "$1"; then
		not_ok "$what: console has '$1':"
		echo "$out" | grep -E -- "$1" | head -60 | show
	else
		ok "$what: console lacks '$1'"
	fi
}

for d in $devices; do
	bind "$d" || { unbind; continue; }
	for c in $QEMU_CONFIGS; do
		run "$d" "${c%,*}" "${c#*,}"
		expect '^vmrun-initramfs: init reached'
		expect "^$kver\$"
		expect 'IO-APIC'
		expect '^ *LOC: *[1-9]'
		expect '^vmrun-initramfs: exit status 3'
		expect_not '^guest-log:'
	done
	unbind
	if [ "$d" != /dev/kvm ] && [ -e /dev/kvm ] && [ "$(dev_id /dev/kvm)" = "$(dev_id "$d")" ]; then
		not_ok "/dev/kvm is still $d after the unmount"
	fi
done

echo "# $passed passed, $failed failed"
echo "1..$((passed + failed))"
[ $failed = 0 ] || exit 1
[ -n "$devices" ] || { echo "# no device"; exit 4; }
exit 0
