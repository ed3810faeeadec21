// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel PICs and IOAPIC of KVM_CREATE_IRQCHIP: KVM_GET/SET_IRQCHIP
 * (errnos, the state after creation, set then get), KVM_IRQ_LINE_STATUS
 * (masked, delivered, coalesced, level lines and remote IRR, as
 * KVM_GET_IRQCHIP shows them), the guest programming the 8259As by port
 * I/O (ICW1-4, OCW1-3, IRR/ISR/IMR reads, EOIs and rotation, ELCR, poll)
 * and the IOAPIC by MMIO (ID, version, arbitration, redirection entries),
 * and interrupts delivered to the guest's IDT: an IOAPIC level interrupt
 * with its EOI and remote IRR, the PICs' ExtINT through LVT0.
 *
 * Everything the devices answer is recorded and compared with KVM's;
 * where ember follows the 8259A data sheet and KVM does not (poll mode,
 * special mask mode) the README lists the difference.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"

#define IOAPIC_BASE	0xfec00000ul
#define IOREGSEL	(IOAPIC_BASE + 0x00)
#define IOWIN		(IOAPIC_BASE + 0x10)
#define APIC_BASE	0xfee00000ul
#define APIC_EOI	(APIC_BASE + 0xb0)
#define APIC_SPIV	(APIC_BASE + 0xf0)
#define APIC_LVT0	(APIC_BASE + 0x350)

#define REDIR_LEVEL	(1u << 15)
#define REDIR_MASKED	(1u << 16)
#define REDIR_REMOTE_IRR (1u << 14)

/* ---- host side ---- */

static void get_chip(struct kvm_vm *vm, uint32_t id, struct kvm_irqchip *c)
{
	memset(c, 0, sizeof(*c));
	c->chip_id = id;
	TEST_ASSERT(!ioctl(vm->fd, KVM_GET_IRQCHIP, c),
		    "KVM_GET_IRQCHIP %u: %s", id, strerror(errno));
}

static void set_chip(struct kvm_vm *vm, struct kvm_irqchip *c)
{
	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_IRQCHIP, c),
		    "KVM_SET_IRQCHIP %u: %s", c->chip_id, strerror(errno));
}

static void rec_pic(const char *p, const struct kvm_pic_state *s)
{
	char k[96];

#define R(f) do { snprintf(k, sizeof(k), "%s." #f, p); \
		  rec(k, "0x%x", s->f); } while (0)
	R(last_irr); R(irr); R(imr); R(isr); R(priority_add); R(irq_base);
	R(read_reg_select); R(poll); R(special_mask); R(init_state);
	R(auto_eoi); R(rotate_on_auto_eoi); R(special_fully_nested_mode);
	R(init4); R(elcr); R(elcr_mask);
#undef R
}

static void rec_ioapic(const char *p, const struct kvm_ioapic_state *s)
{
	char k[96];
	int i;

	snprintf(k, sizeof(k), "%s.base_address", p);
	rec(k, "0x%llx", (unsigned long long)s->base_address);
	snprintf(k, sizeof(k), "%s.ioregsel/id/irr/pad", p);
	rec(k, "0x%x 0x%x 0x%x 0x%x", s->ioregsel, s->id, s->irr, s->pad);
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
		snprintf(k, sizeof(k), "%s.redirtbl[%d]", p, i);
		rec(k, "0x%llx", (unsigned long long)s->redirtbl[i].bits);
	}
}

/* Every chip's state, recorded under @p. */
static void rec_chips(struct kvm_vm *vm, const char *p)
{
	struct kvm_irqchip c;
	char k[96];

	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &c);
	snprintf(k, sizeof(k), "%s: master", p);
	rec_pic(k, &c.chip.pic);
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &c);
	snprintf(k, sizeof(k), "%s: slave", p);
	rec_pic(k, &c.chip.pic);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &c);
	snprintf(k, sizeof(k), "%s: ioapic", p);
	rec_ioapic(k, &c.chip.ioapic);
}

/* KVM_IRQ_LINE_STATUS: records and returns the status. */
static int line(struct kvm_vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };
	char k[64];

	TEST_ASSERT(!ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l),
		    "KVM_IRQ_LINE_STATUS %u %d: %s", gsi, level,
		    strerror(errno));
	snprintf(k, sizeof(k), "GSI %u := %d: status", gsi, level);
	rec(k, "%d", l.status);
	return l.status;
}

static struct kvm_vm *vm_with_irqchip(struct test_dev *dev)
{
	return vm_create_guest_irqchip(dev, 0, NULL, NULL);
}

