// SPDX-License-Identifier: GPL-2.0
/* Checks what a PVH entry gets: the start info, command line, memory map
 * and the initrd as module 0. */
#include <stdint.h>

#include "guest.h"

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

void pvh_main(struct hvm_start_info *si)
{
	uint32_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	if (si->magic != 0x336ec578 || (cr0 & 0x80000000)) {
		print("pvh: FAIL: magic %x cr0 %x\n", si->magic, cr0);
		debug_exit(1);
	}
	print("pvh: start info version %u, cmdline \"%s\", %u memory map entries\n",
	      si->version, si->cmdline_paddr ?
	      (const char *)(uint32_t)si->cmdline_paddr : "",
	      si->memmap_entries);
	if (si->nr_modules) {
		struct hvm_modlist_entry *m =
			(void *)(uint32_t)si->modlist_paddr;

		print("pvh: module 0: %u bytes: %s", (uint32_t)m->size,
		      (const char *)(uint32_t)m->paddr);
	}
	debug_exit(0);
}
