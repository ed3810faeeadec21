# ember: top-level build.
#
#   make            ember.ko, tools/vmrun and the selftests
#   make check      the host-side unit tests and the benchmark's build, the
#                   harness's own tests (one boot, without T), then boot the
#                   test machine and run every selftest in it (T=pattern
#                   runs a subset; MITIGATIONS=auto boots the test
#                   machine's kernel with its mitigations on)
#   make check-harness  the harness's own tests alone (selftests/harness)
#   make unit       the host-side unit tests (selftests/unit)
#   make run        boot the test machine and run the demo on ember
#   make bench      ember against kvm_intel, side by side, in one boot
#   make deps       install what the build and the test machine need
#
# KDIR: the kernel build tree ember.ko is built against.  Default: the running
# kernel's, if it has one, else the Debian cloud kernel the test machine
# boots (installed by `make deps`).  The test targets always use the latter.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD ?= $(TOP)/build
EMBER_CACHE ?= /var/cache/ember
export EMBER_CACHE

# The kernel version the test machine boots, as recorded by install-deps.
GUEST_KVER = $(shell cat $(EMBER_CACHE)/deps.stamp 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(KDIR),)
  ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
    KDIR := $(RUNNING_KDIR)
  else
    KDIR = /lib/modules/$(GUEST_KVER)/build
  endif
endif

.PHONY: all module tools selftests deps check check-harness unit bench-build \
	run bench clean checkpatch

all: module tools selftests

module:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "ember: no kernel build tree at '$(KDIR)': run 'make deps' or set KDIR" >&2; exit 1; fi
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

tools:
	$(MAKE) -C tools/vmrun OUTPUT=$(BUILD)/vmrun

selftests:
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests

deps:
	@sh scripts/install-deps.sh >/dev/null

# The test machine boots the Debian cloud kernel, so ember.ko must be built
# against exactly its headers, whatever the host runs.
testvm-build: deps
	$(MAKE) module KDIR=/lib/modules/$$(cat $(EMBER_CACHE)/deps.stamp)/build
	$(MAKE) tools selftests

# Host-side unit tests of pure-C parts of the module: no VT-x needed.
unit: deps
	$(MAKE) -C selftests/unit OUTPUT=$(BUILD)/unit run

# The benchmark is not run by make check, but it must build.
bench-build: deps
	$(MAKE) -C bench OUTPUT=$(BUILD)/bench

# The harness's own tests: one boot of fake tests that must fail the run
# in the expected ways (selftests/harness/run.sh).
check-harness: testvm-build
	$(MAKE) -C selftests/harness OUTPUT=$(BUILD)/harness
	EMBER_KO=$(TOP)/ember.ko BUILD_DIR=$(BUILD)/testvm-harness \
		bash selftests/harness/run.sh $(BUILD)/harness

# Everything before the boot fails make check first; the harness's own
# tests run on a full run only (not with T=...).
check: unit bench-build testvm-build $(if $(T),,check-harness)
	EMBER_KO=$(TOP)/ember.ko SELFTESTS_DIR=$(BUILD)/selftests \
	MITIGATIONS="$(MITIGATIONS)" \
	VMRUN_DIR=$(BUILD)/vmrun T="$(T)" BUILD_DIR=$(BUILD)/testvm \
		bash scripts/testvm/testvm.sh check

# GUEST=linux boots the Linux guest under vmrun on ember and, when the
# terminal is a terminal, leaves you at its shell (Ctrl-] leaves).
run: testvm-build
	EMBER_KO=$(TOP)/ember.ko VMRUN_DIR=$(BUILD)/vmrun GUEST="$(GUEST)" \
	BUILD_DIR=$(BUILD)/testvm \
		bash scripts/testvm/testvm.sh run

# The benchmark: see bench/README.md.  ROUNDS, LINUX_ROUNDS, TIMEOUT apply.
bench: testvm-build
	EMBER_KO=$(TOP)/ember.ko OUTPUT=$(BUILD)/bench \
	MITIGATIONS="$(MITIGATIONS)" bash bench/run.sh

# Kernel style of the module's sources.  Header packages lack checkpatch.pl;
# it is taken from Debian's linux-source package when KDIR has none.  Known
# false positives: "spacing around '%'" at the %l[label] operands of
# _ASM_EXTABLE() in asm goto (vmcs.c, vmx_cpu.c, vmx_vcpu.c), as in KVM's
# own sources.
CHECKPATCH_DIR = $(BUILD)/checkpatch
checkpatch:
	@cp=$(KDIR)/scripts/checkpatch.pl; \
	if [ ! -f "$$cp" ]; then \
		cp=$$(ls $(CHECKPATCH_DIR)/*/scripts/checkpatch.pl 2>/dev/null | head -1); \
	fi; \
	if [ -z "$$cp" ]; then \
		src=$$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | tail -1); \
		if [ -z "$$src" ]; then \
			echo "checkpatch: no checkpatch.pl: apt-get install linux-source" >&2; exit 1; fi; \
		mkdir -p $(CHECKPATCH_DIR); \
		tar -C $(CHECKPATCH_DIR) -xf "$$src" --wildcards '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'; \
		cp=$$(ls $(CHECKPATCH_DIR)/*/scripts/checkpatch.pl | head -1); \
	fi; \
	perl "$$cp" --no-tree --terse -q -f module/*.[ch] arch/x86/*.[ch] arch/x86/*/*.[ch]

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(TOP) clean; fi
	$(MAKE) -C tools/vmrun clean OUTPUT=$(BUILD)/vmrun
	$(MAKE) -C selftests clean OUTPUT=$(BUILD)/selftests
	rm -rf $(BUILD)
