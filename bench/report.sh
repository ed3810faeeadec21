#!/bin/bash
# Turns the test machine's console log of a benchmark run into the table
# (stdout and OUTDIR/table.md), OUTDIR/results.json (per figure: ember, KVM,
# the ratio) and OUTDIR/rounds.json (every round's raw figures).
#
#   bench/report.sh SERIAL_LOG OUTDIR
#
# Per figure: ember and KVM are the medians of their rounds' values, the
# ratio is the median of the rounds' ratios ember/KVM (round r of ember
# against round r of KVM).  Exit status 1 if the log has no BENCH line or
# a BENCHERR line.  Needs only bash and awk.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 SERIAL_LOG OUTDIR" >&2
	exit 2
fi
log=$1
out=$2
mkdir -p "$out"

tr -d '\r' <"$log" | awk -v out="$out" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n == 0)
		return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v) {
	if (v == "")
		return "n/a"
	if (v >= 10000000)
		return sprintf("%.1f M", v / 1000000)
	return sprintf("%d", v + 0.5)
}
function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}
function jnum(v) {
	return v == "" ? "null" : v
}
BEGIN {
	# The table, in order: key, label, note.
	n = 0
	row[++n] = "cpuid";		lab[n] = "CPUID exit, handled in the kernel (leaf 0)"
	row[++n] = "vmcall";		lab[n] = "VMCALL exit, handled in the kernel (unknown hypercall: -ENOSYS)"
	row[++n] = "rdmsr";		lab[n] = "RDMSR exit, MSR_STAR, handled in the kernel"
	row[++n] = "wrmsr";		lab[n] = "WRMSR exit, MSR_STAR, handled in the kernel"
	row[++n] = "hlt";		lab[n] = "HLT: KVM_EXIT_HLT to userspace and re-entry"
	note[n] = "no in-kernel irqchip: HLT always exits to userspace (KVM and ember)"
	row[++n] = "hlt_irq";		lab[n] = "HLT woken by KVM_INTERRUPT: HLT exit, inject, guest handler, back"
	note[n] = "userspace irqchip: KVM_INTERRUPT on the HLT exit, as vmrun does; includes the guest ISR (same code on both)"
	row[++n] = "pio_out";		lab[n] = "port write (OUT) to userspace and re-entry"
	row[++n] = "mmio_write";	lab[n] = "MMIO write to userspace and re-entry"
	row[++n] = "ept_4k";		lab[n] = "EPT first touch, 4 KiB page (host page allocated on the way)"
	row[++n] = "ept_4k_hostpage";	lab[n] = "EPT first touch, 4 KiB page (host page already there)"
	row[++n] = "ept_2m";		lab[n] = "EPT first touch, 2 MiB page (host THP allocated and zeroed on the way)"
	note[n] = "mostly the host kernel zeroing 2 MiB"
	row[++n] = "ept_2m_hostpage";	lab[n] = "EPT first touch, 2 MiB page (host THP already there)"
	row[++n] = "ept_2m_next4k";	lab[n] = "check: another 4 KiB of a touched 2 MiB page (0 = no exit: mapped 2 MiB)"
	row[++n] = "irq_eoi";		lab[n] = "in-kernel irqchip: EOI write to the xAPIC page (nothing in service)"
	note[n] = "KVM_CREATE_IRQCHIP VM, 2 vCPUs; the guest uses the xAPIC by MMIO"
	row[++n] = "irq_self_ipi";	lab[n] = "self IPI: ICR write to the guest handler"
	row[++n] = "irq_timer";		lab[n] = "LAPIC timer, one-shot, count 1: arm to the guest handler"
	row[++n] = "irq_hlt_timer";	lab[n] = "HLT woken by the TSC-deadline timer: deadline to the guest handler"
	note[n] = "the vCPU sleeps in the kernel; 1 ms (Bochs) deadline"
	row[++n] = "irq_ipi";		lab[n] = "IPI to a halted vCPU 1 and back (its handler IPIs vCPU 0): round trip"
	row[++n] = "irq_irqfd";		lab[n] = "OUT to userspace, eventfd write, irqfd (MSI route) to the guest handler"
	row[++n] = "vm_create_destroy";	lab[n] = "create + destroy a VM: 1 vCPU, 64 MiB slot (VMX already on)"
	note[n] = "another VM of the same device is open, so VMX stays on"
	row[++n] = "vm_create";		lab[n] = "of which: create (KVM_CREATE_VM, slot, KVM_CREATE_VCPU, mmap)"
	row[++n] = "vm_destroy";	lab[n] = "of which: destroy (munmap, close vCPU and VM)"
	row[++n] = "vm_first";		lab[n] = "the same, first and only VM (VMX on and off in every CPU)"
	row[++n] = "slot_add";		lab[n] = "add a 2 MiB memory slot"
	row[++n] = "slot_delete";	lab[n] = "delete a 2 MiB memory slot"
	row[++n] = "slot_add_256m";	lab[n] = "add a 256 MiB memory slot (never touched)"
	row[++n] = "slot_delete_256m";	lab[n] = "delete a 256 MiB memory slot (never touched)"
	row[++n] = "linux_boot";	lab[n] = "Linux guest under vmrun: start of vmrun to the guest'"'"'s /init"
	note[n] = "one boot per round (LINUX_ROUNDS); 256 MiB, 1 vCPU, the test machine'"'"'s kernel"
	nrows = n
	nr = 0
	nerr = 0
}
/^BENCH / {
	# BENCH round dev figure value median min p90 mean n
	r = $2; d = $3; f = $4
	val[f, d, r] = $5
	if (!((f, d) in nrd)) nrd[f, d] = 0
	rounds[f, d, ++nrd[f, d]] = r
	raw[++nr] = sprintf("{\"round\": %d, \"device\": %s, \"figure\": %s, \"value\": %s, \"median\": %s, \"min\": %s, \"p90\": %s, \"mean\": %s, \"samples\": %s}", r, jstr(d), jstr(f), $5, $6, $7, $8, $9, $10)
	next
}
/^BENCHINFO / {
	s = $0; sub(/^BENCHINFO /, "", s)
	info[++ninfo] = s
	next
}
/^BENCHERR / {
	s = $0; sub(/^BENCHERR /, "", s)
	err[++nerr] = s
	next
}
END {
	if (nr == 0) {
		print "report: no BENCH lines in the log" > "/dev/stderr"
		exit 1
	}
	tm = out "/table.md"
	js = out "/results.json"
	print "| figure (TSC ticks per round trip) | ember | KVM | ember/KVM |" > tm
	print "|---|---:|---:|---:|" > tm
	print "{\n  \"unit\": \"TSC ticks (in Bochs: emulated instructions)\",\n  \"figures\": [" > js
	for (i = 1; i <= nrows; i++) {
		f = row[i]
		for (k = 1; k <= 2; k++) {
			d = k == 1 ? "ember" : "kvm"
			m = 0
			cnt = ((f, d) in nrd) ? nrd[f, d] : 0
			for (j = 1; j <= cnt; j++)
				tmp[++m] = val[f, d, rounds[f, d, j]]
			med[d] = median(tmp, m)
			nrounds[d] = m
		}
		m = 0
		cnt = ((f, "ember") in nrd) ? nrd[f, "ember"] : 0
		for (j = 1; j <= cnt; j++) {
			r = rounds[f, "ember", j]
			if (((f, "kvm", r) in val) && val[f, "kvm", r] > 0)
				tmp[++m] = val[f, "ember", r] / val[f, "kvm", r]
		}
		ratio = median(tmp, m)
		nt = note[i]
		if (f == "linux_boot" && (med["ember"] == "" || med["kvm"] == ""))
			nt = "n/a: vmrun did not boot Linux to /init on both devices (see BENCHERR)"
		rs = ratio == "" ? "n/a" : sprintf("%.2f", ratio)
		printf("| %s | %s | %s | %s |\n", lab[i], fmt(med["ember"]), fmt(med["kvm"]), rs) > tm
		printf("    {\"figure\": %s, \"description\": %s, \"ember\": %s, \"kvm\": %s, \"ratio_ember_kvm\": %s, \"rounds_ember\": %d, \"rounds_kvm\": %d, \"note\": %s}%s\n",
		       jstr(f), jstr(lab[i]), jnum(med["ember"]), jnum(med["kvm"]),
		       ratio == "" ? "null" : sprintf("%.4f", ratio),
		       nrounds["ember"], nrounds["kvm"], jstr(nt), i < nrows ? "," : "") > js
		if (nt != "")
			notes[++nnotes] = lab[i] ": " nt
	}
	print "  ],\n  \"info\": [" > js
	for (i = 1; i <= ninfo; i++)
		printf("    %s%s\n", jstr(info[i]), i < ninfo ? "," : "") > js
	print "  ],\n  \"errors\": [" > js
	for (i = 1; i <= nerr; i++)
		printf("    %s%s\n", jstr(err[i]), i < nerr ? "," : "") > js
	print "  ]\n}" > js
	close(tm)
	close(js)
	rj = out "/rounds.json"
	print "[" > rj
	for (i = 1; i <= nr; i++)
		printf("  %s%s\n", raw[i], i < nr ? "," : "") > rj
	print "]" > rj
	close(rj)
	while ((getline l < tm) > 0)
		print l
	print ""
	print "Notes:"
	for (i = 1; i <= nnotes; i++)
		print "- " notes[i]
	for (i = 1; i <= ninfo; i++)
		print "info: " info[i]
	for (i = 1; i <= nerr; i++)
		print "ERROR: " err[i]
	exit nerr ? 1 : 0
}'