static void ioapic_set_redir(struct kvm_vm *vm, int pin, uint64_t bits)
{
	struct kvm_irqchip c;

	get_chip(vm, KVM_IRQCHIP_IOAPIC, &c);
	c.chip.ioapic.redirtbl[pin].bits = bits;
	set_chip(vm, &c);
}

static struct kvm_ioapic_state ioapic_state(struct kvm_vm *vm)
{
	struct kvm_irqchip c;

	get_chip(vm, KVM_IRQCHIP_IOAPIC, &c);
	return c.chip.ioapic;
}

static struct kvm_pic_state pic_state(struct kvm_vm *vm, int chip)
{
	struct kvm_irqchip c;

	get_chip(vm, chip, &c);
	return c.chip.pic;
}

/* ---- guest side ---- */

/* A value for the host to record under @what (a string of the image). */
static void report(const char *what, uint64_t v)
{
	ucall(UCALL_SYNC, (uint64_t)(uintptr_t)what, v, 0, 0);
}

/* Something the host is to do now (host_action()). */
enum { ACT_LINE = 1, ACT_SET_ISR, ACT_RECORD };
static void host_do(uint64_t action, uint64_t arg)
{
	ucall(UCALL_SYNC, 0, 0, action, arg);
}
#define LINE(gsi, level)	host_do(ACT_LINE, (gsi) | (uint64_t)(level) << 8)
#define SET_ISR(chip, isr)	host_do(ACT_SET_ISR, (chip) | (uint64_t)(isr) << 8)

static inline void mmio_write32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static inline uint32_t mmio_read32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOREGSEL, reg);
	mmio_write32(IOWIN, v);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(IOREGSEL, reg);
	return mmio_read32(IOWIN);
}

/* The usual PC set-up: vectors @mbase/@sbase, cascade on IR2, ICW4. */
static void pic_init(uint8_t mbase, uint8_t sbase, uint8_t icw4)
{
	outb(0x20, 0x11);
	outb(0x21, mbase);
	outb(0x21, 0x04);
	outb(0x21, icw4);
	outb(0xa0, 0x11);
	outb(0xa1, sbase);
	outb(0xa1, 0x02);
	outb(0xa1, icw4);
}

static uint8_t read_isr(uint16_t port)
{
	outb(port, 0x0b);
	return inb(port);
}

static uint8_t read_irr(uint16_t port)
{
	outb(port, 0x0a);
	return inb(port);
}

