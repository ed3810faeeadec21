#!/bin/sh
# The demo `make run` shows inside the test machine (cwd /ember/vmrun).
#
# GUEST=linux (in the environment, or ember.guest=linux on the kernel command
# line) boots the Linux guest instead and leaves you at its shell.
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST=${GUEST:-}
for w in $(cat /proc/cmdline 2>/dev/null); do
	case $w in ember.guest=*) GUEST=${w#ember.guest=} ;; esac
done

if [ "$GUEST" = linux ]; then
	echo "== Linux on /dev/ember (vmrun $HERE/linux.sh)"
	"$HERE/linux.sh"
	exit $?
fi

echo "== ember is loaded:"
grep '^ember ' /proc/modules
echo "== VMX features ember found (/sys/kernel/debug/ember/capabilities):"
grep -E '^(ept|ept_2m_pages|vpid|unrestricted_guest|preemption_timer|true_controls):' \
	/sys/kernel/debug/ember/capabilities | sed 's/^/  /'
echo "== vmrun --probe:"
"$HERE/vmrun" --probe
status=0
for dev in /dev/ember /dev/kvm; do
	[ -e "$dev" ] || continue
	echo "== the demo guest on $dev: vmrun --device $dev --cpus 2 demo.elf"
	"$HERE/vmrun" --device "$dev" --cpus 2 "$HERE/demo.elf"
	rc=$?
	echo "== vmrun exit status $rc on $dev"
	# The demo is ember's: its status is what make run reports.
	[ "$dev" = /dev/ember ] && status=$rc
done
exit $status
