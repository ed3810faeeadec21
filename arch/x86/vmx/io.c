// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O and MMIO exits to userspace, laid out in kvm_run as KVM lays
 * them out, and their completion at the next KVM_RUN.
 *
 * Port I/O: the exit qualification says everything (SDM Vol. 3C Table
 * 28-5); string forms move their data through guest memory at the linear
 * address the CPU reports, one element per exit for OUTS and up to a page
 * (at most 1 KiB) for INS, as KVM does.  IN and INS leave RIP on the
 * instruction until userspace has supplied the data; OUT has completed.
 *
 * MMIO: an access to guest-physical memory that no slot backs (or a write
 * to a read-only slot).  The CPU gives only the address, so the instruction
 * is fetched through the guest's page tables and decoded.  A store has
 * completed when userspace sees it; a load completes at the next KVM_RUN.
 *
 * Before either goes to userspace, the kernel's devices are asked, as in
 * KVM: for MMIO the vCPU's own local APIC, then the MMIO bus; for port I/O
 * the PIO bus, element by element for the string forms.  An access one of
 * them takes completes at once and the guest runs on; kvm_run is not
 * touched.
 */
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"
#include "guest_walk.h"
#include "insn_decode.h"
#include "io_bus.h"
#include "irqchip.h"
#include "lapic.h"

#define PIO_READAHEAD	1024	/* KVM's emulator read cache */

static int read_gpa(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	return ember_read_guest(opaque, gpa, buf, len);
}

static void walk_ctx(struct ember_vcpu *vcpu, struct guest_walk_ctx *ctx,
		     u64 *pdptrs)
{
	int i;

	ctx->cr0 = vcpu->arch.cr0;
	ctx->cr3 = vmcs_readl(GUEST_CR3);
	ctx->cr4 = vcpu->arch.cr4;
	ctx->efer = vcpu->arch.efer;
	ctx->rflags = vmcs_readl(GUEST_RFLAGS);
	ctx->pdptrs = NULL;
	if ((ctx->cr0 & X86_CR0_PG) && (ctx->cr4 & X86_CR4_PAE) &&
	    !(ctx->efer & EFER_LMA)) {
		for (i = 0; i < 4; i++)
			pdptrs[i] = __vmcs_read(GUEST_PDPTR0 + i * 2);
		ctx->pdptrs = pdptrs;
	}
	ctx->maxphyaddr = boot_cpu_data.x86_phys_bits;
	ctx->read_gpa = read_gpa;
	ctx->opaque = vcpu->vm;
}

static u32 guest_cpl_access(void)
{
	return VMX_AR_DPL(vmcs_read32(GUEST_SS_AR_BYTES)) == 3 ? GW_USER : 0;
}

/* A failed translation: #PF (with CR2) or #GP into the guest. */
static int inject_walk_fault(struct ember_vcpu *vcpu, int r,
			     const struct guest_walk_result *res)
{
	if (r == -EFAULT) {
		vcpu->arch.cr2 = res->la;
		vmx_queue_exception(vcpu, 14, true, res->error_code);
		return 1;
	}
	if (r == -ERANGE) {
		vmx_inject_gp(vcpu, 0);
		return 1;
	}
	/* Page tables outside guest RAM, or LA57: not emulated. */
	vcpu->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	vcpu->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	vcpu->run->internal.ndata = 0;
	return 0;
}

static int read_linear(struct ember_vcpu *vcpu, u64 la, void *buf,
		       unsigned int len, u32 access,
		       struct guest_walk_result *res)
{
	struct guest_walk_ctx ctx;
	u64 pdptrs[4];
	int r, idx;

	walk_ctx(vcpu, &ctx, pdptrs);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = guest_read_linear(&ctx, la, buf, len, access, res);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

static int write_linear(struct ember_vcpu *vcpu, u64 la, const void *buf,
			unsigned int len, struct guest_walk_result *res)
{
	u32 access = GW_WRITE | guest_cpl_access();
	struct guest_walk_ctx ctx;
	u64 pdptrs[4];
	int r = 0, idx;

	walk_ctx(vcpu, &ctx, pdptrs);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(la));

		r = guest_walk(&ctx, la, access, res);
		if (r)
			break;
		r = ember_write_guest(vcpu->vm, res->gpa, buf, n);
		if (r) {
			r = -EIO;	/* not RAM: not emulated */
			break;
		}
		la += n;
		buf += n;
		len -= n;
	}
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