static void guest_pic(void)
{
	cli();
	report("power-on: IRR", inb(0x20));
	report("power-on: IMR", inb(0x21));
	report("power-on: slave IMR", inb(0xa1));
	report("ELCR master", inb(0x4d0));

	/* ICW1 with IC4 and SNGL clear: ICW3 comes, no ICW4. */
	outb(0x20, 0x10);
	host_do(ACT_RECORD, 0);
	outb(0x21, 0x08);
	outb(0x21, 0x04);
	report("IMR after ICW1-3", inb(0x21));
	outb(0x21, 0xa5);
	report("IMR written", inb(0x21));

	pic_init(0x20, 0x28, 0x13);	/* SFNM, AEOI, 8086 */
	host_do(ACT_RECORD, 0);
	pic_init(0x20, 0x28, 0x01);
	outb(0x21, 0xfb);
	outb(0xa1, 0xff);
	report("master IMR", inb(0x21));
	report("slave IMR", inb(0xa1));

	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	report("ELCR master after 0xff", inb(0x4d0));
	report("ELCR slave after 0xff", inb(0x4d1));
	outb(0x4d0, 0x00);
	outb(0x4d1, 0x00);
	report("ELCR master after 0", inb(0x4d0));

	/* Non-byte accesses are ignored and read 0. */
	report("inw 0x20", inw(0x20));
	outw(0x20, 0x1111);
	report("IMR after outw 0x20", inb(0x21));

	/* Edge: IRR latches the rising edge, masked or not. */
	LINE(3, 1);
	report("IRR, IR3 up (masked)", read_irr(0x20));
	LINE(3, 0);
	report("IRR, IR3 down (edge: latched)", read_irr(0x20));
	report("ISR", read_isr(0x20));
	report("OCW3 read select stays ISR", inb(0x20));
	/* Level (ELCR): IRR follows the line. */
	outb(0x4d0, 0x20);
	LINE(5, 1);
	report("IRR, IR5 up (level)", read_irr(0x20));
	LINE(5, 1);
	LINE(5, 0);
	report("IRR, IR5 down (level)", read_irr(0x20));
	outb(0x4d0, 0x00);

	/* Poll: the data sheet's answer (ember) and KVM's differ. */
	outb(0x20, 0x0c);
	report("poll: IR3 masked", inb(0x20));
	outb(0x21, 0xf3);		/* IR2, IR3 unmasked; IF=0 */
	outb(0x20, 0x0c);
	report("poll: IR3 pending", inb(0x20));
	report("poll: ISR after", read_isr(0x20));
	report("poll: IRR after", read_irr(0x20));
	outb(0x20, 0x63);		/* specific EOI IR3 */
	outb(0x20, 0x0c);
	report("poll: nothing pending", inb(0x20));
	outb(0x21, 0xfb);
	host_do(ACT_RECORD, 0);

	/* Slave: IRQ 10 and the cascade. */
	LINE(10, 1);
	report("slave IRR, IRQ 10 up", read_irr(0xa0));
	report("master IRR with the slave masked", read_irr(0x20));
	outb(0xa1, 0xfb);
	report("master IRR with IRQ 10 unmasked", read_irr(0x20));
	LINE(10, 0);
	outb(0xa1, 0xff);
	host_do(ACT_RECORD, 0);

	/* EOIs: non-specific, specific, rotation, set priority. */
	SET_ISR(0, 0x28);
	report("ISR set by the host", read_isr(0x20));
	outb(0x20, 0x20);
	report("ISR after a non-specific EOI", read_isr(0x20));
	SET_ISR(0, 0x29);
	outb(0x20, 0x65);
	report("ISR after specific EOI 5", read_isr(0x20));
	outb(0x20, 0xa0);
	report("ISR after rotate on non-specific EOI", read_isr(0x20));
	host_do(ACT_RECORD, 0);
	SET_ISR(0, 0x81);
	outb(0x20, 0x20);
	report("ISR after a non-specific EOI, rotated", read_isr(0x20));
	outb(0x20, 0xc7);		/* IR7 lowest */
	outb(0x20, 0x20);
	report("ISR after set priority and EOI", read_isr(0x20));
	SET_ISR(0, 0x44);
	outb(0x20, 0xe6);		/* rotate on specific EOI 6 */
	report("ISR after rotate on specific EOI", read_isr(0x20));
	host_do(ACT_RECORD, 0);
	outb(0x20, 0x80);		/* rotate in AEOI mode: set */
	outb(0x20, 0x40);		/* no operation */
	host_do(ACT_RECORD, 0);
	outb(0x20, 0x00);		/* rotate in AEOI mode: clear */
	outb(0x20, 0xc7);

	/* Special mask mode: a masked level in service is no EOI's. */
	SET_ISR(0, 0x0c);
	outb(0x21, 0x04);
	outb(0x20, 0x68);
	host_do(ACT_RECORD, 0);
	outb(0x20, 0x20);
	report("SMM: ISR after a non-specific EOI", read_isr(0x20));
	outb(0x20, 0x48);
	outb(0x20, 0x62);
	outb(0x20, 0x63);
	report("SMM off, specific EOIs: ISR", read_isr(0x20));
	outb(0x21, 0xfb);

	/* ICW1 keeps the ISR and drops the latched edges. */
	SET_ISR(1, 0x10);
	LINE(11, 1);
	LINE(11, 0);
	report("slave IRR before ICW1", read_irr(0xa0));
	outb(0xa0, 0x11);
	report("slave IRR after ICW1", inb(0xa0));
	outb(0xa1, 0x70);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	report("slave ISR after ICW1", read_isr(0xa0));
	report("slave IMR after ICW1", inb(0xa1));
	host_do(ACT_RECORD, 0);
	GUEST_DONE();
}

static void host_action(struct kvm_vm *vm, struct ucall *uc, int *n)
{
	uint64_t arg = uc->args[3];
	struct kvm_irqchip c;
	char k[32];

	switch (uc->args[2]) {
	case ACT_LINE:
		line(vm, arg & 0xff, arg >> 8);
		break;
	case ACT_SET_ISR:
		get_chip(vm, arg & 1, &c);
		c.chip.pic.isr = arg >> 8;
		set_chip(vm, &c);
		break;
	case ACT_RECORD:
		snprintf(k, sizeof(k), "state %d", ++*n);
		rec_chips(vm, k);
		break;
	default:
		TEST_ASSERT(0, "guest asks for action %lu",
			    (unsigned long)uc->args[2]);
	}
}

