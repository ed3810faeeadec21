#!/bin/sh
# The keyboard controller's reset line and port 0xCF9 stop vmrun (status 0);
# so does, with --irqchip=user, a guest whose every vCPU halts with
# interrupts off.  With the in-kernel irqchip such a guest stays halted in
# the hypervisor, as a PC would: SIGTERM then stops vmrun (128 + 15), every
# vCPU thread kicked out of KVM_RUN and joined.
. ./vmrun_lib.sh
for d in $devices; do
	run $d 0 --verbose "$GUESTS/kbd_reset.bin" --load 0x100000
	expect 'reset the machine \(keyboard controller reset line\)'
	run $d 0 --verbose --load 0x100000 "$GUESTS/cf9_reset.bin"
	expect 'reset the machine \(port 0xCF9\)'
	run $d 0 --verbose --irqchip user --cpus 2 --load 0x100000 "$GUESTS/halt.bin"
	expect 'all vCPUs halted with interrupts disabled'

	what="vmrun --device $d --verbose --cpus 2 halt.bin, SIGTERM after 2 s"
	"$VMRUN" --device "$d" --verbose --cpus 2 --load 0x100000 \
		"$GUESTS/halt.bin" </dev/null >/tmp/vmrun.out 2>&1 &
	pid=$!
	sleep 2
	t0=$(cut -d' ' -f1 /proc/uptime)
	kill -TERM $pid
	wait $pid
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	out=$(cat /tmp/vmrun.out)
	if [ $rc = 143 ]; then
		ok "$what: exit status 143"
	else
		not_ok "$what: exit status $rc, want 143"
		echo "$out" | tail -20 | show
	fi
	expect '^vmrun: stopped by Terminated'
	expect '^vmrun: vCPU 0 when stopped:'
	expect '^vmrun: vCPU 1 when stopped:'
	expect_not 'did not stop'
	if echo "$t0 $t1" | awk '{ exit !($2 - $1 < 3) }'; then
		ok "stopped within 3 s"
	else
		not_ok "took $t0 -> $t1 s of uptime to stop"
	fi
done
finish
