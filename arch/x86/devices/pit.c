// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 programmable interval timer (Intel 8254 data sheet, order no.
 * 231164) as a PC wires it: three counters clocked at 1.193182 MHz on
 * ports 0x40-0x42, their control word on 0x43, counter 0's OUT on IRQ0
 * (GSI 0), counter 2's GATE and OUT on port 0x61 beside the speaker's data
 * bit.  State, ioctls and behaviour are KVM's (arch/x86/kvm/i8254.c):
 * struct kvm_pit_channel_state is this model's own state, so that
 * KVM_GET/SET_PIT(2) move it as they are.
 *
 * Nothing ticks.  A counter's value is computed when it is read, from the
 * host time (CLOCK_MONOTONIC) since its count was loaded: counters 1 and 2
 * from count_load_time, counter 0 from its timer, so that the count the
 * guest reads reaches zero when IRQ0 is raised.  As in KVM, counting is
 * binary whatever the BCD bit says, and the GATE only restarts counters
 * 1-3 on its rising edge in modes 1, 2, 3 and 5 (it does not pause modes
 * 0 and 4).
 *
 * Counter 0's OUT is an hrtimer: periodic in modes 2 and 3, one-shot in
 * modes 0, 1 and 4 (mode 1 does not wait for a GATE edge: counter 0's GATE
 * is tied high on a PC), none in mode 5 or before the first control word.
 * It is started only once KVM_CREATE_IRQCHIP made something to raise IRQ0
 * in, and not while userspace says the HPET drives IRQ0 instead
 * (KVM_PIT_FLAGS_HPET_LEGACY).  A periodic timer is never shorter than
 * PIT_MIN_PERIOD_NS: hrtimers are not throttled by the scheduler, and a
 * guest could otherwise program a host interrupt every microsecond.
 *
 * Each expiry is delivered as an edge on GSI 0 (the line up, then down,
 * with the PIT's own irq source id) by a kthread worker of the VM,
 * "ember-pit/<pid>", not from the hrtimer's hard-irq context: in
 * reinjection mode (the default, KVM_REINJECT_CONTROL) a tick is delivered
 * only once the guest acknowledged the previous one, and the next one is
 * started from the ack notifier, which the interrupt controllers call from
 * their EOI path, possibly with their own locks held.  Injecting there would
 * re-enter them; the worker decouples both callers from the controllers,
 * and being the only injector it keeps each up/down pair whole.  Ticks
 * that expire while one is unacknowledged are counted in @pending and
 * delivered one per EOI; with reinjection off they coalesce.
 *
 * Not modelled: the NULL COUNT status bit (always 0), BCD counting, the
 * GATE pausing modes 0 and 4, the control word stopping a counter until
 * its new count is written, the speaker's sound, and KVM's NMI watchdog
 * path (IRQ0 sent as NMI to LAPICs whose LVT0 is in NMI mode, which Linux
 * stopped using with 2.6.38).  KVM's mask notifier is replaced as said at
 * pit_expired().
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ember.h"
#include "io_bus.h"
#include "irq.h"
#include "irqchip.h"
#include "pit.h"

#define PIT_HZ			1193182	/* 14.31818 MHz / 12 */
#define PIT_BASE		0x40
#define PIT_LEN			4
#define PIT_CONTROL		3	/* 0x43, write-only */
#define SPEAKER_PORT		0x61
#define SPEAKER_LEN		4	/* what KVM registers; only 0x61 is ours */
#define PIT_IRQ			0	/* GSI 0 */
#define PIT_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)	/* KVM's min_timer_period_us */
/* Ticks kept for reinjection at most: @pending never wraps. */
#define PIT_MAX_PENDING		(1 << 29)

/*
 * read_state, write_state and count_latched (the ABI's values): the byte
 * an access moves next.  1-3 are also the control word's RW field.
 */
enum {
	RW_LSB = 1,		/* the low byte, every time */
	RW_MSB = 2,		/* the high byte, every time */
	RW_WORD_LSB = 3,	/* the low byte, then the high one */
	RW_WORD_MSB = 4,	/* the high byte of such a pair */
};

/* Control word (data sheet, "Control Word Format"). */
#define CW_SC(v)		((v) >> 6)		/* 3: Read-Back */
#define CW_RW(v)		(((v) >> 4) & 3)	/* 0: Counter Latch */
#define CW_MODE(v)		(((v) >> 1) & 7)
#define CW_BCD			0x01
/* Read-Back command: bits low to latch; counter n selected by bit n + 1. */
#define RB_NO_COUNT		0x20
#define RB_NO_STATUS		0x10
#define RB_COUNTER(n)		(2 << (n))

/* Port 0x61 (PC/AT system control port B). */
#define P61_GATE2		0x01
#define P61_SPEAKER_DATA	0x02
#define P61_REFRESH		0x10
#define P61_OUT2		0x20

struct ember_pit {
	struct ember_vm *vm;
	struct ember_io_device dev;		/* 0x40-0x43 */
	struct ember_io_device speaker;		/* 0x61 */
	bool has_speaker;			/* KVM_PIT_SPEAKER_DUMMY */

	/*
	 * lock guards the counters, flags, and counter 0's timer: its
	 * period, whether it is periodic, and starting or cancelling it.
	 * A spinlock: the ports are accessed from the vCPU's thread inside
	 * an SRCU read section, where nothing sleeps.  The timer's callback
	 * never takes it, so hrtimer_cancel() under it cannot deadlock; it
	 * reads period and periodic, which change only while the timer is
	 * cancelled.
	 */
	spinlock_t lock;
	struct kvm_pit_channel_state ch[3];
	u32 flags;				/* KVM_PIT_FLAGS_* */
	s64 period;				/* ns; 0 before any timer */
	bool periodic;
	struct hrtimer timer;

	/* Delivery of counter 0's OUT to GSI 0: see pit_expired(). */
	int irq_source_id;
	struct kthread_worker *worker;
	struct kthread_work expired;
	bool reinject;				/* vm->lock; read anywhere */
	atomic_t pending;			/* ticks not yet delivered */
	atomic_t irq_ack;			/* the last one was EOIed */
	struct ember_irq_ack_notifier ack_notifier;
	struct ember_irq_mask_notifier mask_notifier;
};

static struct ember_pit *vm_pit(struct ember_vm *vm)
{
	/* Pairs with the release in pit_create(). */
	return smp_load_acquire(&vm->arch.pit);
}

/*
 * Host time since the counter's count was loaded, in input clock cycles.
 * Counter 0's is its timer's phase: the period minus what is left of it
 * (after a one-shot expired, the time since it was loaded); 0 if it never
 * had a timer.
 */
static u64 pit_elapsed(struct ember_pit *pit, int n)
{
	s64 ns;

	if (n) {
		ns = ktime_get_ns() - pit->ch[n].count_load_time;
	} else {
		if (!pit->period)
			return 0;
		ns = pit->period -
		     ktime_to_ns(hrtimer_get_remaining(&pit->timer));
	}
	if (ns <= 0)
		return 0;
	return mul_u64_u32_div(ns, PIT_HZ, NSEC_PER_SEC);
}

/* The counting element now.  count is never 0 (pit_load()). */
static u32 pit_count(struct ember_pit *pit, int n)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];
	u64 d = pit_elapsed(pit, n);

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		/* Past zero the counter wraps to FFFF and counts on. */
		return (c->count - d) & 0xffff;
	case 3:
		/* Square wave: down by two, twice per period. */
		return c->count - (2 * d) % c->count;
	default:
		/* Mode 2, and modes a KVM_SET_PIT left out of range. */
		return c->count - d % c->count;
	}
}