/* Runs @v until GUEST_DONE, recording reports and doing host actions. */
static void run_reports(struct kvm_vm *vm, struct kvm_vcpu *v)
{
	struct ucall uc;
	uint64_t cmd;
	int n = 0;

	while ((cmd = vcpu_run_ucall(v, &uc)) == UCALL_SYNC) {
		if (uc.args[0])
			rec((const char *)(uintptr_t)uc.args[0], "0x%lx",
			    (unsigned long)uc.args[1]);
		else
			host_action(vm, &uc, &n);
	}
	TEST_ASSERT(cmd == UCALL_DONE, "ucall %lu", (unsigned long)cmd);
}

static void test_state_ioctls(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_create_bare(dev);
	struct kvm_irqchip c;
	int i;

	memset(&c, 0, sizeof(c));
	c.chip_id = KVM_IRQCHIP_PIC_MASTER;
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), ENXIO);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_IRQCHIP, &c), ENXIO);
	c.chip_id = 3;
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), ENXIO);
	EXPECT_RET(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_IRQCHIP, &c), EINVAL);
	c.chip_id = 0x80000000u;
	EXPECT_ERRNO(ioctl(vm->fd, KVM_GET_IRQCHIP, &c), EINVAL);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_SET_IRQCHIP, &c), EINVAL);

	/* The state after creation. */
	rec_chips(vm, "created");
	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &c);
	TEST_ASSERT(c.chip.pic.elcr_mask == 0xf8 && !c.chip.pic.imr &&
		    !c.chip.pic.irr && !c.chip.pic.isr && !c.chip.pic.irq_base,
		    "master after creation: elcr_mask 0x%x imr 0x%x",
		    c.chip.pic.elcr_mask, c.chip.pic.imr);
	get_chip(vm, KVM_IRQCHIP_PIC_SLAVE, &c);
	TEST_ASSERT(c.chip.pic.elcr_mask == 0xde, "slave elcr_mask 0x%x",
		    c.chip.pic.elcr_mask);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &c);
	TEST_ASSERT(c.chip.ioapic.base_address == IOAPIC_BASE &&
		    !c.chip.ioapic.id && !c.chip.ioapic.irr,
		    "IOAPIC base 0x%llx id %u irr 0x%x",
		    (unsigned long long)c.chip.ioapic.base_address,
		    c.chip.ioapic.id, c.chip.ioapic.irr);
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		TEST_ASSERT(c.chip.ioapic.redirtbl[i].bits == REDIR_MASKED,
			    "pin %d: 0x%llx", i,
			    (unsigned long long)c.chip.ioapic.redirtbl[i].bits);
	vm_free(vm);

	/* Not once a vCPU exists. */
	vm = vm_create_bare(dev);
	vm_vcpu_add(vm, 0);
	EXPECT_ERRNO(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EINVAL);
	vm_free(vm);
	ksft_pass("KVM_GET/SET_IRQCHIP: ENXIO before KVM_CREATE_IRQCHIP, "
		  "EINVAL for a bad chip, the state after creation");
}

