/*
 * netacl — address lists in CIDR notation ("196.201.214.0/24, 2001:db8::/32, 127.0.0.1"), for
 * the aggregators' IP allow-lists and the trusted reverse proxies, and the client address of
 * a request behind such proxies (X-Forwarded-For, honoured only from them). Pure.
 */
#ifndef FOLLOWUP_NETACL_H
#define FOLLOWUP_NETACL_H

#include <stdbool.h>
#include <stddef.h>

struct netacl;

/* Parses a comma- or space-separated list; an empty list gives an ACL that matches nothing.
 * Returns a new ACL (netacl_free), or NULL with the offending entry in err. */
struct netacl *netacl_parse(const char *list, char *err, size_t errlen);

void netacl_free(struct netacl *a);

/* Entries in the list. */
size_t netacl_len(const struct netacl *a);

/* True when addr (a textual IPv4 or IPv6 address; IPv4-mapped IPv6 counts as IPv4) is in a. */
bool netacl_match(const struct netacl *a, const char *addr);

/* The client's address: peer itself, unless peer is a trusted proxy and xff (the
 * X-Forwarded-For header, may be NULL) names others; then the rightmost address of xff that
 * is not itself a trusted proxy. Writes it into out (at least 64 bytes). */
void netacl_client(const struct netacl *trusted, const char *peer, const char *xff, char *out,
		   size_t len);

#endif