/* The counter's OUT pin now (data sheet, "Mode Definitions"). */
static int pit_out(struct ember_pit *pit, int n)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];
	u64 d = pit_elapsed(pit, n);

	switch (c->mode) {
	case 1:		/* low from the trigger until terminal count */
		return d < c->count;
	case 2:		/* one clock low at each terminal count */
		return d && d % c->count == 0;
	case 3:		/* high for the first half of the period */
		return d % c->count < (u32)(c->count + 1) >> 1;
	case 4:
	case 5:		/* KVM's: high for the clock at terminal count */
		return d == c->count;
	default:	/* mode 0: high from terminal count on */
		return d >= c->count;
	}
}

static void pit_latch_count(struct ember_pit *pit, int n)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	/* A second latch before the first is read is ignored. */
	if (c->count_latched)
		return;
	c->latched_count = pit_count(pit, n);
	/* As KVM: a counter never programmed (rw_mode 0) latches nothing. */
	c->count_latched = c->rw_mode;
}

static void pit_latch_status(struct ember_pit *pit, int n)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	if (c->status_latched)
		return;
	/* Status byte: OUT, NULL COUNT (0), RW1-0, M2-0, BCD. */
	c->status = pit_out(pit, n) << 7 | c->rw_mode << 4 | c->mode << 1 |
		    c->bcd;
	c->status_latched = 1;
}

