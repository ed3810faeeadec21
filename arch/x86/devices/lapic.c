// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC of a vCPU (SDM Vol. 3A ch. 11), with KVM's behaviour
 * where the SDM leaves room: the 1 KiB xAPIC register page as KVM lays it
 * out for KVM_GET/SET_LAPIC (version 0x50014: an integrated xAPIC with six
 * LVT entries), the timer counting at KVM's 1 GHz "bus clock", x2APIC IDs
 * equal to the vCPU id.
 *
 * Who touches what (see lapic.h): the vCPU's thread owns the register
 * page.  Anyone else (another vCPU's IPI, the IOAPIC, an MSI from an irqfd
 * with interrupts off, the timer's hrtimer in hard-irq context) only
 * accepts an interrupt: IRR and TMR bits change with atomic bit operations,
 * INIT and SIPI are bits of pending_events, NMIs go to the vCPU's event
 * queue, and then the vCPU gets EMBER_REQ_EVENT and a kick.  Senders read
 * the addressing state (APIC base, ID, LDR, DFR, SPIV, PPR) with READ_ONCE;
 * the vCPU's thread writes those with WRITE_ONCE.  The timer's fields are
 * written by the vCPU's thread only while the hrtimer is cancelled, except
 * what the callback itself updates (a periodic timer's next expiry, a
 * TSC deadline that passed).
 */
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "ember.h"
#include "apic_bus.h"
#include "cpuid.h"
#include "ioapic.h"
#include "irqchip.h"
#include "lapic.h"

#define LAPIC_MMIO_LENGTH	4096
#define LAPIC_NR_LVT		6	/* timer, thermal, perf, LINT0/1, error */
/* Version register: xAPIC version 0x14, max LVT entry 5 (KVM's value). */
#define LAPIC_VERSION		(0x14 | ((LAPIC_NR_LVT - 1) << 16))
#define X2APIC_BROADCAST	0xffffffffu
#define XAPIC_BROADCAST		0xffu
/*
 * A periodic timer fires at most every 200 us (KVM's min_timer_period_us):
 * hrtimers are not throttled by the scheduler, so a guest asking for a
 * period of a few ns would otherwise keep its host CPU in hard-irq context.
 */
#define LAPIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

#define LVT_MASK	(APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK)
#define LINT_MASK	(LVT_MASK | APIC_MODE_MASK | APIC_INPUT_POLARITY | \
			 APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)
#define LVT_TIMER_MODE_MASK	(3 << 17)

/* x2APIC ICR bits that must be 0 (SDM Vol. 3A 11.12.9, as KVM checks). */
#define X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | \
				 BIT_ULL(13))

struct ember_lapic {
	/*
	 * The register page as KVM_GET/SET_LAPIC shows it, each register at
	 * its xAPIC offset.  In x2APIC mode APIC_ID holds the 32-bit x2APIC
	 * ID and ICR is one 64-bit register at APIC_ICR, as in KVM; the
	 * state ioctls convert.  First in the struct: IRR/ISR/TMR are used
	 * as unsigned longs by the atomic bit operations.
	 */
	u8 regs[KVM_APIC_REG_SIZE] __aligned(16);
	struct ember_vcpu *vcpu;

	unsigned long pending_events;	/* EMBER_APIC_INIT, _SIPI */
	u8 sipi_vector;
	/* Lowest-priority messages taken: KVM's tie-break among equals. */
	atomic_t arb_count;

	struct hrtimer timer;
	u32 timer_mode;		/* APIC_LVT_TIMER_*, as the CPUID allows */
	u32 divide;		/* 1..128, from TDCR */
	u64 period;		/* ns per count of TMICT; 0: not counting */
	ktime_t target;		/* one-shot/periodic: when the count hits 0 */
	u64 tsc_deadline;	/* guest TSC; 0: disarmed */
};

static u32 reg_get(struct ember_lapic *apic, unsigned int off)
{
	return READ_ONCE(*(u32 *)(apic->regs + off));
}

static void reg_set(struct ember_lapic *apic, unsigned int off, u32 val)
{
	WRITE_ONCE(*(u32 *)(apic->regs + off), val);
}

/* IRR, ISR, TMR: 256 bits in eight 32-bit registers 16 bytes apart. */
static unsigned long *vec_word(struct ember_lapic *apic, unsigned int base,
			       u8 vec)
{
	return (unsigned long *)(apic->regs + base + (vec >> 5) * 0x10);
}

static bool vec_test(struct ember_lapic *apic, unsigned int base, u8 vec)
{
	return test_bit(vec & 31, vec_word(apic, base, vec));
}

static int highest_vector(struct ember_lapic *apic, unsigned int base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = reg_get(apic, base + i * 0x10);

		if (w)
			return i * 32 + __fls(w);
	}
	return -1;
}

static u64 apic_base(struct ember_lapic *apic)
{
	return READ_ONCE(apic->vcpu->arch.apic_base);
}

static bool hw_enabled(struct ember_lapic *apic)
{
	return apic_base(apic) & MSR_IA32_APICBASE_ENABLE;
}

