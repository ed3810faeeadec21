// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 ioctls of the KVM ABI: capabilities, system ioctls that describe
 * the CPU, VM ioctls, and the vCPU state ioctls, with KVM's errnos.
 */
#include <linux/kvm.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xstate.h>

#include "arch.h"
#include "irq.h"
#include "irqchip.h"
#include "lapic.h"
#include "mce.h"
#include "pit.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_vcpu.h"

/*
 * KVM_CHECK_EXTENSION, on /dev/ember and on a VM fd: a capability is
 * reported only once ember implements it; otherwise 0, exactly as from a
 * KVM without it.
 */
long ember_arch_check_extension(unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_XSAVE:	/* KVM_GET/SET_XSAVE, legacy area at least */
		return 1;
	case KVM_CAP_NR_VCPUS:
		return min_t(unsigned int, num_online_cpus(), EMBER_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return EMBER_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return EMBER_MAX_MEMSLOTS;
	case KVM_CAP_IRQCHIP:		/* PICs, IOAPIC, LAPICs, GET/SET_IRQCHIP */
	case KVM_CAP_IRQ_INJECT_STATUS:	/* KVM_IRQ_LINE_STATUS */
	case KVM_CAP_PIT2:		/* KVM_CREATE_PIT2 */
	case KVM_CAP_PIT_STATE2:	/* KVM_GET/SET_PIT2, KVM_PIT_SPEAKER_DUMMY */
	case KVM_CAP_PIT:		/* KVM_CREATE_PIT, KVM_GET/SET_PIT */
	case KVM_CAP_REINJECT_CONTROL:	/* the PIT's reinjection (test: pit) */
	case KVM_CAP_HLT:		/* HLT halts in the kernel (lapic) */
	case KVM_CAP_TSC_DEADLINE_TIMER: /* the LAPIC's MSR 0x6e0 (lapic) */
	case KVM_CAP_IRQFD:		/* with resample (irq_routing) */
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IOEVENTFD:		/* PIO/MMIO, datamatch (ioeventfd) */
	case KVM_CAP_IOEVENTFD_NO_LENGTH: /* length 0: any access there */
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
		return 1;
	case KVM_CAP_MCE:		/* KVM_X86_SETUP_MCE: the most banks */
		return EMBER_MAX_MCE_BANKS;
	case KVM_CAP_IRQ_ROUTING:	/* KVM_SET_GSI_ROUTING: the most routes */
		return EMBER_MAX_IRQ_ROUTES;
	default:
		return 0;
	}
}

long ember_arch_dev_ioctl(unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return x86_get_supported_cpuid(argp);
	case KVM_GET_MSR_INDEX_LIST:
		return x86_get_msr_index_list(argp);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return x86_mce_cap_supported(argp);
	default:
		return -EINVAL;		/* KVM's answer for a missing one */
	}
}

/* KVM_GET/SET_IRQCHIP: 0 PIC master, 1 PIC slave, 2 IOAPIC. */
static long irqchip_state_ioctl(struct ember_vm *vm, unsigned int ioctl,
				void __user *argp)
{
	struct kvm_irqchip *chip;
	long r;

	chip = memdup_user(argp, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	if (ioctl == KVM_SET_IRQCHIP) {
		r = x86_set_irqchip(vm, chip);
	} else {
		r = x86_get_irqchip(vm, chip);
		if (!r && copy_to_user(argp, chip, sizeof(*chip)))
			r = -EFAULT;
	}
	kfree(chip);
	return r;
}

/*
 * KVM_GET_CLOCK / KVM_SET_CLOCK: the VM's clock in ns, the base of KVM's
 * kvmclock, which QEMU reads when it creates a machine and sets whenever
 * the machine starts running.  ember has no kvmclock: no guest can see
 * this clock, so it only counts from the host's boot time plus the VM's
 * offset, as KVM's does without a master clock (no KVM_CLOCK_TSC_STABLE,
 * realtime or host TSC in the answer).  A set may carry what a get
 * returned: KVM's flags are allowed, and KVM_CLOCK_REALTIME advances the
 * clock by the real time passed since @realtime.
 */
#define EMBER_CLOCK_VALID_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | \
				 KVM_CLOCK_HOST_TSC)

void x86_vm_init_clock(struct ember_vm *vm)
{
	vm->arch.kvmclock_offset = -ktime_get_boottime_ns();	/* from 0 */
}