static void test_set_get(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_with_irqchip(dev);
	struct kvm_irqchip c, g;
	struct kvm_pic_state *p = &c.chip.pic;
	struct kvm_ioapic_state *io = &c.chip.ioapic;
	int i;

	/* Every field of the master as given: nothing for it to update. */
	memset(&c, 0, sizeof(c));
	c.chip_id = KVM_IRQCHIP_PIC_MASTER;
	*p = (struct kvm_pic_state){
		.last_irr = 0x11, .irr = 0x12, .imr = 0xff, .isr = 0x14,
		.priority_add = 5, .irq_base = 0x48, .read_reg_select = 1,
		.poll = 0, .special_mask = 0, .init_state = 0, .auto_eoi = 0,
		.rotate_on_auto_eoi = 1, .special_fully_nested_mode = 0,
		.init4 = 1, .elcr = 0xa8, .elcr_mask = 0xf8,
	};
	set_chip(vm, &c);
	get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &g);
	rec_pic("set master", &g.chip.pic);
	TEST_ASSERT(!memcmp(&g.chip.pic, p, sizeof(*p)),
		    "the master's state changed between set and get");

	/* Odd values too; the slave's request reaches the master's IR2. */
	c.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	*p = (struct kvm_pic_state){
		.last_irr = 0, .irr = 0x40, .imr = 0x00, .isr = 0,
		.priority_add = 200, .irq_base = 0x7b, .read_reg_select = 7,
		.poll = 9, .special_mask = 3, .init_state = 17, .auto_eoi = 2,
		.rotate_on_auto_eoi = 0, .special_fully_nested_mode = 5,
		.init4 = 0, .elcr = 0xff, .elcr_mask = 0xff,
	};
	set_chip(vm, &c);
	rec_chips(vm, "set slave");

	/* The IOAPIC: every field, irr asserting pins again. */
	memset(&c, 0, sizeof(c));
	c.chip_id = KVM_IRQCHIP_IOAPIC;
	io->base_address = IOAPIC_BASE;
	io->ioregsel = 0x1234;
	io->id = 0xabcdef01;
	io->pad = 0x5a5a5a5a;
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		io->redirtbl[i].bits = (0x0100000000000030ull + i) |
				       (uint64_t)(i & 3) << 14 |
				       (uint64_t)(i % 5 == 0) << 16 |
				       (uint64_t)(i % 7 == 0) << 12 |
				       (uint64_t)i << 40;
	io->irr = 0xff00ff0f;
	set_chip(vm, &c);
	get_chip(vm, KVM_IRQCHIP_IOAPIC, &g);
	rec_ioapic("set ioapic", &g.chip.ioapic);
	TEST_ASSERT(g.chip.ioapic.pad == io->pad && g.chip.ioapic.id == io->id &&
		    g.chip.ioapic.ioregsel == io->ioregsel,
		    "IOAPIC id 0x%x ioregsel 0x%x pad 0x%x", g.chip.ioapic.id,
		    g.chip.ioapic.ioregsel, g.chip.ioapic.pad);
	/* A masked edge pin keeps its request; nothing past pin 23. */
	TEST_ASSERT(g.chip.ioapic.irr & 1, "irr 0x%x", g.chip.ioapic.irr);
	TEST_ASSERT(!(g.chip.ioapic.irr & 0xff000000u), "irr 0x%x",
		    g.chip.ioapic.irr);

	/* The bytes after the state are the caller's, on both. */
	memset(&g, 0xcc, sizeof(g));
	g.chip_id = KVM_IRQCHIP_IOAPIC;
	TEST_ASSERT(!ioctl(vm->fd, KVM_GET_IRQCHIP, &g), "get");
	rec("dummy byte after the IOAPIC state", "0x%x",
	    (uint8_t)g.chip.dummy[sizeof(struct kvm_ioapic_state)]);
	vm_free(vm);
	ksft_pass("KVM_SET_IRQCHIP then KVM_GET_IRQCHIP, each chip");
}