static bool sw_enabled(struct ember_lapic *apic)
{
	return reg_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static bool x2apic_mode(struct ember_lapic *apic)
{
	return apic_base(apic) & X2APIC_ENABLE;
}

static bool lapic_enabled(struct ember_lapic *apic)
{
	return hw_enabled(apic) && sw_enabled(apic);
}

static u32 x2apic_ldr(u32 id)
{
	/* SDM Vol. 3A 11.12.10.2: cluster in 31:16, one bit of 16 in 15:0. */
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* ---- priorities (SDM Vol. 3A 11.8.3) ---- */

static u32 compute_ppr(struct ember_lapic *apic)
{
	u32 tpr = reg_get(apic, APIC_TASKPRI) & 0xff;
	int isr = highest_vector(apic, APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : (isrv & 0xf0);
}

/* The highest vector in IRR whose class is above @ppr, or -1. */
static int irr_above(struct ember_lapic *apic, u32 ppr)
{
	int irr = highest_vector(apic, APIC_IRR);

	if (irr < 0 || (irr & 0xf0) <= ppr)
		return -1;
	return irr;
}

/* After TPR or ISR changed: a lower PPR may let a pending vector through. */
static void update_ppr(struct ember_lapic *apic)
{
	u32 old = reg_get(apic, APIC_PROCPRI), ppr = compute_ppr(apic);

	reg_set(apic, APIC_PROCPRI, ppr);
	if (ppr < old && irr_above(apic, ppr) >= 0)
		ember_make_request(EMBER_REQ_EVENT, apic->vcpu);
}

/* ---- accepting interrupts: any context ---- */

static void kick(struct ember_vcpu *vcpu)
{
	ember_make_request(EMBER_REQ_EVENT, vcpu);
	ember_vcpu_kick(vcpu);
}

int ember_lapic_accept(struct ember_vcpu *vcpu, const struct ember_apic_irq *irq)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u8 vec = irq->vector;

	if (!apic)
		return 0;
	switch (irq->delivery_mode) {
	case APIC_DM_LOWEST:
		atomic_inc(&apic->arb_count);
		fallthrough;
	case APIC_DM_FIXED:
		/* A level-triggered de-assert carries no interrupt. */
		if (irq->trig_level && !irq->level)
			return 0;
		/* A disabled APIC takes no fixed interrupt (SDM 11.4.7.2). */
		if (!lapic_enabled(apic))
			return 0;
		if (irq->trig_level)
			set_bit(vec & 31, vec_word(apic, APIC_TMR, vec));
		else
			clear_bit(vec & 31, vec_word(apic, APIC_TMR, vec));
		set_bit(vec & 31, vec_word(apic, APIC_IRR, vec));
		kick(vcpu);
		return 1;
	case APIC_DM_NMI:
		x86_queue_nmi(vcpu);
		return 1;
	case APIC_DM_INIT:
		if (irq->trig_level && !irq->level)
			return 0;	/* INIT level de-assert: ignored, as KVM */
		/* An INIT cancels a SIPI that has not been taken yet. */
		clear_bit(EMBER_APIC_SIPI, &apic->pending_events);
		set_bit(EMBER_APIC_INIT, &apic->pending_events);
		kick(vcpu);
		return 1;
	case APIC_DM_STARTUP:
		WRITE_ONCE(apic->sipi_vector, vec);
		/* The vector before the bit: see ember_lapic_take_sipi(). */
		smp_wmb();
		set_bit(EMBER_APIC_SIPI, &apic->pending_events);
		kick(vcpu);
		return 1;
	default:
		/* SMI (no SMM), remote read, ExtINT by message: not taken. */
		return 0;
	}
}

/* SDM Vol. 3A 11.6.2.1: physical destination. */
static bool match_physical(struct ember_lapic *apic, u32 mda)
{
	bool x2 = x2apic_mode(apic);

	if (mda == (x2 ? X2APIC_BROADCAST : XAPIC_BROADCAST))
		return true;
	/*
	 * KVM's rule: an ID that does not fit in 8 bits is matched against
	 * the x2APIC ID (the vCPU id) even in xAPIC mode.
	 */
	if (x2 || mda > 0xff)
		return mda == apic->vcpu->id;
	return mda == reg_get(apic, APIC_ID) >> 24;
}

/* SDM Vol. 3A 11.6.2.2 (flat and cluster), 11.12.10.2 (x2APIC). */
static bool match_logical(struct ember_lapic *apic, u32 mda)
{
	u32 ldr = reg_get(apic, APIC_LDR), lid;

	if (x2apic_mode(apic)) {
		if (mda == X2APIC_BROADCAST)
			return true;
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	}
	if (mda == XAPIC_BROADCAST)
		return true;
	lid = ldr >> 24;
	switch (reg_get(apic, APIC_DFR)) {
	case APIC_DFR_FLAT:
		return lid & mda;
	case APIC_DFR_CLUSTER:
		return (lid >> 4) == (mda >> 4) && (lid & mda & 0xf);
	default:
		return false;
	}
}

bool ember_lapic_match_dest(struct ember_vcpu *vcpu, struct ember_vcpu *src,
			    const struct ember_apic_irq *irq)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 mda = irq->dest_id;

	/* A hardware-disabled APIC is off the bus (SDM 11.4.3). */
	if (!apic || !hw_enabled(apic))
		return false;
	switch (irq->shorthand) {
	case APIC_DEST_NOSHORT:
		/*
		 * KVM's rule without KVM_CAP_X2APIC_API: an IOAPIC or MSI
		 * message to 0xff is a broadcast for x2APIC-mode LAPICs too.
		 */
		if (!src && mda == XAPIC_BROADCAST && x2apic_mode(apic))
			mda = X2APIC_BROADCAST;
		return irq->dest_logical ? match_logical(apic, mda) :
					   match_physical(apic, mda);
	case APIC_DEST_SELF:
		return vcpu == src;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return vcpu != src;
	default:
		return false;
	}
}

/*
 * Lowest priority (SDM Vol. 3A 11.6.2.4): the LAPIC whose processor
 * priority class is lowest wins; among equals, the one that took the fewest
 * lowest-priority messages so far (KVM's arbitration counter), which
 * spreads them round robin.
 */
int ember_lapic_compare_prio(struct ember_vcpu *a, struct ember_vcpu *b)
{
	struct ember_lapic *la = a->arch.lapic, *lb = b->arch.lapic;
	int pa = (reg_get(la, APIC_PROCPRI) >> 4) & 0xf;
	int pb = (reg_get(lb, APIC_PROCPRI) >> 4) & 0xf;

	if (pa != pb)
		return pa - pb;
	return atomic_read(&la->arb_count) - atomic_read(&lb->arb_count);
}

/* An interrupt from one of the LVT entries (SDM Vol. 3A 11.5.1). */
static void local_deliver(struct ember_lapic *apic, unsigned int lvt)
{
	u32 reg = reg_get(apic, lvt);
	struct ember_apic_irq irq = {
		.vector = reg & APIC_VECTOR_MASK,
		.delivery_mode = reg & APIC_MODE_MASK,
		.level = true,
		.trig_level = reg & APIC_LVT_LEVEL_TRIGGER,
	};

	if (hw_enabled(apic) && !(reg & APIC_LVT_MASKED))
		ember_lapic_accept(apic->vcpu, &irq);
}

/* ---- the timer (SDM Vol. 3A 11.5.4) ---- */

/* Any context, the hrtimer's callback included. */
static void timer_expired(struct ember_lapic *apic)
{
	if (READ_ONCE(apic->timer_mode) == APIC_LVT_TIMER_TSCDEADLINE)
		WRITE_ONCE(apic->tsc_deadline, 0);
	local_deliver(apic, APIC_LVTT);
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct ember_lapic *apic = container_of(t, struct ember_lapic, timer);
	u64 period = READ_ONCE(apic->period);
	ktime_t now;

	timer_expired(apic);
	if (READ_ONCE(apic->timer_mode) != APIC_LVT_TIMER_PERIODIC || !period)
		return HRTIMER_NORESTART;
	/*
	 * The next period; if the host fell behind by more than one, restart
	 * from now rather than fire the missed ones back to back (one IRR
	 * bit holds them all anyway).
	 */
	now = hrtimer_cb_get_time(t);
	apic->target = ktime_add_ns(apic->target, period);
	if (ktime_before(apic->target, now))
		apic->target = ktime_add_ns(now, period);
	hrtimer_set_expires(t, apic->target);
	return HRTIMER_RESTART;
}

static void cancel_timer(struct ember_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
}

static void update_divide(struct ember_lapic *apic)
{
	u32 tdcr = reg_get(apic, APIC_TDCR);
	/* SDM Figure 11-10: bits 3,1:0; 0b111 is divide by 1. */
	u32 shift = (((tdcr & 3) | ((tdcr & 8) >> 1)) + 1) & 7;

	apic->divide = 1u << shift;
}

/* TMICT in ns: KVM's APIC bus runs at 1 GHz, one count = divide ns. */
static u64 count_to_ns(struct ember_lapic *apic, u32 count)
{
	return (u64)count * apic->divide;
}

static void set_period(struct ember_lapic *apic)
{
	u64 period = count_to_ns(apic, reg_get(apic, APIC_TMICT));

	if (apic->timer_mode == APIC_LVT_TIMER_PERIODIC && period &&
	    period < LAPIC_MIN_PERIOD_NS)
		period = LAPIC_MIN_PERIOD_NS;
	WRITE_ONCE(apic->period, period);
}

/*
 * Start a one-shot or periodic count (the timer is cancelled): @remaining
 * ns until it reaches 0.  Already due: the interrupt now.
 */
static void start_count(struct ember_lapic *apic, u64 remaining)
{
	ktime_t now = ktime_get();

	apic->target = ktime_add_ns(now, remaining);
	if (!remaining) {
		timer_expired(apic);
		if (apic->timer_mode != APIC_LVT_TIMER_PERIODIC)
			return;
		apic->target = ktime_add_ns(now, apic->period);
	}
	hrtimer_start(&apic->timer, apic->target, HRTIMER_MODE_ABS_HARD);
}

/* Guest TSC ticks to ns at the host's TSC rate (the guest's TSC is it). */
static u64 tsc_to_ns(u64 ticks)
{
	u32 rem;
	u64 ms = div_u64_rem(ticks, tsc_khz, &rem);

	if (ms > (u64)KTIME_MAX / NSEC_PER_MSEC - 1)
		return KTIME_MAX;
	return ms * NSEC_PER_MSEC + div_u64((u64)rem * NSEC_PER_MSEC, tsc_khz);
}

/* Arm the TSC-deadline timer (the timer is cancelled). */
static void start_tsc_deadline(struct ember_lapic *apic)
{
	u64 deadline = apic->tsc_deadline, now_tsc;

	if (!deadline || !tsc_khz)
		return;
	now_tsc = x86_guest_tsc(apic->vcpu);
	if (deadline <= now_tsc) {
		timer_expired(apic);
		return;
	}
	hrtimer_start(&apic->timer, ns_to_ktime(tsc_to_ns(deadline - now_tsc)),
		      HRTIMER_MODE_REL_HARD);
}

/* The ns left of a one-shot/periodic count, 0 if none or past. */
static u64 remaining_ns(struct ember_lapic *apic)
{
	s64 left = ktime_to_ns(ktime_sub(apic->target, ktime_get()));

	return left > 0 ? left : 0;
}

/* Current count (SDM 11.5.4): what is left of this period, in counts. */
static u32 current_count(struct ember_lapic *apic)
{
	u64 period = READ_ONCE(apic->period), ns;

	if (apic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE ||
	    !reg_get(apic, APIC_TMICT) || !period)
		return 0;
	ns = remaining_ns(apic);
	div64_u64_rem(ns, period, &ns);
	return div_u64(ns, apic->divide);
}

/* Which timer modes LVTT can select: the guest's CPUID says (as KVM). */
static u32 timer_mode_mask(struct ember_vcpu *vcpu)
{
	if (!guest_cpuid_find(vcpu, 1, 0))
		return 0;
	if (guest_cpuid_has(vcpu, 1, 0, CPUID_ECX, 24))	/* TSC-deadline */
		return LVT_TIMER_MODE_MASK;
	return APIC_LVT_TIMER_PERIODIC;
}

/*
 * LVTT changed: entering or leaving TSC-deadline mode stops the timer and
 * clears its count and deadline (SDM 11.5.4.1); a periodic timer is held
 * to the minimum period.
 */
static void update_lvtt(struct ember_lapic *apic)
{
	u32 mode = reg_get(apic, APIC_LVTT) & LVT_TIMER_MODE_MASK;

	if (mode == apic->timer_mode)
		return;
	if ((mode == APIC_LVT_TIMER_TSCDEADLINE) !=
	    (apic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE)) {
		cancel_timer(apic);
		reg_set(apic, APIC_TMICT, 0);
		WRITE_ONCE(apic->period, 0);
		WRITE_ONCE(apic->tsc_deadline, 0);
	}
	WRITE_ONCE(apic->timer_mode, mode);
	if (mode == APIC_LVT_TIMER_PERIODIC && apic->period &&
	    apic->period < LAPIC_MIN_PERIOD_NS)
		WRITE_ONCE(apic->period, LAPIC_MIN_PERIOD_NS);
}

/* TDCR changed while counting: the rest of the count at the new rate. */
static void update_divide_running(struct ember_lapic *apic, u32 old_divide)
{
	u64 left;

	if (apic->divide == old_divide || !apic->period ||
	    apic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	cancel_timer(apic);
	left = remaining_ns(apic);
	set_period(apic);
	/* A one-shot count that already reached 0 stays there. */
	if (!left && apic->timer_mode != APIC_LVT_TIMER_PERIODIC)
		return;
	start_count(apic, mul_u64_u32_div(left, apic->divide, old_divide));
}

/* ---- register accesses (the vCPU's thread) ---- */

static void set_spiv(struct ember_lapic *apic, u32 val)
{
	int i;

	/* No directed EOI: the version register does not offer it. */
	reg_set(apic, APIC_SPIV, val & 0x3ff);
	if (val & APIC_SPIV_APIC_ENABLED) {
		ember_make_request(EMBER_REQ_EVENT, apic->vcpu);
		return;
	}
	/* Software disable masks every LVT entry (SDM 11.4.7.2). */
	for (i = 0; i < LAPIC_NR_LVT; i++) {
		unsigned int off = APIC_LVTT + 0x10 * i;

		reg_set(apic, off, reg_get(apic, off) | APIC_LVT_MASKED);
	}
	update_lvtt(apic);
}

/* EOI (SDM 11.8.5): the highest vector in service is done. */
static void set_eoi(struct ember_lapic *apic)
{
	int vec = highest_vector(apic, APIC_ISR);

	if (vec < 0)
		return;
	__clear_bit(vec & 31, vec_word(apic, APIC_ISR, vec));
	update_ppr(apic);
	/* A level-triggered interrupt: the IOAPIC may send it again. */
	if (vec_test(apic, APIC_TMR, vec))
		ember_ioapic_eoi(apic->vcpu->vm, vec);
	ember_make_request(EMBER_REQ_EVENT, apic->vcpu);
}

/* An IPI from the ICR (SDM 11.6.1), in the ICR's encoding. */
static void send_ipi(struct ember_lapic *apic, u32 lo, u32 hi)
{
	struct ember_apic_irq irq = {
		.vector = lo & APIC_VECTOR_MASK,
		.delivery_mode = lo & APIC_MODE_MASK,
		.dest_logical = lo & APIC_DEST_LOGICAL,
		.level = lo & APIC_INT_ASSERT,
		.trig_level = lo & APIC_INT_LEVELTRIG,
		.shorthand = lo & APIC_SHORT_MASK,
		.dest_id = x2apic_mode(apic) ? hi : GET_XAPIC_DEST_FIELD(hi),
	};

	ember_apic_deliver(apic->vcpu->vm, apic->vcpu, &irq);
}

/* Reads: 0, or 1 for a register that does not exist (x2APIC: #GP). */
static int reg_read(struct ember_lapic *apic, u32 off, u32 *val)
{
	bool x2 = x2apic_mode(apic);

	if (off > APIC_SELF_IPI || (off & 0xf))
		return 1;
	switch (off) {
	case APIC_ID:
	case APIC_LVR:
	case APIC_TASKPRI:
	case APIC_LDR:
	case APIC_SPIV:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
	case APIC_ESR:
	case APIC_ICR:
	case APIC_LVTT ... APIC_LVTERR:
	case APIC_TMICT:
	case APIC_TDCR:
		*val = reg_get(apic, off);
		return 0;
	case APIC_DFR:
		/* No DFR in x2APIC mode (SDM Table 11-6). */
		if (x2)
			return 1;
		*val = reg_get(apic, off);
		return 0;
	case APIC_ARBPRI:		/* reads 0, as in KVM */
		if (x2)
			return 1;
		*val = 0;
		return 0;
	case APIC_ICR2:
		if (x2)
			return 1;
		*val = reg_get(apic, off);
		return 0;
	case APIC_PROCPRI:
		update_ppr(apic);
		*val = reg_get(apic, off);
		return 0;
	case APIC_TMCCT:
		*val = current_count(apic);
		return 0;
	default:
		return 1;		/* reserved, EOI, CMCI, SELF IPI */
	}
}

static void write_lvt(struct ember_lapic *apic, u32 off, u32 val, u32 mask)
{
	if (!sw_enabled(apic))
		val |= APIC_LVT_MASKED;
	reg_set(apic, off, val & mask);
}

/* Writes: 0, or 1 for a register that cannot be written (x2APIC: #GP). */
static int reg_write(struct ember_lapic *apic, u32 off, u32 val)
{
	bool x2 = x2apic_mode(apic);
	u32 old_divide;

	switch (off) {
	case APIC_ID:
		if (x2)
			return 1;
		reg_set(apic, APIC_ID, val & 0xff000000);
		break;
	case APIC_TASKPRI:
		reg_set(apic, APIC_TASKPRI, val & 0xff);
		update_ppr(apic);
		break;
	case APIC_EOI:
		set_eoi(apic);
		break;
	case APIC_LDR:
		if (x2)
			return 1;
		reg_set(apic, APIC_LDR, val & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (x2)
			return 1;
		reg_set(apic, APIC_DFR, val | 0x0fffffff);
		break;
	case APIC_SPIV:
		set_spiv(apic, val);
		break;
	case APIC_ICR:
		/* xAPIC only (x2APIC: the 64-bit MSR); delivery is instant. */
		val &= ~APIC_ICR_BUSY;
		send_ipi(apic, val, reg_get(apic, APIC_ICR2));
		reg_set(apic, APIC_ICR, val);
		break;
	case APIC_ICR2:
		if (x2)
			return 1;
		reg_set(apic, APIC_ICR2, val & 0xff000000);
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		write_lvt(apic, off, val, LINT_MASK);
		break;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		write_lvt(apic, off, val, LVT_MASK | APIC_MODE_MASK);
		break;
	case APIC_LVTERR:
		write_lvt(apic, off, val, LVT_MASK);
		break;
	case APIC_LVTT:
		write_lvt(apic, off, val,
			  LVT_MASK | timer_mode_mask(apic->vcpu));
		update_lvtt(apic);
		break;
	case APIC_TMICT:
		/* Ignored in TSC-deadline mode (SDM 11.5.4.1). */
		if (apic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE)
			break;
		cancel_timer(apic);
		reg_set(apic, APIC_TMICT, val);
		set_period(apic);
		if (apic->period)
			start_count(apic, apic->period);
		break;
	case APIC_TDCR:
		old_divide = apic->divide;
		reg_set(apic, APIC_TDCR, val & 0xb);
		update_divide(apic);
		update_divide_running(apic, old_divide);
		break;
	case APIC_ESR:
		/* ember never sets an error bit; x2APIC: only 0 is valid. */
		if (x2 && val)
			return 1;
		break;
	case APIC_SELF_IPI:
		/* x2APIC only; bits 31:8 are reserved (SDM 11.12.11). */
		if (!x2 || (val & ~APIC_VECTOR_MASK))
			return 1;
		send_ipi(apic, APIC_DEST_SELF | val, 0);
		break;
	default:
		return 1;	/* read-only or reserved */
	}
	return 0;
}

bool ember_lapic_mmio_in_range(struct ember_vcpu *vcpu, u64 gpa)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u64 base = vcpu->arch.apic_base;

	if (!apic || !(base & MSR_IA32_APICBASE_ENABLE) ||
	    (base & X2APIC_ENABLE))
		return false;
	base &= MSR_IA32_APICBASE_BASE;
	return gpa >= base && gpa - base < LAPIC_MMIO_LENGTH;
}

/*
 * xAPIC MMIO.  The SDM (11.4.1) wants aligned 32-bit accesses; as KVM, a
 * read of 1, 2 or 4 bytes inside one register gets its bytes, writes of
 * any other size or alignment are dropped, and the rest reads 0.
 */
int ember_lapic_mmio_read(struct ember_vcpu *vcpu, u64 gpa, int len, void *val)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 off, align, reg = 0;

	if (!ember_lapic_mmio_in_range(vcpu, gpa))
		return -EOPNOTSUPP;
	if (len <= 0 || len > 8)
		return -EINVAL;
	memset(val, 0, len);
	off = gpa - (vcpu->arch.apic_base & MSR_IA32_APICBASE_BASE);
	align = off & 0xf;
	if (align + len > 4 || (len != 1 && len != 2 && len != 4))
		return 0;
	if (reg_read(apic, off & ~0xf, &reg))
		return 0;
	memcpy(val, (u8 *)&reg + align, len);
	return 0;
}

int ember_lapic_mmio_write(struct ember_vcpu *vcpu, u64 gpa, int len,
			   const void *val)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 off, v;

	if (!ember_lapic_mmio_in_range(vcpu, gpa))
		return -EOPNOTSUPP;
	off = gpa - (vcpu->arch.apic_base & MSR_IA32_APICBASE_BASE);
	if (len != 4 || (off & 0xf))
		return 0;
	memcpy(&v, val, 4);
	/* SELF IPI is x2APIC's: reg_write refuses it in xAPIC mode. */
	reg_write(apic, off, v);
	return 0;
}

