#!/bin/bash
# make bench: build the benchmark, boot the test machine once (ember and
# kvm_intel loaded side by side), run ROUNDS interleaved rounds on each, and
# report: the table on stdout and in OUTPUT/table.md, OUTPUT/results.json,
# OUTPUT/rounds.json; the guest's console in OUTPUT/testvm/serial.log.
#
# Environment: EMBER_KO (required: ember.ko built for the test machine's
# kernel), OUTPUT (default build/bench), ROUNDS (5), LINUX_ROUNDS (2),
# TIMEOUT (900 s of wall time for the test machine), and what
# scripts/testvm/testvm.sh takes (EMBER_VM).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
OUTPUT=${OUTPUT:-$TOP/build/bench}
: "${EMBER_KO:?EMBER_KO must name ember.ko}"

make -C "$HERE" OUTPUT="$OUTPUT"
printf 'ROUNDS=%s\nLINUX_ROUNDS=%s\n' "${ROUNDS:-5}" "${LINUX_ROUNDS:-2}" \
	>"$OUTPUT/guest/bench.conf"
rm -f "$OUTPUT/table.md" "$OUTPUT/results.json" "$OUTPUT/rounds.json"

rc=0
EMBER_KO=$EMBER_KO VMRUN_DIR=$OUTPUT/guest BUILD_DIR=$OUTPUT/testvm \
	TIMEOUT=${TIMEOUT:-900} bash "$TOP/scripts/testvm/testvm.sh" run || rc=$?
echo
bash "$HERE/report.sh" "$OUTPUT/testvm/serial.log" "$OUTPUT" || rc=1
echo "bench: results in $OUTPUT/results.json, rounds in $OUTPUT/rounds.json"
exit $rc