static void pit_reset_reinject(struct ember_pit *pit)
{
	atomic_set(&pit->pending, 0);
	atomic_set(&pit->irq_ack, 1);
}

/* Counter 0's OUT, the next time it goes off. */
static void pit_start_timer(struct ember_pit *pit, u32 count, bool periodic)
{
	s64 interval;

	lockdep_assert_held(&pit->lock);
	if (!ember_irqchip_in_kernel(pit->vm) ||
	    (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY))
		return;

	interval = mul_u64_u32_div(count, NSEC_PER_SEC, PIT_HZ);
	/*
	 * An expiry of the old timer may still be on its way to the guest
	 * through the worker; it is delivered as one more tick, as an
	 * interrupt already latched in a real PIC would be.
	 */
	hrtimer_cancel(&pit->timer);
	pit->period = interval;
	pit->periodic = periodic;
	if (periodic && pit->period < PIT_MIN_PERIOD_NS)
		pit->period = PIT_MIN_PERIOD_NS;
	pit_reset_reinject(pit);
	/* The first expiry is the count's own, even when the period is not. */
	hrtimer_start(&pit->timer, ktime_add_ns(ktime_get(), interval),
		      HRTIMER_MODE_ABS);
}

/*
 * A new count for counter @n; for counter 0 its timer starts over (or
 * stops, when @timer is false or the mode has no timer).
 */
static void pit_load(struct ember_pit *pit, int n, u32 count, bool timer)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	lockdep_assert_held(&pit->lock);
	/* 0 is the largest count, 2^16 in binary. */
	if (!count)
		count = 0x10000;
	c->count = count;
	if (n) {
		c->count_load_time = ktime_get_ns();
		return;
	}
	switch (timer ? c->mode : 0xff) {
	case 0:
	case 1:
	case 4:
		pit_start_timer(pit, count, false);
		break;
	case 2:
	case 3:
		pit_start_timer(pit, count, true);
		break;
	default:
		hrtimer_cancel(&pit->timer);
		break;
	}
}

static void pit_set_gate(struct ember_pit *pit, int n, u8 gate)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	switch (c->mode) {
	case 1:
	case 2:
	case 3:
	case 5:
		/* A rising edge (re)starts the count. */
		if (c->gate < gate)
			c->count_load_time = ktime_get_ns();
		break;
	}
	c->gate = gate;
}

/* Power-on: no counter programmed, counter 2's GATE low (port 0x61). */
static void pit_reset(struct ember_pit *pit)
{
	int n;

	lockdep_assert_held(&pit->lock);
	pit->flags = 0;
	for (n = 0; n < 3; n++) {
		pit->ch[n].mode = 0xff;
		pit->ch[n].gate = n != 2;
		pit_load(pit, n, 0, true);
	}
	pit_reset_reinject(pit);
}

static void pit_write_control(struct ember_pit *pit, u8 v)
{
	struct kvm_pit_channel_state *c;
	int n;

	if (CW_SC(v) == 3) {
		/* Read-Back: status before count when both are latched. */
		for (n = 0; n < 3; n++) {
			if (!(v & RB_COUNTER(n)))
				continue;
			if (!(v & RB_NO_COUNT))
				pit_latch_count(pit, n);
			if (!(v & RB_NO_STATUS))
				pit_latch_status(pit, n);
		}
		return;
	}
	n = CW_SC(v);
	if (!CW_RW(v)) {
		pit_latch_count(pit, n);
		return;
	}
	c = &pit->ch[n];
	c->rw_mode = CW_RW(v);
	c->read_state = c->rw_mode;
	c->write_state = c->rw_mode;
	c->mode = CW_MODE(v);
	if (c->mode > 5)	/* X10 and X11: modes 2 and 3 */
		c->mode -= 4;
	c->bcd = v & CW_BCD;
}

