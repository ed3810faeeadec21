// SPDX-License-Identifier: GPL-2.0
/*
 * VMCS regions: allocation, VMCLEAR, VMPTRLD, and the report of a failed
 * VMREAD/VMWRITE.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <asm/io.h>

#include "ember.h"
#include "vmcs.h"
#include "vmx.h"

/*
 * A failed VMREAD/VMWRITE means ember asked for a field the CPU does not
 * have, or no VMCS is current: a bug in ember.  It is logged (rate-limited)
 * with the hardware's reason; the caller goes on, and a VMCS left
 * inconsistent by it makes the next VM entry fail, which reaches userspace
 * as KVM_EXIT_FAIL_ENTRY.
 */
void vmcs_read_error(unsigned long field)
{
	if (!ember_virt_rebooting())
		pr_err_ratelimited("VMREAD of field 0x%lx failed\n", field);
}

void vmcs_write_error(unsigned long field, unsigned long value)
{
	u32 err;

	if (ember_virt_rebooting())
		return;
	err = (u32)__vmcs_read(VM_INSTRUCTION_ERROR);
	pr_err_ratelimited("VMWRITE of 0x%lx to field 0x%lx failed, VM-instruction error %u\n",
			   value, field, err);
}

/*
 * Past the reboot notifier VMX is off in every CPU while VMs may still
 * be alive (SDM Vol. 3C 24.8: a VMX instruction then #UDs, caught by the
 * exception table): that is expected, and silent.  Otherwise it is a bug.
 */
void vmx_insn_failed(const char *insn, unsigned long arg)
{
	if (!ember_virt_rebooting())
		pr_err_ratelimited("%s (0x%lx) failed\n", insn, arg);
}

struct vmcs *vmcs_alloc(int cpu)
{
	struct page *page;
	struct vmcs *vmcs;

	page = alloc_pages_node(cpu_to_node(cpu),
				GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!page)
		return NULL;
	vmcs = page_address(page);
	vmcs->revision_id = vmx_caps.revision_id;
	return vmcs;
}

void vmcs_free(struct vmcs *vmcs)
{
	free_page((unsigned long)vmcs);
}

/*
 * VMCLEAR and VMPTRLD, keeping this CPU's idea of its current VMCS.
 * Return 0 or -EIO; faults (VMX off) count as failure.  Interrupts off.
 */
int vmcs_clear(struct vmcs *vmcs)
{
	u64 pa = __pa(vmcs);

	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (pa) : "cc", "memory" : fail);
	vmx_cpu_vmcs_cleared(vmcs);
	return 0;
fail:
	vmx_insn_failed("VMCLEAR", pa);
	return -EIO;
}

int vmcs_load(struct vmcs *vmcs)
{
	u64 pa = __pa(vmcs);

	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (pa) : "cc", "memory" : fail);
	vmx_cpu_vmcs_loaded(vmcs);
	return 0;
fail:
	vmx_insn_failed("VMPTRLD", pa);
	return -EIO;
}