/* x2APIC MSRs 0x800-0x8ff (SDM 11.12.1.2): 1 means #GP. */
int ember_lapic_x2apic_msr_read(struct ember_vcpu *vcpu, u32 msr, u64 *data)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 off = (msr - APIC_BASE_MSR) << 4, v;

	if (!apic || msr < APIC_BASE_MSR || msr > APIC_BASE_MSR + 0xff ||
	    !x2apic_mode(apic))
		return 1;
	if (off == APIC_ICR) {
		*data = reg_get(apic, APIC_ICR) |
			(u64)reg_get(apic, APIC_ICR + 4) << 32;
		return 0;
	}
	if (reg_read(apic, off, &v))
		return 1;
	*data = v;
	return 0;
}

int ember_lapic_x2apic_msr_write(struct ember_vcpu *vcpu, u32 msr, u64 data)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 off = (msr - APIC_BASE_MSR) << 4;

	if (!apic || msr < APIC_BASE_MSR || msr > APIC_BASE_MSR + 0xff ||
	    !x2apic_mode(apic))
		return 1;
	if (off == APIC_ICR) {
		if (data & X2APIC_ICR_RESERVED)
			return 1;
		data &= ~(u64)APIC_ICR_BUSY;
		send_ipi(apic, data, data >> 32);
		reg_set(apic, APIC_ICR, data);
		reg_set(apic, APIC_ICR + 4, data >> 32);
		return 0;
	}
	/* Every other register is 32 bits wide. */
	if (data >> 32)
		return 1;
	return reg_write(apic, off, data);
}