static void test_line_status(struct test_dev *dev)
{
	struct kvm_vm *vm = vm_with_irqchip(dev);
	struct kvm_ioapic_state io;
	struct kvm_pic_state pic;
	struct kvm_irq_level l;

	/* GSI 16 goes to the IOAPIC alone; its entry is masked. */
	EXPECT_RET(line(vm, 16, 1), -1);
	io = ioapic_state(vm);
	rec("irr, GSI 16 masked", "0x%x", io.irr);
	TEST_ASSERT(io.irr == 1u << 16, "irr 0x%x", io.irr);
	EXPECT_RET(line(vm, 16, 1), 0);		/* coalesced */
	EXPECT_RET(line(vm, 16, 0), 1);
	TEST_ASSERT(!ioapic_state(vm).irr, "irr after lowering");

	/* Unmasked edge: sent (no LAPIC takes it), not in irr any more. */
	ioapic_set_redir(vm, 16, 0x40);
	line(vm, 16, 1);
	io = ioapic_state(vm);
	rec("irr, GSI 16 sent", "0x%x", io.irr);
	EXPECT_RET(line(vm, 16, 1), 0);
	line(vm, 16, 0);
	line(vm, 16, 1);
	line(vm, 16, 0);

	/* Level: remote IRR until an EOI; masked requests wait in irr. */
	ioapic_set_redir(vm, 17, 0x41 | REDIR_LEVEL);
	line(vm, 17, 1);
	io = ioapic_state(vm);
	rec("GSI 17 level: redir, irr", "0x%llx 0x%x",
	    (unsigned long long)io.redirtbl[17].bits, io.irr);
	line(vm, 17, 1);
	line(vm, 17, 0);
	io = ioapic_state(vm);
	rec("GSI 17 lowered: redir, irr", "0x%llx 0x%x",
	    (unsigned long long)io.redirtbl[17].bits, io.irr);
	ioapic_set_redir(vm, 18, 0x42 | REDIR_LEVEL | REDIR_MASKED);
	EXPECT_RET(line(vm, 18, 1), -1);
	io = ioapic_state(vm);
	rec("GSI 18 masked level: redir, irr", "0x%llx 0x%x",
	    (unsigned long long)io.redirtbl[18].bits, io.irr);
	TEST_ASSERT(!(io.redirtbl[18].bits & REDIR_REMOTE_IRR) &&
		    (io.irr & 1u << 18), "masked level: 0x%llx 0x%x",
		    (unsigned long long)io.redirtbl[18].bits, io.irr);

	/* GSI 3: PIC (IMR clear at power-on) and IOAPIC (masked). */
	EXPECT_RET(line(vm, 3, 1), 1);
	EXPECT_RET(line(vm, 3, 1), 0);
	line(vm, 3, 0);
	pic = pic_state(vm, KVM_IRQCHIP_PIC_MASTER);
	rec("master irr/last_irr after GSI 3", "0x%x 0x%x", pic.irr,
	    pic.last_irr);
	TEST_ASSERT(pic.irr == 0x08, "master irr 0x%x", pic.irr);
	/* GSI 10 on the slave, cascaded to the master's IR2. */
	line(vm, 10, 1);
	rec_chips(vm, "after GSI 10");
	/* Masked in the PIC too. */
	{
		struct kvm_irqchip c;

		get_chip(vm, KVM_IRQCHIP_PIC_MASTER, &c);
		c.chip.pic.imr = 0xff;
		set_chip(vm, &c);
	}
	EXPECT_RET(line(vm, 4, 1), -1);
	line(vm, 4, 0);
	/* A GSI with no route. */
	line(vm, 24, 1);
	line(vm, 1000, 1);
	/* KVM_IRQ_LINE without status. */
	l = (struct kvm_irq_level){ .irq = 19, .level = 1 };
	EXPECT_RET(ioctl(vm->fd, KVM_IRQ_LINE, &l), 0);
	rec_chips(vm, "line status end");
	vm_free(vm);
	ksft_pass("KVM_IRQ_LINE_STATUS: masked, coalesced, edge and level, "
		  "as KVM_GET_IRQCHIP shows them");
}

static void test_guest_pic(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_pic, &v);

	run_reports(vm, v);
	rec_chips(vm, "guest PIC end");
	vm_free(vm);
	ksft_pass("the guest programs the PICs: ICWs, OCWs, IRR/ISR/IMR, "
		  "EOIs and rotation, ELCR, poll, special mask mode");
}

static void guest_ioapic(void)
{
	uint32_t r;

	cli();
	report("IOREGSEL after reset", mmio_read32(IOREGSEL));
	report("version", ioapic_read(1));
	report("ID", ioapic_read(0));
	report("arbitration", ioapic_read(2));
	ioapic_write(0, 0xffffffff);
	report("ID after writing ones", ioapic_read(0));
	report("arbitration after ID", ioapic_read(2));
	ioapic_write(2, 0);
	ioapic_write(1, 0);
	report("version after a write", ioapic_read(1));
	ioapic_write(0, 0x05000000);
	report("ID 5", ioapic_read(0));
	mmio_write32(IOREGSEL, 0x1ff);
	report("IOREGSEL is 8 bits", mmio_read32(IOREGSEL));
	report("register 3", ioapic_read(3));
	report("register 0x0f", ioapic_read(0x0f));
	report("register 0x40", ioapic_read(0x40));
	report("register 0xff", ioapic_read(0xff));

	report("entry 0 low", ioapic_read(0x10));
	report("entry 0 high", ioapic_read(0x11));
	report("entry 23 low", ioapic_read(0x3e));
	ioapic_write(0x10, 0xffffffff);
	ioapic_write(0x11, 0xffffffff);
	report("entry 0 low after ones", ioapic_read(0x10));
	report("entry 0 high after ones", ioapic_read(0x11));
	ioapic_write(0x10, 0x00010000);
	ioapic_write(0x11, 0);
	ioapic_write(0x3e, 0x0001a9fe);
	ioapic_write(0x3f, 0x0f000000);
	report("entry 23 low", ioapic_read(0x3e));
	report("entry 23 high", ioapic_read(0x3f));
	ioapic_write(0x3e, 0x00010000);
	ioapic_write(0x3f, 0);

	/* Other widths and offsets. */
	mmio_write32(IOREGSEL, 1);
	report("IOWIN as 8 bytes", *(volatile uint64_t *)IOWIN);
	report("IOWIN as 1 byte", *(volatile uint8_t *)IOWIN);
	report("IOWIN + 2 as 2 bytes", *(volatile uint16_t *)(IOWIN + 2));
	report("offset 4", mmio_read32(IOAPIC_BASE + 4));
	report("offset 0x20", mmio_read32(IOAPIC_BASE + 0x20));
	mmio_write32(IOAPIC_BASE + 0x40, 0x30);
	report("offset 0x40", mmio_read32(IOAPIC_BASE + 0x40));
	report("offset 0xf0", mmio_read32(IOAPIC_BASE + 0xf0));
	*(volatile uint8_t *)IOREGSEL = 0x12;
	report("IOREGSEL by a byte", mmio_read32(IOREGSEL));
	r = ioapic_read(0x12);
	report("entry 1 low", r);

	/* A masked level pin whose line is up: unmasking sends it. */
	LINE(20, 1);
	ioapic_write(0x10 + 2 * 20 + 1, 0x00000000);
	ioapic_write(0x10 + 2 * 20, 0x00018060);
	host_do(ACT_RECORD, 0);
	ioapic_write(0x10 + 2 * 20, 0x00008060);
	host_do(ACT_RECORD, 0);
	report("entry 20 low", ioapic_read(0x10 + 2 * 20));
	/* Made edge-triggered, the entry loses its remote IRR. */
	ioapic_write(0x10 + 2 * 20, 0x00010060);
	report("entry 20 low, edge", ioapic_read(0x10 + 2 * 20));
	LINE(20, 0);
	GUEST_DONE();
}