static unsigned long addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ul : (1ul << (addr_size * 8)) - 1;
}

/* Add @delta to a register of @width bytes, leaving the bits above alone. */
static void reg_add(unsigned long *reg, long delta, u8 width)
{
	unsigned long mask = addr_mask(width);

	*reg = (*reg & ~mask) | ((*reg + delta) & mask);
}

static void advance_rip(struct ember_vcpu *vcpu, unsigned int len)
{
	unsigned long rip = vmcs_readl(GUEST_RIP) + len;

	if (vmx_guest_cs_bytes(vcpu) != 8)
		rip = (u32)rip;
	vmcs_writel(GUEST_RIP, rip);
}

/* IN's data into RAX: a 32-bit IN zero-extends, 8- and 16-bit merge. */
static void pio_in_to_rax(struct ember_arch_vcpu *a, const void *data, u8 size)
{
	if (size == 4)
		a->gprs[VCPU_REGS_RAX] = *(const u32 *)data;
	else
		memcpy(&a->gprs[VCPU_REGS_RAX], data, size);
}

/*
 * @count elements of @size bytes through the PIO bus, at @data.  False if
 * the first found no device (the exit goes to userspace then).  A later one
 * that finds none (the device went meanwhile) is dropped or reads as 0, as
 * KVM does.
 */
static bool pio_bus(struct ember_vcpu *vcpu, u16 port, u8 size, u32 count,
		    bool in, void *data)
{
	u32 i;
	int r;

	for (i = 0; i < count; i++, data += size) {
		if (in)
			r = ember_io_bus_read(vcpu, EMBER_PIO_BUS, port, size,
					      data);
		else
			r = ember_io_bus_write(vcpu, EMBER_PIO_BUS, port, size,
					       data);
		if (r) {
			if (!i)
				return false;
			if (in)
				memset(data, 0, (count - i) * size);
			break;
		}
	}
	return true;
}

static int complete_pio_string(struct ember_vcpu *vcpu);

int vmx_handle_io(struct ember_vcpu *vcpu)
{
	unsigned long q = vmcs_readl(EXIT_QUALIFICATION);
	struct ember_arch_vcpu *a = &vcpu->arch;
	struct kvm_run *run = vcpu->run;
	u8 size = (q & 7) + 1;
	bool in = q & 8, string = q & 16, rep = q & 32;
	u16 port = q >> 16;
	u32 count = 1;

	if (!string) {
		u64 val = 0;

		if (in) {
			/*
			 * As KVM: a device that leaves the data alone (the
			 * PIT's control port) leaves AL/AX as they were.
			 */
			if (size < 4)
				val = a->gprs[VCPU_REGS_RAX];
			if (pio_bus(vcpu, port, size, 1, true, &val)) {
				pio_in_to_rax(a, &val, size);
				vmx_skip_instruction(vcpu);
				return 1;
			}
			a->io.kind = VMX_IO_PIO_IN;
			a->io.size = size;
			memset(a->pio_page, 0, size);	/* as KVM */
		} else {
			memcpy(&val, &a->gprs[VCPU_REGS_RAX], size);
			vmx_skip_instruction(vcpu);
			if (pio_bus(vcpu, port, size, 1, false, &val))
				return 1;
			memcpy(a->pio_page, &val, size);
		}
		goto exit_io;
	}

	/* VM-exit instruction information, bits 9:7: address size. */
	a->io.addr_size = 2 << ((vmcs_read32(VMX_INSTRUCTION_INFO) >> 7) & 7);
	a->io.rep = rep;
	a->io.in = in;
	a->io.size = size;
	a->io.la = vmcs_readl(GUEST_LINEAR_ADDRESS);
	if (rep) {
		unsigned long rcx = a->gprs[VCPU_REGS_RCX] &
				    addr_mask(a->io.addr_size);

		if (!rcx) {
			vmx_skip_instruction(vcpu);
			return 1;
		}
		count = min_t(unsigned long, rcx, UINT_MAX);
	}
	if (in) {
		bool down = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF;
		unsigned int in_page = down ? offset_in_page(a->io.la) :
					      PAGE_SIZE - offset_in_page(a->io.la);

		count = max(1u, min3(in_page, PIO_READAHEAD / size, count));
		memset(a->pio_page, 0, count * size);
	} else {
		struct guest_walk_result res;
		int r = read_linear(vcpu, a->io.la, a->pio_page, size,
				    guest_cpl_access(), &res);

		if (r)
			return inject_walk_fault(vcpu, r, &res);
		count = 1;
	}
	a->io.count = count;
	if (pio_bus(vcpu, port, size, count, in, a->pio_page))
		return complete_pio_string(vcpu);
	if (in)
		memset(a->pio_page, 0, count * size);
	a->io.kind = VMX_IO_PIO_STRING;

exit_io:
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.data_offset = EMBER_PIO_PAGE_OFFSET * PAGE_SIZE;
	run->io.count = count;
	return 0;
}

