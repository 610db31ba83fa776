/* netacl — CIDR lists and client addresses behind trusted proxies; see netacl.h. */
#include "netacl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net {
	unsigned char addr[16];   /* IPv4 as ::ffff:a.b.c.d, so one comparison serves both */
	int bits;                 /* prefix length over the 128 bits */
};

struct netacl {
	struct net *nets;
	size_t n;
};

/* Reads an address into 16 bytes; IPv4 is mapped. Returns 0 or -1. */
static int
read_addr(const char *s, unsigned char out[16], int *is_v4)
{
	struct in_addr v4;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		*is_v4 = 1;
		return 0;
	}
	*is_v4 = 0;
	if (inet_pton(AF_INET6, s, out) != 1)
		return -1;
	/* ::ffff:a.b.c.d is IPv4 too */
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	*is_v4 = memcmp(out, mapped, 12) == 0;
	return 0;
}

static bool
in_net(const struct net *n, const unsigned char a[16])
{
	int full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, a, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (a[full] & mask);
}

struct netacl *
netacl_parse(const char *list, char *err, size_t errlen)
{
	struct netacl *a = calloc(1, sizeof(*a));
	const char *p = list ? list : "";
	if (!a)
		return NULL;
	while (*p) {
		char item[80], host[64];
		size_t n;
		int is_v4, bits;
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if (n >= sizeof(item))
			goto bad_len;
		memcpy(item, p, n);
		item[n] = '\0';
		p += n;
		char *slash = strchr(item, '/');
		snprintf(host, sizeof(host), "%.*s", slash ? (int)(slash - item) : (int)n, item);
		struct net net;
		if (read_addr(host, net.addr, &is_v4) < 0)
			goto bad;
		bits = is_v4 ? 32 : 128;
		if (slash) {
			char *end;
			long b = strtol(slash + 1, &end, 10);
			if (*end || end == slash + 1 || b < 0 || b > bits)
				goto bad;
			bits = (int)b;
		}
		net.bits = is_v4 ? 96 + bits : bits;
		struct net *grown = realloc(a->nets, (a->n + 1) * sizeof(*grown));
		if (!grown)
			goto bad;
		a->nets = grown;
		a->nets[a->n++] = net;
		continue;
bad_len:
		snprintf(item, sizeof(item), "%.40s...", p);
bad:
		snprintf(err, errlen, "not an address or CIDR range: '%s'", item);
		netacl_free(a);
		return NULL;
	}
	return a;
}

void
netacl_free(struct netacl *a)
{
	if (!a)
		return;
	free(a->nets);
	free(a);
}

size_t
netacl_len(const struct netacl *a)
{
	return a ? a->n : 0;
}

bool
netacl_match(const struct netacl *a, const char *addr)
{
	unsigned char b[16];
	int v4;
	if (!a || !addr || read_addr(addr, b, &v4) < 0)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (in_net(&a->nets[i], b))
			return true;
	return false;
}

void
netacl_client(const struct netacl *trusted, const char *peer, const char *xff, char *out,
	      size_t len)
{
	snprintf(out, len, "%s", peer ? peer : "");
	if (!xff || !netacl_match(trusted, peer))
		return;
	/* Walk from the right: each hop appended the address it saw. */
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		char item[64];
		const char *a = start, *b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a && (size_t)(b - a) < sizeof(item)) {
			memcpy(item, a, (size_t)(b - a));
			item[b - a] = '\0';
			unsigned char tmp[16];
			int v4;
			if (read_addr(item, tmp, &v4) < 0)
				return; /* garbage: keep the proxy's own address */
			snprintf(out, len, "%s", item);
			if (!netacl_match(trusted, item))
				return;
		}
		end = start > xff ? start - 1 : xff;
	}
}