/* ---- IA32_APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.5) ---- */

enum lapic_mode { MODE_DISABLED, MODE_INVALID, MODE_XAPIC, MODE_X2APIC };

static enum lapic_mode base_mode(u64 base)
{
	return (base & MSR_IA32_APICBASE_ENABLE ? 2 : 0) |
	       (base & X2APIC_ENABLE ? 1 : 0);
}

/* Make @value the APIC base, with what a mode change does to the IDs. */
static void apply_base(struct ember_lapic *apic, u64 value)
{
	struct ember_vcpu *vcpu = apic->vcpu;
	u64 old = vcpu->arch.apic_base;

	/* Enabled again: the xAPIC ID is the vCPU's (as KVM). */
	if ((old ^ value) & value & MSR_IA32_APICBASE_ENABLE)
		reg_set(apic, APIC_ID, vcpu->id << 24);
	/* Into x2APIC mode: ID and LDR are fixed (SDM 11.12.5.1). */
	if ((old ^ value) & value & X2APIC_ENABLE) {
		reg_set(apic, APIC_ID, vcpu->id);
		reg_set(apic, APIC_LDR, x2apic_ldr(vcpu->id));
	}
	WRITE_ONCE(vcpu->arch.apic_base, value);
	ember_make_request(EMBER_REQ_EVENT, vcpu);
}

