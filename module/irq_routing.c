// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by the GSI routing implementation. */
#include "ember.h"
#include "irq.h"

int ember_set_irq(struct ember_vm *vm, int irq_source_id, u32 gsi, int level,
		  bool line_status)
{
	return -1;
}

int ember_set_msi(struct ember_vm *vm, const struct kvm_msi *msi)
{
	return -1;
}

int ember_set_irq_routing(struct ember_vm *vm,
			  const struct kvm_irq_routing_entry *ue,
			  unsigned int nr, unsigned int flags)
{
	return 0;
}

void ember_free_irq_routing(struct ember_vm *vm)
{
}

void ember_register_irq_ack_notifier(struct ember_vm *vm,
				     struct ember_irq_ack_notifier *ian)
{
}

void ember_unregister_irq_ack_notifier(struct ember_vm *vm,
				       struct ember_irq_ack_notifier *ian)
{
}

void ember_notify_acked_irq(struct ember_vm *vm, unsigned int irqchip,
			    unsigned int pin)
{
}

bool ember_irq_has_notifier(struct ember_vm *vm, unsigned int irqchip,
			    unsigned int pin)
{
	return false;
}

int ember_request_irq_source_id(struct ember_vm *vm)
{
	return 2;
}

void ember_free_irq_source_id(struct ember_vm *vm, int irq_source_id)
{
}

long ember_vm_irq_ioctl(struct ember_vm *vm, unsigned int ioctl,
			void __user *argp)
{
	return -EINVAL;
}

int ember_irq_init(struct ember_vm *vm)
{
	mutex_init(&vm->irq_lock);
	return init_srcu_struct(&vm->irq_srcu);
}

void ember_irq_destroy(struct ember_vm *vm)
{
	cleanup_srcu_struct(&vm->irq_srcu);
}
