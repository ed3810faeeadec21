#!/bin/bash
# Run ember's tests in a virtual machine that has VT-x.
#
#   scripts/testvm/testvm.sh check   run the selftests, report TAP + summary
#   scripts/testvm/testvm.sh run     load ember, run VMRUN_DIR/demo.sh
#
# Environment (set by the top Makefile):
#   EMBER_KO       path to ember.ko, built against the guest kernel's headers
#   SELFTESTS_DIR  (check) directory with static test programs + tests.list
#   VMRUN_DIR      (run, optional) copied as-is to /ember/vmrun in the guest
#   T              (check, optional) only tests whose name matches the shell
#                  glob T, or contains T as a substring
#   BUILD_DIR      output directory, default build/testvm; the guest's whole
#                  console ends up in $BUILD_DIR/serial.log
#   TIMEOUT        wall-clock limit in seconds, default 1500
#   EMBER_VM       bochs | qemu | auto (default): qemu+KVM is used only on a
#                  host with /dev/kvm and vmx in /proc/cpuinfo (nested VMX)
#   MITIGATIONS    the guest kernel's mitigations= (default off: faster;
#                  auto turns on what the emulated CPU needs, and with it
#                  kvm_intel's and ember's world-switch mitigations)
#   EMBER_SKIP_LOAD  (optional) kvm_intel and/or ember, comma-separated:
#                  /init does not load them (the harness's own tests)
#
# Exit status: 0 all passed, 1 something failed (a test, the kernel log, a
# guest panic, a timeout), 2 bad usage or setup.
#
# See /work/shared/TESTVM.md for why the Bochs settings are what they are.
set -eu

die() { echo "testvm: $*" >&2; exit 2; }

MODE=${1:-}
case $MODE in
check|run) ;;
*) die "usage: $0 check|run" ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-build/testvm}
TIMEOUT=${TIMEOUT:-1500}
T=${T:-}
VMRUN_DIR=${VMRUN_DIR:-}
SELFTESTS_DIR=${SELFTESTS_DIR:-}
EMBER_VM=${EMBER_VM:-auto}
MITIGATIONS=${MITIGATIONS:-off}
EMBER_SKIP_LOAD=${EMBER_SKIP_LOAD:-}

IPS=20000000			# Bochs instructions per emulated second
MARKER=EMBER-TESTVM-DONE	# printed by /init when it is done

[ -f "${EMBER_KO:-}" ] || die "EMBER_KO=${EMBER_KO:-} is not a file"
if [ "$MODE" = check ]; then
	[ -f "$SELFTESTS_DIR/tests.list" ] ||
		die "SELFTESTS_DIR=$SELFTESTS_DIR has no tests.list"
fi
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "TIMEOUT=$TIMEOUT is not a number of seconds"

# ------------------------------------------------------------ dependencies
KVER=$(sh "$TOP/scripts/install-deps.sh") || die "install-deps.sh failed"
KDIR=/var/cache/ember/kernel/$KVER
KMODS=$KDIR/root/lib/modules/$KVER/kernel
[ -f "$KDIR/vmlinuz" ] || die "no guest kernel at $KDIR/vmlinuz"

# Which emulator: Bochs (emulates VT-x), or QEMU+KVM on a host with nested VMX.
if [ "$EMBER_VM" = auto ]; then
	EMBER_VM=bochs
	if [ -c /dev/kvm ] && [ -w /dev/kvm ] && grep -qw vmx /proc/cpuinfo; then
		EMBER_VM=qemu
	fi
fi
case $EMBER_VM in bochs|qemu) ;; *) die "EMBER_VM=$EMBER_VM: want bochs, qemu or auto" ;; esac

mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
LOG=$BUILD_DIR/serial.log
ROOT=$BUILD_DIR/rootfs
rm -rf "$ROOT" "$BUILD_DIR/iso" "$BUILD_DIR/bochs.log"

