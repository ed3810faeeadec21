// SPDX-License-Identifier: GPL-2.0
/*
 * An ELF executable, 32- or 64-bit x86: each PT_LOAD segment at its physical
 * address (p_paddr), zero-filled up to p_memsz.  Entered at e_entry
 * (translated to a physical address through the segment that holds it) in
 * 32-bit protected mode for ELFCLASS32 and 64-bit mode for ELFCLASS64, with
 * the vCPU index in RDI and the number of vCPUs in RSI.
 *
 * With a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY in a "Xen" note, as Linux's
 * vmlinux has with CONFIG_PVH) the image is entered there instead, as the PVH
 * boot ABI says: 32-bit protected mode, paging off, EBX = the physical
 * address of an hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h)
 * describing the command line, the initrd (as module 0) and the memory map.
 */
#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "loader.h"
#include "util.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC		0x336ec578

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* One program header, whichever the class. */
struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct elf {
	const struct image *img;
	bool is64;
	uint64_t entry, phoff;
	unsigned int phnum, phentsize;
};

bool elf_detect(const struct image *img)
{
	return img->size >= EI_NIDENT && !memcmp(img->data, ELFMAG, SELFMAG);
}

static const void *at(const struct elf *e, uint64_t off, uint64_t len)
{
	if (off > e->img->size || len > e->img->size - off)
		die("%s: truncated ELF file", e->img->path);
	return e->img->data + off;
}

