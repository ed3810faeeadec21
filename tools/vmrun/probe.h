/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMRUN_PROBE_H
#define VMRUN_PROBE_H

int probe(const char *device);

#endif
