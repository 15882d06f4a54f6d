/*
 * xinetd's address forms (only_from, no_access, bind) into superserver's:
 * numeric addresses, CIDR ranges, xinetd's "trailing zeros are wildcards"
 * IPv4 rule and its factorized "10.0.{1,2}" form become CIDR strings.
 */
#ifndef SUPERSERVER_XINETD_ADDR_H
#define SUPERSERVER_XINETD_ADDR_H

#include "xinetd_model.h"

#define XINETD_WHY_LEN 256

/* Append S itself (it must outlive L; the array grows in A), or a copy of S
 * made in C's arena. */
void xinetd_list_push(struct arena *a, struct xinetd_list *l, const char *s);
void xinetd_list_add(struct arena *a, struct xinetd_list *l, const char *s);

/* Append the CIDR strings TEXT stands for to OUT; -1 with a reason in WHY
 * (XINETD_WHY_LEN bytes) for forms superserver cannot match (host, domain
 * and network names). */
int xinetd_addr_cidrs(struct arena *a, const char *text, struct xinetd_list *out, char *why);

#endif
