// SPDX-License-Identifier: GPL-2.0
/*
 * A Linux bzImage, booted through its 64-bit entry point as
 * Documentation/x86/boot.rst says ("64-bit Boot Protocol"): the protected-
 * mode kernel at 1 MiB (it moves itself to an aligned address if it must),
 * the zero page (struct boot_params) with the setup header copied from the
 * image, the command line, the initrd as high as initrd_addr_max allows and
 * the e820 memory map from --mem; entered at the kernel's start + 0x200 in
 * 64-bit mode with RSI = the zero page, __BOOT_CS/__BOOT_DS flat segments and
 * the memory identity-mapped.  That needs boot protocol 2.12 (xloadflags)
 * with XLF_KERNEL_64.  With the in-kernel irqchip the kernel may have
 * several vCPUs: it finds them, and how to power off, in the ACPI tables of
 * acpi.c, which the zero page points at (acpi_rsdp_addr).
 */
#include <asm/bootparam.h>
#include <inttypes.h>
#include <string.h>

#include "loader.h"
#include "util.h"

#define SETUP_HEADER_OFF	0x1f1
#define KERNEL_ADDR		0x100000
#define TYPE_OF_LOADER_OTHER	0xff

bool bzimage_detect(const struct image *img)
{
	return img->size > 0x400 && !memcmp(img->data + 0x202, "HdrS", 4) &&
	       img->data[0x1fe] == 0x55 && img->data[0x1ff] == 0xaa;
}

void load_bzimage(struct vm *vm, const struct image *img,
		  const struct load_opts *o)
{
	struct setup_header h;
	struct boot_params *bp;
	struct e820_range map[8];
	size_t hdr_len = 0x202 + img->data[0x201] - SETUP_HEADER_OFF;
	uint64_t koff, ksize, need, cmdline, initrd, initrd_size;
	int n;

	if (hdr_len > sizeof(h))
		hdr_len = sizeof(h);
	memset(&h, 0, sizeof(h));
	memcpy(&h, img->data + SETUP_HEADER_OFF, hdr_len);
	if (h.version < 0x020c || !(h.xloadflags & XLF_KERNEL_64))
		usage_error("%s: bzImage too old: boot protocol %u.%02u%s; vmrun needs 2.12 or later with the 64-bit entry point (XLF_KERNEL_64: Linux 3.8 or later, x86-64)",
			    img->path, h.version >> 8, h.version & 0xff,
			    h.version >= 0x020c ? " without a 64-bit entry point" : "");
	if (o->has_load || o->has_entry || o->has_mode)
		usage_error("--load, --entry and --mode are for flat and ELF images, not a bzImage");

	koff = ((h.setup_sects ? h.setup_sects : 4) + 1) * 512ULL;
	if (koff >= img->size)
		die("%s: truncated bzImage", img->path);
	ksize = img->size - koff;
	/* init_size: the memory the kernel needs from its load address
	 * while it decompresses and boots. */
	need = h.init_size > ksize ? h.init_size : ksize;
	memcpy(loader_place(vm, o, KERNEL_ADDR, need, img->path, false),
	       img->data + koff, ksize);

	bp = vm_gpa(vm, ZERO_PAGE_ADDR, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, &h, hdr_len);
	bp->hdr.type_of_loader = TYPE_OF_LOADER_OTHER;
	bp->hdr.vid_mode = 0xffff;	/* "normal" */

	cmdline = loader_cmdline(vm, o, h.cmdline_size + 1ULL);
	if (!cmdline) {
		cmdline = CMDLINE_ADDR;
		*(char *)vm_gpa(vm, CMDLINE_ADDR, 1) = 0;
	}
	bp->hdr.cmd_line_ptr = cmdline;

	loader_initrd(vm, o, KERNEL_ADDR + need, h.initrd_addr_max + 1ULL,
		      &initrd, &initrd_size);
	bp->hdr.ramdisk_image = initrd;
	bp->hdr.ramdisk_size = initrd_size;

	n = loader_memory_map(vm, map);
	for (int i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = n;

	vm->boot = (struct boot){
		.mode = MODE_64,
		.entry = KERNEL_ADDR + 0x200,	/* startup_64 */
		.rsi = ZERO_PAGE_ADDR,
		/* The APs wait for the kernel's INIT/SIPI, which needs
		 * the in-kernel local APICs. */
		.smp = vm->irqchip == IRQCHIP_KERNEL,
		.linux_acpi = vm->irqchip == IRQCHIP_KERNEL,
	};
	if (vm->boot.linux_acpi)
		bp->acpi_rsdp_addr = ACPI_RSDP_ADDR;
	verbose("%s: Linux bzImage, boot protocol %u.%02u, kernel %#" PRIx64 " bytes at %#x (init_size %#x), initrd %#" PRIx64 " bytes at %#" PRIx64,
		img->path, h.version >> 8, h.version & 0xff, ksize,
		KERNEL_ADDR, h.init_size, initrd_size, initrd);
}