int ember_lapic_set_base(struct ember_vcpu *vcpu, u64 value, bool host)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	enum lapic_mode old_mode, new_mode;
	u64 reserved = (~0ull << boot_cpu_data.x86_phys_bits) | 0x2ff;

	if (!guest_cpuid_has(vcpu, 1, 0, CPUID_ECX, 21))	/* x2APIC */
		reserved |= X2APIC_ENABLE;
	old_mode = base_mode(vcpu->arch.apic_base);
	new_mode = base_mode(value);
	if ((value & reserved) || new_mode == MODE_INVALID)
		return 1;
	/*
	 * x2APIC -> xAPIC and disabled -> x2APIC are invalid transitions
	 * (SDM Figure 11-27); KVM lets the host make them (state restore).
	 */
	if (!host && ((old_mode == MODE_X2APIC && new_mode == MODE_XAPIC) ||
		      (old_mode == MODE_DISABLED && new_mode == MODE_X2APIC)))
		return 1;
	if (apic)
		apply_base(apic, value);
	else
		vcpu->arch.apic_base = value;
	return 0;
}

u64 ember_lapic_get_base(struct ember_vcpu *vcpu)
{
	return vcpu->arch.apic_base;
}

/* ---- TSC deadline (SDM 11.5.4.1), TPR by CR8 (SDM 11.8.6.1) ---- */