static int complete_pio_string(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	bool down = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF;
	long step = down ? -(long)a->io.size : a->io.size;
	int reg = a->io.in ? VCPU_REGS_RDI : VCPU_REGS_RSI;
	u32 i;

	if (a->io.in) {
		/*
		 * INS writes ES:[(E/R)DI]: the index wraps at the address
		 * size, not the linear address (ES.base is 0 in 64-bit mode).
		 */
		unsigned long base = vmx_guest_cs_bytes(vcpu) == 8 ? 0 :
				     vmcs_readl(GUEST_ES_BASE);
		unsigned long di = a->gprs[VCPU_REGS_RDI];

		for (i = 0; i < a->io.count; i++) {
			struct guest_walk_result res;
			u64 la = base + ((di + i * step) &
					 addr_mask(a->io.addr_size));
			int r;

			if (vmx_guest_cs_bytes(vcpu) != 8)
				la = (u32)la;
			r = write_linear(vcpu, la, a->pio_page + i * a->io.size,
					 a->io.size, &res);

			if (r) {
				/* Elements before i are done; #PF on this one. */
				reg_add(&a->gprs[reg], i * step, a->io.addr_size);
				if (a->io.rep)
					reg_add(&a->gprs[VCPU_REGS_RCX], -(long)i,
						a->io.addr_size);
				return inject_walk_fault(vcpu, r, &res);
			}
		}
	}
	reg_add(&a->gprs[reg], a->io.count * step, a->io.addr_size);
	if (a->io.rep) {
		reg_add(&a->gprs[VCPU_REGS_RCX], -(long)a->io.count,
			a->io.addr_size);
		if (a->gprs[VCPU_REGS_RCX] & addr_mask(a->io.addr_size))
			return 1;	/* re-executes and exits again */
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

static unsigned long get_gpr(struct ember_vcpu *vcpu, int reg)
{
	return reg == VCPU_REGS_RSP ? vmcs_readl(GUEST_RSP) :
				      vcpu->arch.gprs[reg];
}

/* A load's @data into its destination register, as vcpu->arch.io says. */
static void complete_mmio_read(struct ember_vcpu *vcpu, const void *data)
{
	struct vmx_pending *io = &vcpu->arch.io;
	unsigned long val = get_gpr(vcpu, io->reg), *reg = &val;
	u64 v = 0;

	memcpy(&v, data, io->size);
	if (io->ext == INSN_EXT_SIGN)
		v = io->size == 1 ? (u64)(s8)v : io->size == 2 ? (u64)(s16)v :
		    (u64)(s32)v;

	if (io->high8) {
		*reg = (*reg & ~0xff00ul) | ((v & 0xff) << 8);
	} else if (io->dst_size == 4) {
		*reg = (u32)v;		/* 32-bit writes zero-extend */
	} else if (io->dst_size == 8) {
		*reg = v;
	} else {
		unsigned long mask = (1ul << (io->dst_size * 8)) - 1;

		*reg = (*reg & ~mask) | (v & mask);
	}
	if (io->reg == VCPU_REGS_RSP && !io->high8)
		vmcs_writel(GUEST_RSP, val);
	else
		vcpu->arch.gprs[io->reg] = val;
}

/* At the next KVM_RUN: finish what userspace was asked to do. */
int vmx_complete_userspace_io(struct ember_vcpu *vcpu)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	enum vmx_pending_io kind = a->io.kind;

	a->io.kind = VMX_IO_NONE;
	switch (kind) {
	case VMX_IO_PIO_IN:
		pio_in_to_rax(a, a->pio_page, a->io.size);
		vmx_skip_instruction(vcpu);
		return 1;
	case VMX_IO_PIO_STRING:
		return complete_pio_string(vcpu);
	case VMX_IO_MMIO_READ:
		complete_mmio_read(vcpu, vcpu->run->mmio.data);
		advance_rip(vcpu, a->io.insn_len);
		return 1;
	default:
		return 1;
	}
}

static enum insn_mode insn_mode(struct ember_vcpu *vcpu)
{
	int b = vmx_guest_cs_bytes(vcpu);

	return b == 8 ? INSN_MODE_64 : b == 4 ? INSN_MODE_32 : INSN_MODE_16;
}

static int mmio_emulation_failed(struct ember_vcpu *vcpu, const u8 *insn,
				 unsigned int len)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 2;
	run->internal.data[0] = 0;
	memcpy(&run->internal.data[0], insn, min(len, 8u));
	run->internal.data[1] = vmcs_readl(GUEST_RIP);
	return 0;
}