static void test_guest_ioapic(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_ioapic, &v);
	struct kvm_ioapic_state io;

	run_reports(vm, v);
	io = ioapic_state(vm);
	rec_ioapic("guest IOAPIC end", &io);
	TEST_ASSERT(io.id == 5 && io.ioregsel == 0x10 + 2 * 20,
		    "id %u ioregsel 0x%x", io.id, io.ioregsel);
	vm_free(vm);
	ksft_pass("the guest programs the IOAPIC: ID, version, arbitration, "
		  "redirection entries, widths and offsets");
}

/* ---- interrupts delivered to the guest ---- */

static volatile uint64_t irq_count, irq_vector, irq_isr, irq_isr2;

static void lapic_enable(void)
{
	mmio_write32(APIC_SPIV, 0x1ff);
}

static void ioapic_level_handler(struct ex_regs *r)
{
	irq_vector = r->vector;
	irq_count++;
	/* The host looks at remote IRR before the EOI, then lowers. */
	if (irq_count == 1 || irq_count == 4 || irq_count == 5)
		GUEST_SYNC2(100 + irq_count, r->vector);
	mmio_write32(APIC_EOI, 0);
}

static void guest_ioapic_level(void)
{
	cli();
	lapic_enable();
	ioapic_write(0x10 + 2 * 18 + 1, 0);
	ioapic_write(0x10 + 2 * 18, 0x60 | REDIR_LEVEL);
	GUEST_SYNC(1);
	sti();
	while (irq_count < 1)
		;
	GUEST_SYNC2(2, irq_count);
	while (irq_count < 4)
		;
	GUEST_SYNC2(3, irq_count);
	cli();
	ioapic_write(0x10 + 2 * 18, 0x60 | REDIR_LEVEL | REDIR_MASKED);
	GUEST_SYNC(4);
	ioapic_write(0x10 + 2 * 18, 0x60 | REDIR_LEVEL);
	sti();
	while (irq_count < 5)
		;
	GUEST_SYNC2(5, irq_count);
}

static void expect_sync(struct kvm_vcpu *v, uint64_t a0, uint64_t a1)
{
	struct ucall uc;

	TEST_ASSERT(vcpu_run_ucall(v, &uc) == UCALL_SYNC, "no SYNC");
	TEST_ASSERT(uc.args[0] == a0 && uc.args[1] == a1,
		    "SYNC(%lu, 0x%lx), expected (%lu, 0x%lx)",
		    (unsigned long)uc.args[0], (unsigned long)uc.args[1],
		    (unsigned long)a0, (unsigned long)a1);
}

static void rec_remote_irr(struct kvm_vm *vm, const char *when, int pin,
			   int want)
{
	struct kvm_ioapic_state io = ioapic_state(vm);
	uint64_t e = io.redirtbl[pin].bits;

	rec(when, "redir 0x%llx irr 0x%x", (unsigned long long)e, io.irr);
	TEST_ASSERT(!!(e & REDIR_REMOTE_IRR) == want, "%s: remote IRR %d",
		    when, !!(e & REDIR_REMOTE_IRR));
}