static void parse_header(struct elf *e)
{
	const uint8_t *id = e->img->data;

	if (id[EI_DATA] != ELFDATA2LSB)
		usage_error("%s: not a little-endian ELF file", e->img->path);
	if (id[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *h = at(e, 0, sizeof(*h));

		if (h->e_machine != EM_X86_64)
			usage_error("%s: not an x86-64 ELF file (machine %u)",
				    e->img->path, h->e_machine);
		if (h->e_type != ET_EXEC)
			usage_error("%s: not an ELF executable (type %u)",
				    e->img->path, h->e_type);
		e->is64 = true;
		e->entry = h->e_entry;
		e->phoff = h->e_phoff;
		e->phnum = h->e_phnum;
		e->phentsize = h->e_phentsize;
		if (e->phentsize < sizeof(Elf64_Phdr))
			die("%s: bad ELF program header size", e->img->path);
	} else if (id[EI_CLASS] == ELFCLASS32) {
		const Elf32_Ehdr *h = at(e, 0, sizeof(*h));

		if (h->e_machine != EM_386)
			usage_error("%s: not an i386 ELF file (machine %u)",
				    e->img->path, h->e_machine);
		if (h->e_type != ET_EXEC)
			usage_error("%s: not an ELF executable (type %u)",
				    e->img->path, h->e_type);
		e->entry = h->e_entry;
		e->phoff = h->e_phoff;
		e->phnum = h->e_phnum;
		e->phentsize = h->e_phentsize;
		if (e->phentsize < sizeof(Elf32_Phdr))
			die("%s: bad ELF program header size", e->img->path);
	} else {
		usage_error("%s: unknown ELF class %u", e->img->path,
			    id[EI_CLASS]);
	}
}

static struct phdr get_phdr(const struct elf *e, unsigned int i)
{
	uint64_t off = e->phoff + (uint64_t)i * e->phentsize;

	if (e->is64) {
		const Elf64_Phdr *p = at(e, off, sizeof(*p));

		return (struct phdr){ p->p_type, p->p_offset, p->p_vaddr,
				      p->p_paddr, p->p_filesz, p->p_memsz };
	} else {
		const Elf32_Phdr *p = at(e, off, sizeof(*p));

		return (struct phdr){ p->p_type, p->p_offset, p->p_vaddr,
				      p->p_paddr, p->p_filesz, p->p_memsz };
	}
}

/* The PVH entry point from the notes, or 0. */
static uint64_t find_pvh_entry(const struct elf *e)
{
	for (unsigned int i = 0; i < e->phnum; i++) {
		struct phdr p = get_phdr(e, i);
		const uint8_t *n = at(e, p.offset, p.filesz);
		uint64_t pos = 0;

		if (p.type != PT_NOTE)
			continue;
		while (pos + 12 <= p.filesz) {
			uint32_t namesz, descsz, type;
			uint64_t desc;

			memcpy(&namesz, n + pos, 4);
			memcpy(&descsz, n + pos + 4, 4);
			memcpy(&type, n + pos + 8, 4);
			desc = pos + 12 + ((namesz + 3ULL) & ~3ULL);
			if (desc + descsz > p.filesz)
				break;
			if (namesz == 4 && !memcmp(n + pos + 12, "Xen", 4) &&
			    type == XEN_ELFNOTE_PHYS32_ENTRY && descsz >= 4) {
				uint32_t entry;

				memcpy(&entry, n + desc, 4);
				return entry;
			}
			pos = desc + ((descsz + 3ULL) & ~3ULL);
		}
	}
	return 0;
}

static void pvh_start_info(struct vm *vm, const struct load_opts *o,
			   uint64_t kernel_end)
{
	struct hvm_start_info *si = vm_gpa(vm, ZERO_PAGE_ADDR, 0x1000);
	struct hvm_memmap_entry *mm = (void *)(si + 1);
	struct hvm_modlist_entry *mod = (void *)(mm + 8);
	struct e820_range map[8];
	int n = loader_memory_map(vm, map);
	uint64_t initrd, initrd_size;

	memset(si, 0, 0x1000);
	si->magic = HVM_START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = loader_cmdline(vm, o, CMDLINE_MAX);
	for (int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){ map[i].addr, map[i].size,
						   map[i].type, 0 };
	si->memmap_paddr = ZERO_PAGE_ADDR + ((uint8_t *)mm - (uint8_t *)si);
	si->memmap_entries = n;
	loader_initrd(vm, o, kernel_end, 0xffffffff, &initrd, &initrd_size);
	if (initrd_size) {
		*mod = (struct hvm_modlist_entry){ initrd, initrd_size, 0, 0 };
		si->nr_modules = 1;
		si->modlist_paddr = ZERO_PAGE_ADDR +
				    ((uint8_t *)mod - (uint8_t *)si);
	}
}

void load_elf(struct vm *vm, const struct image *img,
	      const struct load_opts *o)
{
	struct elf e = { .img = img };
	uint64_t entry, pvh, end = 0;
	bool entry_found = false;

	parse_header(&e);
	entry = e.entry;
	for (unsigned int i = 0; i < e.phnum; i++) {
		struct phdr p = get_phdr(&e, i);
		uint8_t *dst;

		if (p.type != PT_LOAD || !p.memsz)
			continue;
		if (p.filesz > p.memsz)
			die("%s: ELF segment %u: file size above memory size",
			    img->path, i);
		dst = loader_place(vm, o, p.paddr, p.memsz, img->path, false);
		memcpy(dst, at(&e, p.offset, p.filesz), p.filesz);
		memset(dst + p.filesz, 0, p.memsz - p.filesz);
		if (!entry_found && e.entry >= p.vaddr &&
		    e.entry - p.vaddr < p.memsz) {
			entry = e.entry - p.vaddr + p.paddr;
			entry_found = true;
		}
		if (p.paddr + p.memsz > end)
			end = p.paddr + p.memsz;
		verbose("%s: segment %u: %#" PRIx64 " bytes at %#" PRIx64,
			img->path, i, p.memsz, p.paddr);
	}
	if (!end)
		usage_error("%s: the ELF file has nothing to load", img->path);

	vm->boot = (struct boot){
		.mode = e.is64 ? MODE_64 : MODE_32,
		.entry = entry, .pass_index = true, .smp = true,
	};
	pvh = find_pvh_entry(&e);
	if (pvh && !o->has_entry && !o->has_mode) {
		vm->boot.mode = MODE_32;
		vm->boot.entry = pvh;
		vm->boot.rbx = ZERO_PAGE_ADDR;
		pvh_start_info(vm, o, end);
		verbose("%s: PVH entry point %#" PRIx64, img->path, pvh);
	} else if (o->append) {
		usage_error("--append: only for a Linux bzImage or a PVH ELF kernel");
	}
	if (o->has_entry)
		vm->boot.entry = o->entry;
	if (o->has_mode)
		vm->boot.mode = o->mode;
	verbose("%s: ELF%d, entry %#" PRIx64, img->path, e.is64 ? 64 : 32,
		vm->boot.entry);
}