static void pit_write_count(struct ember_pit *pit, int n, u8 v)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];

	switch (c->write_state) {
	case RW_MSB:
		pit_load(pit, n, v << 8, true);
		break;
	case RW_WORD_LSB:
		c->write_latch = v;
		c->write_state = RW_WORD_MSB;
		break;
	case RW_WORD_MSB:
		pit_load(pit, n, c->write_latch | v << 8, true);
		c->write_state = RW_WORD_LSB;
		break;
	default:	/* RW_LSB, and states a KVM_SET_PIT made up */
		pit_load(pit, n, v, true);
		break;
	}
}

static u8 pit_read_counter(struct ember_pit *pit, int n)
{
	struct kvm_pit_channel_state *c = &pit->ch[n];
	u32 count;
	u8 r;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		case RW_MSB:
			r = c->latched_count >> 8;
			c->count_latched = 0;
			break;
		case RW_WORD_LSB:
			r = c->latched_count;
			c->count_latched = RW_MSB;
			break;
		default:
			r = c->latched_count;
			c->count_latched = 0;
			break;
		}
		return r;
	}
	count = pit_count(pit, n);
	switch (c->read_state) {
	case RW_MSB:
		return count >> 8;
	case RW_WORD_LSB:
		c->read_state = RW_WORD_MSB;
		return count;
	case RW_WORD_MSB:
		c->read_state = RW_WORD_LSB;
		return count >> 8;
	default:
		return count;
	}
}

/*
 * An access wider than a byte moves one byte (the low one), as in KVM: a
 * read returns it zero-extended to the access's width.
 */
static void put_byte(void *val, int len, u32 v)
{
	memcpy(val, &v, clamp_t(int, len, 0, sizeof(v)));
}

static int pit_io_write(struct ember_vcpu *vcpu, struct ember_io_device *dev,
			u64 addr, int len, const void *val)
{
	struct ember_pit *pit = container_of(dev, struct ember_pit, dev);
	u8 v = *(const u8 *)val;

	if (addr < PIT_BASE || addr >= PIT_BASE + PIT_LEN)
		return -EOPNOTSUPP;
	spin_lock(&pit->lock);
	if (addr - PIT_BASE == PIT_CONTROL)
		pit_write_control(pit, v);
	else
		pit_write_count(pit, addr - PIT_BASE, v);
	spin_unlock(&pit->lock);
	return 0;
}

static int pit_io_read(struct ember_vcpu *vcpu, struct ember_io_device *dev,
		       u64 addr, int len, void *val)
{
	struct ember_pit *pit = container_of(dev, struct ember_pit, dev);
	u8 r;

	if (addr < PIT_BASE || addr >= PIT_BASE + PIT_LEN)
		return -EOPNOTSUPP;
	/*
	 * The control word cannot be read: as in KVM the access completes
	 * and leaves the destination as the bus's caller prepared it.
	 */
	if (addr - PIT_BASE == PIT_CONTROL)
		return 0;
	spin_lock(&pit->lock);
	r = pit_read_counter(pit, addr - PIT_BASE);
	spin_unlock(&pit->lock);
	put_byte(val, len, r);
	return 0;
}

static int speaker_io_write(struct ember_vcpu *vcpu,
			    struct ember_io_device *dev, u64 addr, int len,
			    const void *val)
{
	struct ember_pit *pit = container_of(dev, struct ember_pit, speaker);
	u8 v = *(const u8 *)val;

	if (addr != SPEAKER_PORT)
		return -EOPNOTSUPP;
	spin_lock(&pit->lock);
	if (v & P61_SPEAKER_DATA)
		pit->flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	else
		pit->flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	pit_set_gate(pit, 2, v & P61_GATE2);
	spin_unlock(&pit->lock);
	return 0;
}

static int speaker_io_read(struct ember_vcpu *vcpu,
			   struct ember_io_device *dev, u64 addr, int len,
			   void *val)
{
	struct ember_pit *pit = container_of(dev, struct ember_pit, speaker);
	/* The DRAM refresh bit toggles every 15 us or so: 2^14 ns here. */
	u32 r = (ktime_get_ns() >> 14) & 1 ? P61_REFRESH : 0;

	if (addr != SPEAKER_PORT)
		return -EOPNOTSUPP;
	spin_lock(&pit->lock);
	if (pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON)
		r |= P61_SPEAKER_DATA;
	/* gate is whatever KVM_SET_PIT put there, as in KVM. */
	r |= pit->ch[2].gate;
	if (pit_out(pit, 2))
		r |= P61_OUT2;
	spin_unlock(&pit->lock);
	put_byte(val, len, r);
	return 0;
}