u64 ember_lapic_get_tsc_deadline(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	if (!apic || !hw_enabled(apic) ||
	    apic->timer_mode != APIC_LVT_TIMER_TSCDEADLINE)
		return 0;
	return READ_ONCE(apic->tsc_deadline);
}

/* Outside TSC-deadline mode a write is ignored (as KVM; SDM 11.5.4.1). */
void ember_lapic_set_tsc_deadline(struct ember_vcpu *vcpu, u64 data)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	if (!apic || !hw_enabled(apic) ||
	    apic->timer_mode != APIC_LVT_TIMER_TSCDEADLINE)
		return;
	cancel_timer(apic);
	WRITE_ONCE(apic->tsc_deadline, data);
	start_tsc_deadline(apic);
}

u64 ember_lapic_get_cr8(struct ember_vcpu *vcpu)
{
	return (reg_get(vcpu->arch.lapic, APIC_TASKPRI) >> 4) & 0xf;
}

void ember_lapic_set_tpr(struct ember_vcpu *vcpu, u64 cr8)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	reg_set(apic, APIC_TASKPRI, (cr8 & 0xf) << 4);
	update_ppr(apic);
}

/* ---- VM entry: the interrupt the LAPIC presents (SDM 11.8.4) ---- */

int ember_lapic_has_interrupt(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	if (!apic || !hw_enabled(apic))
		return -1;
	return irr_above(apic, compute_ppr(apic));
}