# ------------------------------------------------------------ the rootfs
# Tests to run, in tests.list order, filtered by T (glob or substring).
tests=()
if [ "$MODE" = check ]; then
	while read -r name _; do
		name=${name%$'\r'}
		case $name in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2053  # T is a pattern on purpose
		if [ -z "$T" ] || [[ $name == $T ]] || [[ $name == *$T* ]]; then
			tests+=("$name")
		fi
	done <"$SELFTESTS_DIR/tests.list"
	# Slow tests (tests.extra.list) run only when T names them.
	if [ -n "$T" ] && [ -f "$SELFTESTS_DIR/tests.extra.list" ]; then
		while read -r name _; do
			case $name in ''|'#'*) continue ;; esac
			# shellcheck disable=SC2053
			[[ $name == $T ]] && tests+=("$name")
		done <"$SELFTESTS_DIR/tests.extra.list"
	fi
	[ ${#tests[@]} -gt 0 ] || die "no test in $SELFTESTS_DIR/tests.list matches T='$T'"
fi

mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,ember/kmod}
cp /bin/busybox "$ROOT/bin/busybox"	# static, from busybox-static
file -L "$ROOT/bin/busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$ROOT/bin/busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "/bin/busybox is not static (install busybox-static)"
for app in $("$ROOT/bin/busybox" --list-full); do
	[ -e "$ROOT/$app" ] || ln -s /bin/busybox "$ROOT/$app"
done
mknod -m 600 "$ROOT/dev/console" c 5 1
install -m 755 "$HERE/init" "$ROOT/init"
cp "$KMODS/virt/lib/irqbypass.ko" "$KMODS/arch/x86/kvm/kvm.ko" \
	"$KMODS/arch/x86/kvm/kvm-intel.ko" "$ROOT/ember/kmod/"
cp "$EMBER_KO" "$ROOT/ember/ember.ko"
if [ "$MODE" = check ]; then
	cp -a "$SELFTESTS_DIR" "$ROOT/ember/selftests"
	printf '%s\n' "${tests[@]}" >"$ROOT/ember/tests.run"
fi
if [ -n "$VMRUN_DIR" ] && [ -d "$VMRUN_DIR" ]; then
	cp -a "$VMRUN_DIR" "$ROOT/ember/vmrun"
fi

(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$BUILD_DIR/initrd.gz"

# Debian's QEMU, for the tests that run it (a "<name>.needs" file in
# SELFTESTS_DIR saying "qemu"): the binary, every shared library ldd
# lists and the dynamic loader, the firmware it loads, and strace (for
# the failing ioctls of a run that fails).  It goes into a second cpio
# archive appended to the first: zstd, which the guest kernel unpacks
# about four times faster than gzip (the ~50 MB would add half a minute
# of Bochs to every boot otherwise), and only when a selected test needs
# it.
needs_qemu=0
for t in "${tests[@]}"; do
	[ -f "$SELFTESTS_DIR/$t.needs" ] && grep -qw qemu "$SELFTESTS_DIR/$t.needs" && needs_qemu=1
done
if [ $needs_qemu = 1 ]; then
	QROOT=$BUILD_DIR/qemu-rootfs
	rm -rf "$QROOT"
	mkdir -p "$QROOT"
	qemu=$(command -v qemu-system-x86_64) || die "no qemu-system-x86_64 (install qemu-system-x86)"
	bins="$qemu $(command -v strace || true)"
	# shellcheck disable=SC2086
	libs=$(ldd $bins | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u)
	[ -n "$libs" ] || die "ldd $qemu lists no libraries"
	for f in $bins $libs; do
		cp -L --parents "$f" "$QROOT/" || die "cannot copy $f"
	done
	# Where this QEMU looks for firmware (qemu -L help): share/qemu and
	# share/seabios next to its bin/.  microvm's qboot, the PC's SeaBIOS
	# and the option ROMs -kernel and the PC's APIC load.
	for f in /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin \
		 /usr/share/qemu/kvmvapic.bin /usr/share/seabios/bios-256k.bin; do
		[ -f "$f" ] || die "no $f (install qemu-system-data and seabios)"
		cp -L --parents "$f" "$QROOT/"
	done
	(cd "$QROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		zstd -q -3 -T0 >>"$BUILD_DIR/initrd.gz"
	rm -rf "$QROOT"
	mkdir -p "$QROOT"
	echo "testvm: QEMU added to the initramfs ($(($(stat -c %s "$BUILD_DIR/initrd.gz") / 1048576)) MiB now)" >&2
fi

# Kernel command line (TESTVM.md).  Under Bochs the TSC ticks once per
# emulated instruction: tsc_early_khz = ips/1000, lpj = ips/HZ (HZ=250).
CMDLINE="console=ttyS0,115200 quiet panic=0 mitigations=$MITIGATIONS nokaslr cryptomgr.notests"
CMDLINE+=" initcall_blacklist=nvme_core_init,acpi_thermal_init,crypto_kdf108_init"
CMDLINE+=" ember.mode=$MODE"
[ -n "$EMBER_SKIP_LOAD" ] && CMDLINE+=" ember.skip_load=$EMBER_SKIP_LOAD"
GUEST=${GUEST:-}
[ -n "$GUEST" ] && CMDLINE+=" ember.guest=$GUEST"
# An interactive guest: the serial port is bridged to this terminal.
INTERACTIVE=0
[ -n "$GUEST" ] && [ "$MODE" = run ] && [ -t 0 ] && [ -t 1 ] && INTERACTIVE=1
BOCHS_CMDLINE="$CMDLINE clearcpuid=aperfmperf idle=halt tsc=reliable tsc_early_khz=$((IPS / 1000)) lpj=$((IPS / 250))"

# A free TCP port on the loopback, for the interactive console.
free_port() {
	local p
	for p in $(seq 5960 5999); do
		(exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	die "no free TCP port in 5960-5999 for the interactive console"
}

# Interactive guest: this terminal, raw, on the test machine's serial port
# until the end marker comes, the VM stops, or Ctrl-] is typed.  What the
# guest prints is shown as it comes and kept in $LOG; the follow loop then
# only reads $LOG for the verdict.
bridge_terminal() {
	local i c
	for i in $(seq 1 100); do
		{ exec 4<>"/dev/tcp/127.0.0.1/$SERIAL_PORT"; } 2>/dev/null && break
		sleep 0.2
	done
	[ "$i" -lt 100 ] || die "cannot connect to the test machine's console"
	echo "testvm: interactive console: Ctrl-] leaves; the guest boots for a few minutes first" >&2
	STTY_SAVED=$(stty -g)
	stty raw -echo
	(cat <&4 | tee -a "$LOG") &
	BRIDGE_PID=$!
	while kill -0 "$VM_PID" 2>/dev/null && ! grep -q "^$MARKER" "$LOG"; do
		IFS= read -r -s -n1 -t 1 -d '' c || { [ $? -gt 128 ] && continue; break; }
		[ "$c" = $'\x1d' ] && break
		[ -z "$c" ] && c=$'\n'
		printf '%s' "$c" >&4 2>/dev/null || break
	done
	stty "$STTY_SAVED"
	STTY_SAVED=
	echo
	kill "$BRIDGE_PID" 2>/dev/null
	exec 4>&-
}

# ------------------------------------------------------------ start the VM
VM_PID=
TAIL_PID=
STTY_SAVED=
BRIDGE_PID=
cleanup() {
	[ -n "$STTY_SAVED" ] && stty "$STTY_SAVED"
	STTY_SAVED=
	if [ -n "$BRIDGE_PID" ]; then kill "$BRIDGE_PID" 2>/dev/null; fi
	BRIDGE_PID=
	if [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; then
		kill "$VM_PID" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$VM_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$VM_PID" 2>/dev/null || true
		wait "$VM_PID" 2>/dev/null || true
	fi
	VM_PID=
	if [ -n "$TAIL_PID" ]; then kill "$TAIL_PID" 2>/dev/null; fi
	TAIL_PID=
}
trap cleanup EXIT
trap 'cleanup; echo "testvm: interrupted" >&2; exit 130' INT
trap 'cleanup; echo "testvm: terminated" >&2; exit 143' TERM

: >"$LOG"
START=$(date +%s)
if [ "$EMBER_VM" = qemu ]; then
	# Real Intel host with nested VMX: the TSC is real, no Bochs clock tweaks.
	echo "testvm: qemu+kvm, kernel $KVER, log $LOG" >&2
	qemu-system-x86_64 -accel kvm -cpu host -smp 2 -m 1G -no-reboot \
		-kernel "$KDIR/vmlinuz" -initrd "$BUILD_DIR/initrd.gz" \
		-append "$CMDLINE" -nographic -monitor none -serial "file:$LOG" \
		</dev/null >"$BUILD_DIR/qemu.out" 2>&1 &
	VM_PID=$!
else
	# Bochs cannot boot a bare kernel: make an isolinux CD.
	ISO=$BUILD_DIR/iso
	mkdir -p "$ISO/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$ISO/isolinux/"
	cp "$KDIR/vmlinuz" "$ISO/vmlinuz"
	cp "$BUILD_DIR/initrd.gz" "$ISO/initrd.gz"
	cat >"$ISO/isolinux/isolinux.cfg" <<-EOF
	DEFAULT ember
	PROMPT 0
	TIMEOUT 0
	LABEL ember
	  KERNEL /vmlinuz
	  INITRD /initrd.gz
	  APPEND $BOCHS_CMDLINE
	EOF
	rm -f "$BUILD_DIR/test.iso"
	xorriso -as mkisofs -quiet -o "$BUILD_DIR/test.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
		"$ISO" 2>"$BUILD_DIR/xorriso.log" || die "xorriso failed, see $BUILD_DIR/xorriso.log"

	# The console: a file, or for an interactive guest a TCP socket on
	# the loopback that bridge_terminal() connects this terminal to.
	COM1="com1: enabled=1, mode=file, dev=\"$LOG\""
	if [ $INTERACTIVE = 1 ]; then
		SERIAL_PORT=$(free_port)
		COM1="com1: enabled=1, mode=socket-server, dev=127.0.0.1:$SERIAL_PORT"
	fi

	# The rfb display (the only headless one) listens on a TCP port: Bochs
	# itself tries 5900..5949 and takes the first free one, and panics if
	# none is free (reported below).  timeout=0: do not wait for a viewer.
	cat >"$BUILD_DIR/bochsrc" <<-EOF
	# generated by scripts/testvm/testvm.sh
	megs: 1024
	cpu: model=corei7_skylake_x, count=2, ips=$IPS, reset_on_triple_fault=0
	clock: sync=none, time0=local
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	display_library: rfb, options="timeout=0"
	ata0-master: type=cdrom, path="$BUILD_DIR/test.iso", status=inserted
	boot: cdrom
	$COM1
	mouse: enabled=0
	speaker: enabled=0
	sound: driver=dummy
	log: $BUILD_DIR/bochs.log
	panic: action=fatal
	error: action=report
	info: action=report
	debug: action=ignore
	EOF
	printf 'c\nquit\n' >"$BUILD_DIR/bochs.rc"
	echo "testvm: bochs (2 vCPUs, VT-x emulated), kernel $KVER, log $LOG" >&2
	bochs -q -f "$BUILD_DIR/bochsrc" -rc "$BUILD_DIR/bochs.rc" \
		</dev/null >"$BUILD_DIR/bochs.out" 2>&1 &
	VM_PID=$!
fi
REPLAY_QUIET=0
if [ $INTERACTIVE = 1 ]; then
	bridge_terminal
	REPLAY_QUIET=1		# it was all shown already
	grep -q "^$MARKER" "$LOG" || echo "testvm: left the console before the guest ended" >&2
fi

# ------------------------------------------------------------ follow the console
set +e			# from here on failures are counted, not fatal
# The reader state: "boot" until /init starts, then "init"; in check mode
# "tap" after "TAP version 13".
state=boot
plan=-1
passed=0 failed=0 skipped=0
diag=()			# "# " lines since the last TAP result
done_marker=0
panic=0 panic_at=0
ember_load_failed=0
demo_rc='' kernel_log=''
errors=()

# Show the diagnostics of the test that was running (it failed, or never ended).
flush_diag() {
	[ ${#diag[@]} -gt 0 ] && printf '%s\n' "${diag[@]}"
	diag=()
}

handle_line() {
	local l=${1%$'\r'}
	case $l in
	*"Kernel panic - not syncing"*)
		flush_diag
		echo "$l"
		panic=1
		panic_at=$(date +%s)
		return ;;
	"$MARKER"*)
		done_marker=1
		return ;;
	"ember-testvm: insmod ember.ko failed"*)
		ember_load_failed=1 ;;
	"ember-testvm: /init started"*)
		state=init
		boot_secs=$(($(date +%s) - START))
		[ $REPLAY_QUIET = 1 ] ||
			echo "testvm: guest /init started after ${boot_secs}s" ;;
	esac
	[ $state = boot ] && return

	if [ "$MODE" = run ]; then
		[ $REPLAY_QUIET = 1 ] || echo "$l"
		if [[ $l =~ ^ember-testvm:\ RESULT\ demo=([0-9]+)\ kernel_log=([a-z]+) ]]; then
			demo_rc=${BASH_REMATCH[1]}
			kernel_log=${BASH_REMATCH[2]}
		fi
		return
	fi

	case $l in
	"ember-testvm: "*) echo "$l" ;;
	"TAP version 13") state=tap; echo "$l" ;;
	"1.."[0-9]*) [ $state = tap ] && { plan=${l#1..}; echo "$l"; } ;;
	"#"*) [ $state = tap ] && diag+=("$l") ;;
	"ok "[0-9]*|"not ok "[0-9]*)
		[ $state = tap ] || return
		if [[ $l == not* ]]; then
			failed=$((failed + 1))
			flush_diag
		elif [[ $l =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
			skipped=$((skipped + 1))
		else
			passed=$((passed + 1))
		fi
		diag=()
		echo "$l" ;;
	"["*"]"*) echo "$l" ;;	# kernel messages that reach the console (errors)
	esac
}

# tail ends by itself when the VM process goes away (--pid).
exec 3< <(exec tail -n +1 -F --pid="$VM_PID" "$LOG" 2>/dev/null)
TAIL_PID=$!
partial=
vm_exited=0
while :; do
	if IFS= read -r -t 2 line <&3; then
		handle_line "$partial$line"
		partial=
	elif [ $? -gt 128 ]; then
		partial+=$line		# read timed out: keep the partial line
	else
		vm_exited=1		# EOF: the VM is gone
		[ -n "$partial$line" ] && handle_line "$partial$line"
		break
	fi
	now=$(date +%s)
	[ $done_marker = 1 ] && break
	# After a panic give the console two seconds to show the backtrace.
	[ $panic = 1 ] && [ $((now - panic_at)) -ge 2 ] && break
	# QEMU pauses the guest, instead of exiting, on a KVM internal error.
	if [ "$EMBER_VM" = qemu ] && grep -q 'KVM internal error' "$BUILD_DIR/qemu.out"; then
		errors+=("qemu: KVM internal error, see $BUILD_DIR/qemu.out")
		break
	fi
	if [ $((now - START)) -ge "$TIMEOUT" ]; then
		errors+=("TIMEOUT: no end marker after ${TIMEOUT}s (guest hung or too slow)")
		break
	fi
done
[ $INTERACTIVE = 1 ] && [ $done_marker = 0 ] && done_marker=1	# user left
ELAPSED=$(($(date +%s) - START))
cleanup
[ $done_marker = 1 ] || flush_diag
exec 3<&-

# ------------------------------------------------------------ verdict
[ $panic = 1 ] && errors+=("the guest kernel panicked")
if [ $done_marker = 0 ] && [ $panic = 0 ] && [ $vm_exited = 1 ]; then
	if grep -q 'RFB could not bind' "$BUILD_DIR/bochs.log" 2>/dev/null; then
		errors+=("Bochs found no free TCP port for its rfb display (5900-5949 all taken)")
	else
		errors+=("the emulator exited before the end marker (see $BUILD_DIR/bochs.log or qemu.out)")
	fi
fi

echo "testvm: ${ELAPSED}s wall time from start to end"
status=0
if [ "$MODE" = check ]; then
	# Every test that never reported (the guest died, the run timed out)
	# is a failure: load_ember, the tests, kernel_log_clean.
	total=$((passed + failed + skipped))
	want=$(( ${#tests[@]} + 2 ))
	[ "$plan" -ge 0 ] && want=$plan
	if [ "$total" -lt "$want" ]; then
		errors+=("$((want - total)) of $want TAP results never came: counted as failed")
		failed=$((failed + want - total))
	elif [ "$total" != "$want" ]; then
		errors+=("$total TAP results but the plan was 1..$want")
	fi
	[ $failed -gt 0 ] && status=1
else
	if [ $ember_load_failed = 1 ]; then
		errors+=("ember.ko did not load (see above)")
	elif [ -n "$demo_rc" ] && [ "$demo_rc" != 0 ]; then
		errors+=("demo.sh exited with status $demo_rc")
	fi
	[ "$kernel_log" = dirty ] && errors+=("the kernel log has errors (see above)")
fi
for e in "${errors[@]}"; do
	echo "testvm: FAILED: $e"
	status=1
done
if [ "$MODE" = check ]; then
	echo "selftests: $passed passed, $failed failed, $skipped skipped"
else
	echo "vmrun: demo status ${demo_rc:-none}, kernel log ${kernel_log:-unknown}"
fi
echo "serial log: $LOG"
exit $status