static const struct ember_io_device_ops pit_io_ops = {
	.read = pit_io_read,
	.write = pit_io_write,
};

static const struct ember_io_device_ops speaker_io_ops = {
	.read = speaker_io_read,
	.write = speaker_io_write,
};

/*
 * The worker: one tick to the guest, as an edge on GSI 0.  In reinjection
 * mode only once the previous tick was acknowledged (pit_irq_acked() sets
 * irq_ack and queues this again while ticks are pending).
 *
 * The reinjection state is reset when the guest unmasks IRQ0 (the mask
 * notifier, pit_irq_masked()): ticks that came while IRQ0 was masked are
 * dropped, and a tick that met the mask, for which no EOI will ever come,
 * no longer holds back the next.  The tick that meets the mask says so
 * itself as well: when no interrupt controller took it (ember_set_irq() < 0: masked in the
 * PIC's IMR and in the IOAPIC, or no route), nothing waits for its EOI and
 * the backlog is dropped.  The next tick is delivered when it comes, as
 * after KVM's unmask.  (A tick the PIC latched in IRR while masked is
 * still EOIed once unmasked; the extra ack only lets one tick through
 * early.)
 */
static void pit_expired(struct kthread_work *work)
{
	struct ember_pit *pit = container_of(work, struct ember_pit, expired);
	bool reinject = READ_ONCE(pit->reinject);
	int r;

	/* Full barrier: pairs with pit_irq_acked(). */
	if (reinject && !atomic_xchg(&pit->irq_ack, 0))
		return;

	r = ember_set_irq(pit->vm, pit->irq_source_id, PIT_IRQ, 1, false);
	ember_set_irq(pit->vm, pit->irq_source_id, PIT_IRQ, 0, false);

	if (reinject && r < 0)
		pit_reset_reinject(pit);
}

/* Hard-irq context: count the tick and hand it to the worker. */
static enum hrtimer_restart pit_timer_fn(struct hrtimer *timer)
{
	struct ember_pit *pit = container_of(timer, struct ember_pit, timer);
	u64 ticks = 1;

