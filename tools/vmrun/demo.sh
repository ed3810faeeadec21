#!/bin/sh
# The demo `make run` shows inside the test machine.
echo "== ember is loaded:"
grep '^ember ' /proc/modules
echo "== VMX capabilities ember found (/sys/kernel/debug/ember/capabilities):"
sed -n '1,12p' /sys/kernel/debug/ember/capabilities | sed 's/^/  /'
echo "== vmrun --probe:"
/ember/vmrun/vmrun --probe
