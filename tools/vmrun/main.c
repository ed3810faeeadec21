// SPDX-License-Identifier: GPL-2.0
/*
 * vmrun: the userspace VMM of ember.  It uses only the KVM ABI of
 * <linux/kvm.h>, so it runs the same on /dev/ember and /dev/kvm: it creates
 * the VM, its memory and vCPUs, loads the guest image, attaches the PC
 * devices and serves the guest's exits until it stops.
 *
 *   main.c          options, and the order things are set up in
 *   vm.c vcpu.c     the VM, its memory, the vCPU threads and exit dispatch
 *   cpu_setup.c     real/32/64-bit entry state; cpuid.c what CPUID says
 *   irq.c           device IRQs -> KVM_IRQ_LINE, or through the userspace
 *                   PIC -> KVM_INTERRUPT / interrupt windows
 *   acpi.c          the ACPI tables a Linux guest reads (CPUs, IOAPIC)
 *   bus.c           who owns which port or MMIO range
 *   evloop.c        timers, stdin and signals in the main thread
 *   loader.c load_*.c   guest images
 *   devices/        one file per device model
 */
#include <getopt.h>
#include <linux/ember.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "evloop.h"
#include "loader.h"
#include "probe.h"
#include "term.h"
#include "util.h"
#include "vm.h"

#define DEFAULT_MEM	"128M"

static void usage(FILE *out)
{
	fprintf(out,
"usage: vmrun [options] IMAGE\n"
"       vmrun --probe [--device PATH]\n"
"Runs a guest on the KVM ABI of ember (or KVM). IMAGE is an ELF executable,\n"
"a Linux bzImage or (with --load or --format flat) a flat binary.\n"
"\n"
"  --device PATH     hypervisor device (default " EMBER_DEVICE_PATH "; /dev/kvm works too)\n"
"  --mem SIZE        guest memory, K/M/G suffixes, at most 3G (default " DEFAULT_MEM ")\n"
"  --cpus N          vCPUs, 1 to %d (default 1).  Flat and ELF images: each\n"
"                    starts at the entry point with RDI = its index, RSI = N.\n"
"                    A Linux bzImage starts the others itself (needs\n"
"                    --irqchip=kernel)\n"
"  --irqchip WHERE   kernel: the hypervisor's interrupt controllers (8259As,\n"
"                    IOAPIC, local APICs) and 8254, which halt vCPUs and start\n"
"                    APs in the kernel; user: vmrun's own 8259As and 8254,\n"
"                    no APICs, interrupts to vCPU 0 only (default kernel)\n"
"  --format FMT      auto, flat, elf or bzimage (default auto: by content)\n"
"  --load ADDR       flat binary load address (default 0x100000; 0x7c00 in\n"
"                    real mode); implies --format flat for an unknown image\n"
"  --entry ADDR      entry point (default: the load address, or the ELF entry)\n"
"  --mode MODE       real, 32 or 64: the CPU mode at the entry point (default\n"
"                    64 for flat binaries, the ELF class for ELF files)\n"
"  --initrd FILE     initial ramdisk for a Linux bzImage or PVH kernel (default none)\n"
"  --append CMDLINE  kernel command line (default empty)\n"
"  --verbose         log what is loaded where, each unclaimed port once, and\n"
"                    the registers of running vCPUs when stopped by a signal\n"
"  --probe           check the device, create a VM and show VMX in every CPU\n"
"  --help            this text\n"
"\n"
"Devices: COM1 16550A (stdin/stdout), 8259A PICs, 8254 PIT, CMOS/RTC, i8042\n"
"(reset line), reset at 0xCF9, debug exit at port %#x: a write of N ends vmrun\n"
"with status N; for a Linux bzImage with --irqchip=kernel, ACPI tables and\n"
"power off. Ctrl-C stops the guest. Exit status: the guest's debug-exit\n"
"value, 0 after a reset, a power off or (--irqchip=user) when every vCPU\n"
"halts with interrupts off, 1 on a crash or error, 2 on a bad command line,\n"
"128+N on signal N.\n",
		MAX_VCPUS, DEBUG_EXIT_PORT);
}

struct options {
	const char *device;
	const char *image;
	uint64_t mem;
	int cpus;
	bool probe;
	enum irqchip irqchip;
	struct load_opts load;
};