	/*
	 * Periods the host let pass unseen (it was busy, or suspended) are
	 * counted at once rather than by one expiry each right away.
	 */
	if (pit->periodic)
		ticks = hrtimer_forward_now(timer, ns_to_ktime(pit->period));
	if (READ_ONCE(pit->reinject) &&
	    atomic_read(&pit->pending) < PIT_MAX_PENDING)
		atomic_add(min_t(u64, ticks, PIT_MAX_PENDING), &pit->pending);
	kthread_queue_work(pit->worker, &pit->expired);
	return pit->periodic ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

/*
 * The guest EOIed IRQ0 (from the PIC or the IOAPIC's EOI path, any
 * context): the next pending tick may go.  @pending counts the tick just
 * acknowledged too, hence "> 0" after the decrement.
 */
static void pit_irq_acked(struct ember_irq_ack_notifier *ian)
{
	struct ember_pit *pit = container_of(ian, struct ember_pit,
					     ack_notifier);

	atomic_set(&pit->irq_ack, 1);
	/* irq_ack before pending, against the worker's xchg and the timer. */
	smp_mb();
	if (atomic_dec_if_positive(&pit->pending) > 0)
		kthread_queue_work(pit->worker, &pit->expired);
}

/*
 * The guest unmasked IRQ0 in the PIC or the IOAPIC (with the controller's
 * lock held): a tick it threw away while it was masked (an ICW1 with no
 * LAPIC taking ExtINT, as Linux's check_timer() does) will never be EOIed,
 * so the backlog goes and the next tick is delivered when it comes, as
 * KVM's mask notifier does.
 */
static void pit_irq_masked(struct ember_irq_mask_notifier *imn, bool masked)
{
	struct ember_pit *pit = container_of(imn, struct ember_pit,
					     mask_notifier);

	if (!masked)
		pit_reset_reinject(pit);
}

/* KVM_REINJECT_CONTROL, and creation and teardown.  Caller holds vm->lock. */
static void pit_set_reinject(struct ember_pit *pit, bool reinject)
{
	lockdep_assert_held(&pit->vm->lock);
	if (pit->reinject == reinject)
		return;
	if (reinject) {
		/* Whatever was pending when it was turned off is gone. */
		pit_reset_reinject(pit);
		ember_register_irq_ack_notifier(pit->vm, &pit->ack_notifier);
		ember_register_irq_mask_notifier(pit->vm, &pit->mask_notifier);
	} else {
		/* Returns once no EOI can call pit_irq_acked() any more. */
		ember_unregister_irq_ack_notifier(pit->vm, &pit->ack_notifier);
		ember_unregister_irq_mask_notifier(pit->vm,
						   &pit->mask_notifier);
	}
	WRITE_ONCE(pit->reinject, reinject);
}

/* Caller holds vm->lock and has checked that there is no PIT yet. */
static int pit_create(struct ember_vm *vm, u32 flags)
{
	struct ember_pit *pit;
	int r;

	lockdep_assert_held(&vm->lock);
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->vm = vm;
	spin_lock_init(&pit->lock);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;
	kthread_init_work(&pit->expired, pit_expired);
	pit->ack_notifier.gsi = PIT_IRQ;
	pit->ack_notifier.irq_acked = pit_irq_acked;
	pit->mask_notifier.gsi = PIT_IRQ;
	pit->mask_notifier.func = pit_irq_masked;
	pit->dev.ops = &pit_io_ops;
	pit->speaker.ops = &speaker_io_ops;

	r = ember_request_irq_source_id(vm);
	if (r < 0)
		goto out_free;
	pit->irq_source_id = r;

	pit->worker = kthread_create_worker(0, "ember-pit/%d",
					    task_tgid_vnr(current));
	if (IS_ERR(pit->worker)) {
		r = PTR_ERR(pit->worker);
		goto out_free_source;
	}

	spin_lock(&pit->lock);
	pit_reset(pit);
	spin_unlock(&pit->lock);
	pit_set_reinject(pit, true);

	mutex_lock(&vm->slots_lock);
	r = ember_io_bus_register(vm, EMBER_PIO_BUS, PIT_BASE, PIT_LEN,
				  &pit->dev);
	if (r)
		goto out_unlock;
	if (flags & KVM_PIT_SPEAKER_DUMMY) {
		r = ember_io_bus_register(vm, EMBER_PIO_BUS, SPEAKER_PORT,
					  SPEAKER_LEN, &pit->speaker);
		if (r)
			goto out_unregister;
		pit->has_speaker = true;
	}
	mutex_unlock(&vm->slots_lock);

	/* Readers that see the pointer see the PIT (vm_pit()). */
	smp_store_release(&vm->arch.pit, pit);
	return 0;

out_unregister:
	ember_io_bus_unregister(vm, EMBER_PIO_BUS, &pit->dev);
out_unlock:
	mutex_unlock(&vm->slots_lock);
	/* A vCPU may have programmed counter 0 while the ports were up. */
	hrtimer_cancel(&pit->timer);
	pit_set_reinject(pit, false);
	kthread_destroy_worker(pit->worker);
out_free_source:
	ember_free_irq_source_id(vm, pit->irq_source_id);
out_free:
	kfree(pit);
	return r;
}

void ember_pit_destroy(struct ember_vm *vm)
{
	struct ember_pit *pit = vm->arch.pit;

	if (!pit)
		return;
	mutex_lock(&vm->slots_lock);
	ember_io_bus_unregister(vm, EMBER_PIO_BUS, &pit->dev);
	if (pit->has_speaker)
		ember_io_bus_unregister(vm, EMBER_PIO_BUS, &pit->speaker);
	mutex_unlock(&vm->slots_lock);

	/* No EOI calls pit_irq_acked() after this... */
	mutex_lock(&vm->lock);
	pit_set_reinject(pit, false);
	mutex_unlock(&vm->lock);
	/* ...no expiry queues work after this (nothing restarts it)... */
	hrtimer_cancel(&pit->timer);
	/* ...and the worker has finished its last injection. */
	kthread_destroy_worker(pit->worker);

	ember_free_irq_source_id(vm, pit->irq_source_id);
	WRITE_ONCE(vm->arch.pit, NULL);
	kfree(pit);
}

static void pit_get_state(struct ember_pit *pit,
			  struct kvm_pit_channel_state ch[3], u32 *flags)
{
	spin_lock(&pit->lock);
	memcpy(ch, pit->ch, sizeof(pit->ch));
	if (flags)
		*flags = pit->flags;
	spin_unlock(&pit->lock);
}

/*
 * Every field as userspace gives it (a hostile value only makes the model
 * count oddly: pit_load() keeps count non-zero, out-of-range modes and
 * states fall to a default), then each count loaded again: counters 1
 * and 2 start over, counter 0's timer too.  Entering HPET legacy mode
 * stops counter 0's timer; in it, none starts.
 */
static void pit_set_state(struct ember_pit *pit,
			  const struct kvm_pit_channel_state ch[3],
			  const u32 *flags)
{
	bool hpet_start = false;
	int n;

	spin_lock(&pit->lock);
	if (flags) {
		hpet_start = !(pit->flags & KVM_PIT_FLAGS_HPET_LEGACY) &&
			     (*flags & KVM_PIT_FLAGS_HPET_LEGACY);
		pit->flags = *flags;
	}
	memcpy(pit->ch, ch, sizeof(pit->ch));
	for (n = 0; n < 3; n++)
		pit_load(pit, n, pit->ch[n].count, !(hpet_start && n == 0));
	spin_unlock(&pit->lock);
}

/* KVM's order of checks (arch/x86/kvm/x86.c, kvm_arch_vm_ioctl()). */
long ember_pit_vm_ioctl(struct ember_vm *vm, unsigned int ioctl,
			void __user *argp)
{
	union {
		struct kvm_pit_state ps;
		struct kvm_pit_state2 ps2;
		struct kvm_pit_config config;
		struct kvm_reinject_control reinject;
	} u;
	struct ember_pit *pit;
	int r;

	BUILD_BUG_ON(sizeof(u.ps.channels) != sizeof(pit->ch));

	switch (ioctl) {
	case KVM_CREATE_PIT:
		u.config.flags = KVM_PIT_SPEAKER_DUMMY;
		goto create;
	case KVM_CREATE_PIT2:
		/* KVM checks neither flags nor pad. */
		if (copy_from_user(&u.config, argp, sizeof(u.config)))
			return -EFAULT;
create:
		mutex_lock(&vm->lock);
		r = -EEXIST;
		/* Every failure is -ENOMEM, as KVM's. */
		if (!vm->arch.pit)
			r = pit_create(vm, u.config.flags) ? -ENOMEM : 0;
		mutex_unlock(&vm->lock);
		return r;
	case KVM_GET_PIT:
		if (copy_from_user(&u.ps, argp, sizeof(u.ps)))
			return -EFAULT;
		pit = vm_pit(vm);
		if (!pit)
			return -ENXIO;
		pit_get_state(pit, u.ps.channels, NULL);
		if (copy_to_user(argp, &u.ps, sizeof(u.ps)))
			return -EFAULT;
		return 0;
	case KVM_SET_PIT:
		if (copy_from_user(&u.ps, argp, sizeof(u.ps)))
			return -EFAULT;
		pit = vm_pit(vm);
		if (!pit)
			return -ENXIO;
		pit_set_state(pit, u.ps.channels, NULL);
		return 0;
	case KVM_GET_PIT2:
		pit = vm_pit(vm);
		if (!pit)
			return -ENXIO;
		memset(&u.ps2, 0, sizeof(u.ps2));
		pit_get_state(pit, u.ps2.channels, &u.ps2.flags);
		if (copy_to_user(argp, &u.ps2, sizeof(u.ps2)))
			return -EFAULT;
		return 0;
	case KVM_SET_PIT2:
		if (copy_from_user(&u.ps2, argp, sizeof(u.ps2)))
			return -EFAULT;
		pit = vm_pit(vm);
		if (!pit)
			return -ENXIO;
		pit_set_state(pit, u.ps2.channels, &u.ps2.flags);
		return 0;
	case KVM_REINJECT_CONTROL:
		if (copy_from_user(&u.reinject, argp, sizeof(u.reinject)))
			return -EFAULT;
		pit = vm_pit(vm);
		if (!pit)
			return -ENXIO;
		mutex_lock(&vm->lock);
		pit_set_reinject(pit, u.reinject.pit_reinject);
		mutex_unlock(&vm->lock);
		return 0;
	default:
		return -ENOTTY;
	}
}