void ember_lapic_ack_interrupt(struct ember_vcpu *vcpu, int vector)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u8 vec;

	if (!apic || vector < 0 || vector > 255)
		return;
	vec = vector;
	clear_bit(vec & 31, vec_word(apic, APIC_IRR, vec));
	__set_bit(vec & 31, vec_word(apic, APIC_ISR, vec));
	reg_set(apic, APIC_PROCPRI, compute_ppr(apic));
}

/* LINT0 passes the PICs' INTR when it is ExtINT, or the APIC is off. */
bool ember_lapic_accept_pic_intr(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 lvt0;

	if (!apic)
		return false;
	if (!hw_enabled(apic))
		return true;
	lvt0 = reg_get(apic, APIC_LVT0);
	return !(lvt0 & APIC_LVT_MASKED) &&
	       (lvt0 & APIC_MODE_MASK) == APIC_DM_EXTINT;
}

bool ember_lapic_enabled(struct ember_vcpu *vcpu)
{
	return vcpu->arch.lapic && lapic_enabled(vcpu->arch.lapic);
}

/* ---- INIT and SIPI ---- */

bool ember_lapic_take_init(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	return apic && test_and_clear_bit(EMBER_APIC_INIT, &apic->pending_events);
}

int ember_lapic_take_sipi(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	if (!apic || !test_and_clear_bit(EMBER_APIC_SIPI, &apic->pending_events))
		return -1;
	/* The bit before the vector: pairs with the sender's smp_wmb(). */
	smp_rmb();
	return READ_ONCE(apic->sipi_vector);
}

bool ember_lapic_events_pending(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	return apic && READ_ONCE(apic->pending_events);
}

/* ---- reset, state, life ---- */