static uint64_t parse_addr(const char *opt, const char *arg)
{
	uint64_t v;

	if (!parse_u64(arg, &v))
		usage_error("%s '%s': not an address (e.g. 0x100000)", opt, arg);
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_DEVICE = 256, OPT_MEM, OPT_CPUS, OPT_IRQCHIP, OPT_FORMAT,
	       OPT_LOAD, OPT_ENTRY, OPT_MODE, OPT_INITRD, OPT_APPEND,
	       OPT_VERBOSE, OPT_PROBE, OPT_HELP };
	static const struct option opts[] = {
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "irqchip", required_argument, NULL, OPT_IRQCHIP },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "load", required_argument, NULL, OPT_LOAD },
		{ "entry", required_argument, NULL, OPT_ENTRY },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "probe", no_argument, NULL, OPT_PROBE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = {
		[FORMAT_AUTO] = "auto", [FORMAT_FLAT] = "flat",
		[FORMAT_ELF] = "elf", [FORMAT_BZIMAGE] = "bzimage",
	};
	uint64_t v;
	int c, i;

	o->device = EMBER_DEVICE_PATH;
	o->cpus = 1;
	o->load.mem_arg = DEFAULT_MEM;
	parse_size(DEFAULT_MEM, &o->mem);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DEVICE:
			o->device = optarg;
			break;
		case OPT_MEM:
			if (!parse_size(optarg, &o->mem) || o->mem < (2 << 20) ||
			    o->mem > MAX_MEM || o->mem & 0xfff)
				usage_error("--mem '%s': want a size from 2M to 3G in whole pages (e.g. 256M)",
					    optarg);
			o->load.mem_arg = optarg;
			break;
		case OPT_CPUS:
			if (!parse_u64(optarg, &v) || v < 1 || v > MAX_VCPUS)
				usage_error("--cpus '%s': want 1 to %d", optarg,
					    MAX_VCPUS);
			o->cpus = v;
			break;
		case OPT_IRQCHIP:
			if (!strcmp(optarg, "kernel"))
				o->irqchip = IRQCHIP_KERNEL;
			else if (!strcmp(optarg, "user"))
				o->irqchip = IRQCHIP_USER;
			else
				usage_error("--irqchip '%s': want kernel or user",
					    optarg);
			break;
		case OPT_FORMAT:
			for (i = 0; i < (int)ARRAY_SIZE(formats); i++)
				if (!strcmp(optarg, formats[i]))
					break;
			if (i == (int)ARRAY_SIZE(formats))
				usage_error("--format '%s': want auto, flat, elf or bzimage",
					    optarg);
			o->load.format = i;
			break;
		case OPT_LOAD:
			o->load.load = parse_addr("--load", optarg);
			o->load.has_load = true;
			break;
		case OPT_ENTRY:
			o->load.entry = parse_addr("--entry", optarg);
			o->load.has_entry = true;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "real") || !strcmp(optarg, "16"))
				o->load.mode = MODE_REAL;
			else if (!strcmp(optarg, "32"))
				o->load.mode = MODE_32;
			else if (!strcmp(optarg, "64"))
				o->load.mode = MODE_64;
			else
				usage_error("--mode '%s': want real, 32 or 64",
					    optarg);
			o->load.has_mode = true;
			break;
		case OPT_INITRD:
			o->load.initrd = optarg;
			break;
		case OPT_APPEND:
			o->load.append = optarg;
			break;
		case OPT_VERBOSE:
			verbose_on = true;
			break;
		case OPT_PROBE:
			o->probe = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (o->probe)
		return;
	if (optind == argc)
		usage_error("no IMAGE given (vmrun --help lists the options)");
	if (optind + 1 < argc)
		usage_error("one IMAGE only; '%s' is extra", argv[optind + 1]);
	o->image = argv[optind];
}

int main(int argc, char **argv)
{
	static struct vm vm;
	struct options o = { 0 };

	parse_options(argc, argv, &o);
	if (o.probe)
		return probe(o.device);

	vm.irqchip = o.irqchip;
	vm.nr_vcpus = o.cpus;
	vm_alloc_memory(&vm, o.mem);
	image_load(&vm, o.image, &o.load);
	if (o.cpus > 1 && !vm.boot.smp)
		usage_error("--cpus %d: with --irqchip=user a Linux bzImage boots on one vCPU (it needs local APICs to start the others)",
			    o.cpus);
	if (vm.boot.linux_acpi)
		acpi_setup(&vm);
	vm_open(&vm, o.device);
	if (vm.irqchip == IRQCHIP_KERNEL)
		irqchip_create(&vm);
	vm_map_memory(&vm);

	ev_init(&vm);
	if (vm.irqchip == IRQCHIP_USER) {
		pic_init(&vm);
		pit_init(&vm);
	}
	uart_init(&vm);
	rtc_init(&vm);
	i8042_init(&vm);
	reset_init(&vm);
	debug_exit_init(&vm);
	if (vm.boot.linux_acpi)
		acpi_pm_init(&vm);

	vcpus_create(&vm, o.cpus);
	term_raw();
	ev_block_signals();
	vcpus_start(&vm);
	exit(ev_run(&vm));
}