/*
 * The kernel's turn at an MMIO access: the vCPU's local APIC, then the
 * MMIO bus (KVM's order).  0 if one of them took it.
 */
static int mmio_in_kernel(struct ember_vcpu *vcpu, u64 gpa, int len, u64 *v,
			  bool write)
{
	if (ember_lapic_in_kernel(vcpu) && ember_lapic_mmio_in_range(vcpu, gpa)) {
		if (!(write ? ember_lapic_mmio_write(vcpu, gpa, len, v) :
			      ember_lapic_mmio_read(vcpu, gpa, len, v)))
			return 0;
	}
	return write ? ember_io_bus_write(vcpu, EMBER_MMIO_BUS, gpa, len, v) :
		       ember_io_bus_read(vcpu, EMBER_MMIO_BUS, gpa, len, v);
}

int vmx_handle_mmio(struct ember_vcpu *vcpu, u64 gpa, bool write)
{
	struct ember_arch_vcpu *a = &vcpu->arch;
	struct kvm_run *run = vcpu->run;
	u64 rip = vmcs_readl(GUEST_RIP) + vmcs_readl(GUEST_CS_BASE);
	struct guest_walk_result res;
	u8 insn[INSN_MAX_LEN];
	unsigned int n = INSN_MAX_LEN;
	struct insn_mmio d;
	u64 v = 0;
	int r;

	if (insn_mode(vcpu) != INSN_MODE_64)
		rip = (u32)rip;
	/* Fetch 15 bytes, or what is left of the page if the next faults. */
	r = read_linear(vcpu, rip, insn, n, GW_FETCH | guest_cpl_access(), &res);
	if (r == -EFAULT && res.la != rip) {
		n = res.la - rip;
		r = read_linear(vcpu, rip, insn, n,
				GW_FETCH | guest_cpl_access(), &res);
	}
	if (r)
		return inject_walk_fault(vcpu, r, &res);

	r = insn_decode_mmio(insn, n, insn_mode(vcpu), &d);
	if (r || d.string || (d.op != INSN_OP_MOV && d.op != INSN_OP_MOVZX &&
			      d.op != INSN_OP_MOVSX) || d.write != write)
		return mmio_emulation_failed(vcpu, insn, n);

	if (write) {
		v = d.has_imm ? d.imm : get_gpr(vcpu, d.reg);
		if (d.has_reg && d.high8)
			v >>= 8;
		advance_rip(vcpu, d.len);
		if (!mmio_in_kernel(vcpu, gpa, d.size, &v, true))
			return 1;
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = gpa;
		run->mmio.len = d.size;
		run->mmio.is_write = write;
		/* Bytes past len keep what they held, as in KVM. */
		memcpy(run->mmio.data, &v, d.size);
		return 0;
	}
	a->io.size = d.size;
	a->io.reg = d.reg;
	a->io.high8 = d.high8;
	a->io.ext = d.ext;
	a->io.dst_size = d.reg_size;
	a->io.insn_len = d.len;
	if (!mmio_in_kernel(vcpu, gpa, d.size, &v, false)) {
		complete_mmio_read(vcpu, &v);
		advance_rip(vcpu, d.len);
		return 1;
	}
	a->io.kind = VMX_IO_MMIO_READ;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = d.size;
	run->mmio.is_write = write;
	return 0;
}