static void test_ioapic_delivery(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_ioapic_level,
						    &v);

	vm_install_exception_handler(vm, 0x60, ioapic_level_handler);
	expect_sync(v, 1, 0);
	EXPECT_RET(line(vm, 18, 1), 1);
	rec_remote_irr(vm, "level sent", 18, 1);
	expect_sync(v, 101, 0x60);		/* in the handler */
	rec_remote_irr(vm, "in the handler", 18, 1);
	EXPECT_RET(line(vm, 18, 0), 1);
	expect_sync(v, 2, 1);
	rec_remote_irr(vm, "after the EOI", 18, 0);

	/* A line still up at the EOI is delivered again at once. */
	EXPECT_RET(line(vm, 18, 1), 1);
	expect_sync(v, 104, 0x60);
	EXPECT_RET(line(vm, 18, 0), 1);
	expect_sync(v, 3, 4);
	rec_remote_irr(vm, "after three EOIs", 18, 0);

	/* Masked: waits in irr; unmasking sends it. */
	expect_sync(v, 4, 0);
	EXPECT_RET(line(vm, 18, 1), -1);
	rec_remote_irr(vm, "masked", 18, 0);
	expect_sync(v, 105, 0x60);
	EXPECT_RET(line(vm, 18, 0), 1);
	expect_sync(v, 5, 5);
	rec_remote_irr(vm, "after the last EOI", 18, 0);
	vcpu_run_expect_done(v);
	vm_free(vm);
	ksft_pass("an IOAPIC level interrupt reaches the IDT; remote IRR "
		  "until the EOI, sent again while the line stays up");
}

static void pic_handler(struct ex_regs *r)
{
	irq_vector = r->vector;
	irq_isr = read_isr(0x20);
	irq_isr2 = read_isr(0xa0);
	irq_count++;
	if (r->vector >= 0x38)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

static void guest_pic_extint(void)
{
	cli();
	lapic_enable();
	mmio_write32(APIC_LVT0, 0x700);		/* ExtINT */
	pic_init(0x30, 0x38, 0x01);
	outb(0x21, 0xeb);			/* IR2 (cascade), IR4 */
	outb(0xa1, 0xfd);			/* IRQ 9 */
	GUEST_SYNC(1);
	sti();
	while (irq_count < 1)
		;
	cli();
	GUEST_SYNC2(irq_vector, irq_isr);
	sti();
	while (irq_count < 2)
		;
	cli();
	GUEST_SYNC2(irq_vector, irq_isr << 8 | irq_isr2);
	/* Auto EOI: nothing in service in the handler. */
	pic_init(0x30, 0x38, 0x03);
	outb(0x21, 0xeb);
	outb(0xa1, 0xfd);
	GUEST_SYNC(3);
	sti();
	while (irq_count < 3)
		;
	cli();
	GUEST_SYNC2(irq_vector, irq_isr);
}

static void test_pic_delivery(struct test_dev *dev)
{
	struct kvm_vcpu *v;
	struct kvm_vm *vm = vm_create_guest_irqchip(dev, 1, guest_pic_extint,
						    &v);

	vm_install_exception_handler(vm, 0x34, pic_handler);
	vm_install_exception_handler(vm, 0x39, pic_handler);
	expect_sync(v, 1, 0);
	EXPECT_RET(line(vm, 4, 1), 1);
	line(vm, 4, 0);
	expect_sync(v, 0x34, 0x10);
	rec_chips(vm, "after IRQ 4");
	EXPECT_RET(line(vm, 9, 1), 1);
	line(vm, 9, 0);
	expect_sync(v, 0x39, 0x04 << 8 | 0x02);
	expect_sync(v, 3, 0);
	line(vm, 4, 1);
	line(vm, 4, 0);
	expect_sync(v, 0x34, 0);
	rec_chips(vm, "after IRQ 4, auto EOI");
	vm_free(vm);
	ksft_pass("the PICs' interrupts reach the IDT through LVT0 (ExtINT): "
		  "master, slave through the cascade, auto EOI");
}

static void run(struct test_dev *dev)
{
	test_state_ioctls(dev);
	test_set_get(dev);
	test_line_status(dev);
	test_guest_pic(dev);
	test_guest_ioapic(dev);
	test_ioapic_delivery(dev);
	test_pic_delivery(dev);
}

int main(void)
{
	return ksft_run_devices("irqchip", 7, run);
}