static long vm_clock_ioctl(struct ember_vm *vm, unsigned int ioctl,
			   void __user *argp)
{
	struct kvm_clock_data data;

	if (ioctl == KVM_GET_CLOCK) {
		memset(&data, 0, sizeof(data));
		data.clock = ktime_get_boottime_ns() +
			     READ_ONCE(vm->arch.kvmclock_offset);
		return copy_to_user(argp, &data, sizeof(data)) ? -EFAULT : 0;
	}
	if (copy_from_user(&data, argp, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~EMBER_CLOCK_VALID_FLAGS)
		return -EINVAL;
	if (data.flags & KVM_CLOCK_REALTIME) {
		u64 now_real = ktime_get_real_ns();

		/* Never backwards: only the time passed since counts. */
		if (now_real > data.realtime)
			data.clock += now_real - data.realtime;
	}
	WRITE_ONCE(vm->arch.kvmclock_offset,
		   data.clock - ktime_get_boottime_ns());
	return 0;
}

long ember_arch_vm_ioctl(struct ember_vm *vm, unsigned int ioctl,
			 unsigned long arg)
{
	long r;

	switch (ioctl) {
	case KVM_SET_TSS_ADDR:
		/*
		 * Unrestricted guest needs no real-mode TSS, so the address is
		 * only checked as KVM checks it: three pages below 4 GiB.
		 */
		return arg > (unsigned int)(-3 * PAGE_SIZE) ? -EINVAL : 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		/* Nor an identity map; KVM refuses it once vCPUs exist. */
		if (copy_from_user(&addr, (void __user *)arg, sizeof(addr)))
			return -EFAULT;
		mutex_lock(&vm->lock);
		r = vm->nr_vcpus ? -EINVAL : 0;
		mutex_unlock(&vm->lock);
		return r;
	}
	case KVM_CREATE_IRQCHIP:
		return x86_create_irqchip(vm);
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
		return irqchip_state_ioctl(vm, ioctl, (void __user *)arg);
	case KVM_CREATE_PIT:
	case KVM_CREATE_PIT2:
	case KVM_GET_PIT:
	case KVM_SET_PIT:
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
	case KVM_REINJECT_CONTROL:
		return ember_pit_vm_ioctl(vm, ioctl, (void __user *)arg);
	case KVM_GET_CLOCK:
	case KVM_SET_CLOCK:
		return vm_clock_ioctl(vm, ioctl, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int get_fpu(struct ember_vcpu *vcpu, struct kvm_fpu *fpu)
{
	struct fxregs_state *fx = &vcpu->arch.fpu.fpstate->regs.fxsave;

	memset(fpu, 0, sizeof(*fpu));
	memcpy(fpu->fpr, fx->st_space, 128);
	fpu->fcw = fx->cwd;
	fpu->fsw = fx->swd;
	fpu->ftwx = fx->twd;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->rip;
	fpu->last_dp = fx->rdp;
	memcpy(fpu->xmm, fx->xmm_space, sizeof(fpu->xmm));
	/* MXCSR is left 0 and ignored on set, as KVM does (use XSAVE). */
	return 0;
}

static int set_fpu(struct ember_vcpu *vcpu, const struct kvm_fpu *fpu)
{
	struct fxregs_state *fx = &vcpu->arch.fpu.fpstate->regs.fxsave;

	memcpy(fx->st_space, fpu->fpr, 128);
	fx->cwd = fpu->fcw;
	fx->swd = fpu->fsw;
	fx->twd = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->rip = fpu->last_ip;
	fx->rdp = fpu->last_dp;
	memcpy(fx->xmm_space, fpu->xmm, sizeof(fpu->xmm));
	return 0;
}

static long vcpu_state_ioctl(struct ember_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp, void *buf, size_t size)
{
	bool set = _IOC_DIR(ioctl) & _IOC_WRITE;
	long r;

	if (set && copy_from_user(buf, argp, size))
		return -EFAULT;
	switch (ioctl) {
	case KVM_GET_REGS:
		r = vmx_get_regs(vcpu, buf);
		break;
	case KVM_SET_REGS:
		r = vmx_set_regs(vcpu, buf);
		break;
	case KVM_GET_SREGS:
		r = vmx_get_sregs(vcpu, buf);
		break;
	case KVM_SET_SREGS:
		r = vmx_set_sregs(vcpu, buf);
		break;
	case KVM_GET_FPU:
		r = get_fpu(vcpu, buf);
		break;
	case KVM_SET_FPU:
		r = set_fpu(vcpu, buf);
		break;
	case KVM_GET_XSAVE:
		fpu_copy_guest_fpstate_to_uabi(&vcpu->arch.fpu, buf, size,
					       XFEATURE_MASK_FPSSE, 0);
		r = 0;
		break;
	case KVM_SET_XSAVE: {
		u32 pkru = 0;

		r = fpu_copy_uabi_to_guest_fpstate(&vcpu->arch.fpu, buf,
						   XFEATURE_MASK_FPSSE, &pkru);
		break;
	}
	default:
		return -EINVAL;
	}
	if (!r && !set && copy_to_user(argp, buf, size))
		r = -EFAULT;
	return r;
}

/*
 * KVM_SET_MP_STATE, with KVM's checks: every state but RUNNABLE needs an
 * in-kernel LAPIC; SIPI_RECEIVED means "INIT received, SIPI pending",
 * which ember keeps as INIT_RECEIVED (the SIPI's vector is not in the
 * ABI).  AP_RESET_HOLD is AMD's (SEV-ES) and not ember's.
 */
static int set_mp_state(struct ember_vcpu *vcpu, u32 state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		if (!ember_lapic_in_kernel(vcpu))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (state == KVM_MP_STATE_SIPI_RECEIVED)
		state = KVM_MP_STATE_INIT_RECEIVED;
	vcpu->arch.mp_state = state;
	return 0;
}

/* KVM_GET/SET_LAPIC: -EINVAL without an in-kernel LAPIC, as in KVM. */
static long lapic_state_ioctl(struct ember_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp)
{
	struct kvm_lapic_state *s;
	long r;

	if (!ember_lapic_in_kernel(vcpu))
		return -EINVAL;
	if (ioctl == KVM_SET_LAPIC) {
		s = memdup_user(argp, sizeof(*s));
		if (IS_ERR(s))
			return PTR_ERR(s);
		r = ember_lapic_set_state(vcpu, s);
	} else {
		s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
		if (!s)
			return -ENOMEM;
		r = ember_lapic_get_state(vcpu, s);
		if (!r && copy_to_user(argp, s, sizeof(*s)))
			r = -EFAULT;
	}
	kfree(s);
	return r;
}

long ember_arch_vcpu_ioctl(struct ember_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
	} small;
	struct kvm_interrupt irq;
	struct kvm_mp_state mp;
	struct kvm_x86_mce mce;
	struct kvm_tpr_access_ctl tac;
	struct kvm_vapic_addr va;
	u64 mcg_cap;
	struct kvm_xsave *xsave;
	long r;

	switch (ioctl) {
	case KVM_GET_REGS:
	case KVM_SET_REGS:
		return vcpu_state_ioctl(vcpu, ioctl, argp, &small,
					sizeof(struct kvm_regs));
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
		return vcpu_state_ioctl(vcpu, ioctl, argp, &small,
					sizeof(struct kvm_sregs));
	case KVM_GET_FPU:
	case KVM_SET_FPU:
		return vcpu_state_ioctl(vcpu, ioctl, argp, &small,
					sizeof(struct kvm_fpu));
	case KVM_GET_XSAVE:
	case KVM_SET_XSAVE:
		xsave = kzalloc(sizeof(*xsave), GFP_KERNEL_ACCOUNT);
		if (!xsave)
			return -ENOMEM;
		r = vcpu_state_ioctl(vcpu, ioctl, argp, xsave, sizeof(*xsave));
		kfree(xsave);
		return r;
	case KVM_GET_MSRS:
		return vmx_msrs_ioctl(vcpu, argp, false);
	case KVM_SET_MSRS:
		return vmx_msrs_ioctl(vcpu, argp, true);
	case KVM_SET_CPUID2:
		return vmx_set_cpuid2(vcpu, argp);
	case KVM_GET_CPUID2:
		return vmx_get_cpuid2(vcpu, argp);
	case KVM_INTERRUPT:
		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		if (irq.irq >= KVM_NR_INTERRUPTS)
			return -EINVAL;
		/* The in-kernel PICs own ExtINT: KVM's errno. */
		if (ember_irqchip_in_kernel(vcpu->vm))
			return -ENXIO;
		if (vcpu->arch.events.irq >= 0)
			return -EEXIST;
		vcpu->arch.events.irq = irq.irq;
		return 0;
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
		return lapic_state_ioctl(vcpu, ioctl, argp);
	/*
	 * KVM_CAP_VAPIC: the TPR mirrored in a guest page, and TPR accesses
	 * reported to userspace, for QEMU's patching of old Windows guests
	 * (its kvmvapic ROM).  ember has neither; QEMU turns both off at each
	 * reset, and "off" is what a vCPU has, so that is accepted.
	 */
	case KVM_TPR_ACCESS_REPORTING:
		if (copy_from_user(&tac, argp, sizeof(tac)))
			return -EFAULT;
		if (tac.flags || tac.enabled)
			return -EINVAL;
		return copy_to_user(argp, &tac, sizeof(tac)) ? -EFAULT : 0;
	case KVM_SET_VAPIC_ADDR:
		if (!ember_lapic_in_kernel(vcpu))
			return -EINVAL;
		if (copy_from_user(&va, argp, sizeof(va)))
			return -EFAULT;
		return va.vapic_addr ? -EINVAL : 0;
	case KVM_X86_SETUP_MCE:
		if (copy_from_user(&mcg_cap, argp, sizeof(mcg_cap)))
			return -EFAULT;
		return x86_mce_setup(vcpu, mcg_cap);
	case KVM_X86_SET_MCE:
		if (copy_from_user(&mce, argp, sizeof(mce)))
			return -EFAULT;
		return x86_mce_inject(vcpu, &mce);
	case KVM_GET_MP_STATE:
		/* INIT or SIPI that came meanwhile count, as in KVM. */
		vmx_accept_apic_events(vcpu);
		mp.mp_state = vcpu->arch.mp_state;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	case KVM_SET_MP_STATE:
		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		return set_mp_state(vcpu, mp.mp_state);
	default:
		return -EINVAL;
	}
}