void ember_lapic_reset(struct ember_vcpu *vcpu, bool init)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	int i;

	if (!apic)
		return;
	cancel_timer(apic);
	if (!init) {
		u64 base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE;

		if (vcpu->id == EMBER_BSP_ID)
			base |= MSR_IA32_APICBASE_BSP;
		apply_base(apic, base);
		/* RESET sets the xAPIC ID even if the APIC stayed enabled. */
		reg_set(apic, APIC_ID, vcpu->id << 24);
	}
	reg_set(apic, APIC_LVR, LAPIC_VERSION);
	for (i = 0; i < LAPIC_NR_LVT; i++)
		reg_set(apic, APIC_LVTT + 0x10 * i, APIC_LVT_MASKED);
	/* KVM's LINT0_REENABLED quirk: the BSP's LINT0 takes the PIC. */
	if (vcpu->id == EMBER_BSP_ID)
		reg_set(apic, APIC_LVT0, SET_APIC_DELIVERY_MODE(0, APIC_MODE_EXTINT));
	reg_set(apic, APIC_DFR, 0xffffffff);
	reg_set(apic, APIC_SPIV, 0xff);
	reg_set(apic, APIC_TASKPRI, 0);
	if (!x2apic_mode(apic))
		reg_set(apic, APIC_LDR, 0);
	reg_set(apic, APIC_ESR, 0);
	reg_set(apic, APIC_ICR, 0);
	if (x2apic_mode(apic))
		reg_set(apic, APIC_ICR + 4, 0);
	else
		reg_set(apic, APIC_ICR2, 0);
	reg_set(apic, APIC_TDCR, 0);
	reg_set(apic, APIC_TMICT, 0);
	for (i = 0; i < 8; i++) {
		reg_set(apic, APIC_IRR + 0x10 * i, 0);
		reg_set(apic, APIC_ISR + 0x10 * i, 0);
		reg_set(apic, APIC_TMR + 0x10 * i, 0);
	}
	update_divide(apic);
	WRITE_ONCE(apic->timer_mode, APIC_LVT_TIMER_ONESHOT);
	WRITE_ONCE(apic->period, 0);
	WRITE_ONCE(apic->tsc_deadline, 0);
	reg_set(apic, APIC_PROCPRI, 0);
	atomic_set(&apic->arb_count, 0);
}

/* KVM_GET_LAPIC: the page, with x2APIC's ID and ICR in xAPIC's places. */
int ember_lapic_get_state(struct ember_vcpu *vcpu, struct kvm_lapic_state *s)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	memcpy(s->regs, apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_TMCCT) = current_count(apic);
	if (x2apic_mode(apic)) {
		*(u32 *)(s->regs + APIC_ID) <<= 24;
		*(u32 *)(s->regs + APIC_ICR2) =
			*(u32 *)(s->regs + APIC_ICR + 4);
	}
	return 0;
}

/*
 * KVM_SET_LAPIC: any values are taken, as KVM takes them; the derived
 * state (version, PPR, the timer from TMCCT) is recomputed.
 */
int ember_lapic_set_state(struct ember_vcpu *vcpu,
			  const struct kvm_lapic_state *s)
{
	struct ember_lapic *apic = vcpu->arch.lapic;
	u32 count, tmict;
	u64 left;

	cancel_timer(apic);
	memcpy(apic->regs, s->regs, sizeof(apic->regs));
	if (x2apic_mode(apic)) {
		u32 id = reg_get(apic, APIC_ID) >> 24;

		reg_set(apic, APIC_ID, id);
		reg_set(apic, APIC_LDR, x2apic_ldr(id));
		reg_set(apic, APIC_ICR + 4, reg_get(apic, APIC_ICR2));
	}
	reg_set(apic, APIC_LVR, LAPIC_VERSION);
	reg_set(apic, APIC_PROCPRI, compute_ppr(apic));

	update_lvtt(apic);
	update_divide(apic);
	count = reg_get(apic, APIC_TMCCT);
	reg_set(apic, APIC_TMCCT, 0);
	if (apic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE) {
		start_tsc_deadline(apic);
	} else {
		set_period(apic);
		tmict = reg_get(apic, APIC_TMICT);
		if (apic->period) {
			/* The count left, as KVM restores it from TMCCT. */
			left = count_to_ns(apic, min(count, tmict));
			if (!count && apic->timer_mode == APIC_LVT_TIMER_PERIODIC)
				left = apic->period;
			start_count(apic, left);
		}
	}
	atomic_set(&apic->arb_count, 0);
	ember_make_request(EMBER_REQ_EVENT, vcpu);
	return 0;
}

int ember_lapic_create(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = lapic_timer_fn;
	vcpu->arch.lapic = apic;
	ember_lapic_reset(vcpu, false);
	return 0;
}

void ember_lapic_free(struct ember_vcpu *vcpu)
{
	struct ember_lapic *apic = vcpu->arch.lapic;

	if (!apic)
		return;
	hrtimer_cancel(&apic->timer);
	vcpu->arch.lapic = NULL;
	kfree(apic);
}
