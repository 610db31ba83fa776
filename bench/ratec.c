/*
 * ratec — a USSD load generator on libevent that plays complete sessions (one sessionId per
 * session, each hop carrying the cumulative text, a hop sent only after the previous one of
 * its session was answered) in one of two modes:
 *   fixed rate (-r R): a hop leaves every 1/R s on a schedule, whatever the answers do; its
 *     latency counts from its scheduled time, so a stalled server is not hidden by a client
 *     that waits (what wrk2 does, and Debian has no wrk2);
 *   closed loop (-r 0): -c sessions at once, each hop sent as soon as the last was answered.
 * Every answer must be 200 with a body starting "CON " or "END "; others are counted.
 *
 *   ratec -u URL [-r RATE] [-d SECONDS] [-n MAXHOPS] [-c CONNS] [-p PATH] [-k PHONES]
 *         [-b FIRSTPHONE] [-s PREFIX]
 *   PATH: the inputs after the first (empty) hop, comma-separated ("1,1,1,12,5,1"); "" for
 *   sessions of one hop. Phones are +FIRSTPHONE .. +FIRSTPHONE+PHONES-1; a phone serves one
 *   session at a time. Prints one line of key=value.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HOPS 16

struct sess {
	long id;
	long phone;
	int hop;                 /* the next hop to send, 0 = the empty first one */
	struct sess *next;       /* in the ready queue */
};

struct conn {
	struct evhttp_connection *c;
	struct conn *next;       /* in the idle list */
};

struct pending {
	struct sess *s;
	double due;              /* scheduled time (fixed rate) or send time */
	struct conn *cn;
	struct gen *g;
};

struct gen {
	struct event_base *base;
	char host[64], path[256], prefix[32];
	int port;
	double rate, duration, t0;
	long max_hops, conns_max, conns_open, phones, first_phone;
	char *inputs[MAX_HOPS];
	int n_inputs;
	long sent, answered, non200, bad, sessions_started, sessions_done, phone_clash;
	double *lat;             /* ms, one per answered hop */
	struct sess *ready, *ready_tail;
	struct conn *idle;
	unsigned char *phone_busy;
	long next_phone;
	struct event *tick;
	int stopping;
};

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void send_hop(struct gen *g, struct sess *s, double due);

static struct sess *
sess_new(struct gen *g)
{
	struct sess *s = calloc(1, sizeof(*s));
	s->id = g->sessions_started++;
	/* A free phone: a phone never runs two sessions at once (PostgreSQL would see
	 * one person in two sessions, which no real phone does). */
	for (long k = 0; k < g->phones; k++) {
		long p = (g->next_phone + k) % g->phones;
		if (!g->phone_busy[p]) {
			s->phone = p;
			g->next_phone = p + 1;
			g->phone_busy[p] = 1;
			return s;
		}
	}
	g->phone_clash++;
	s->phone = g->next_phone++ % g->phones;
	return s;
}

static void
ready_push(struct gen *g, struct sess *s)
{
	s->next = NULL;
	if (g->ready_tail)
		g->ready_tail->next = s;
	else
		g->ready = s;
	g->ready_tail = s;
}

static struct sess *
ready_pop(struct gen *g)
{
	struct sess *s = g->ready;
	if (s) {
		g->ready = s->next;
		if (!g->ready)
			g->ready_tail = NULL;
	}
	return s;
}

static int
done_sending(const struct gen *g)
{
	if (g->stopping || (g->max_hops && g->sent >= g->max_hops))
		return 1;
	return g->duration > 0 && now_ms() - g->t0 >= g->duration * 1e3;
}

static void
on_answer(struct evhttp_request *req, void *arg)
{
	struct pending *pd = arg;
	struct gen *g = pd->g;
	struct sess *s = pd->s;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	char head[4] = "";

	g->lat[g->answered++] = now_ms() - pd->due;
	if (code != 200) {
		g->non200++;
	} else {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		evbuffer_copyout(in, head, 4);
		if (evbuffer_get_length(in) < 4 ||
		    (memcmp(head, "CON ", 4) != 0 && memcmp(head, "END ", 4) != 0))
			g->bad++;
	}
	pd->cn->next = g->idle;
	g->idle = pd->cn;
	free(pd);
	s->hop++;
	if (s->hop > g->n_inputs || memcmp(head, "END ", 4) == 0 || code != 200) {
		g->phone_busy[s->phone] = 0;
		g->sessions_done++;
		free(s);
		s = NULL;
	}
	if (g->rate > 0) {
		if (s)
			ready_push(g, s);
	} else if (!done_sending(g)) {
		/* Closed loop: this slot goes on at once, with a new session when one ended. */
		send_hop(g, s ? s : sess_new(g), now_ms());
	} else if (s) {
		g->phone_busy[s->phone] = 0;
		free(s);
	}
	if (done_sending(g) && g->answered == g->sent)
		event_base_loopbreak(g->base);
}

static void
send_hop(struct gen *g, struct sess *s, double due)
{
	char text[256] = "", sid[64], body[512];
	struct pending *pd = calloc(1, sizeof(*pd));
	struct evhttp_request *req;
	struct conn *cn = g->idle;

	for (int i = 0; i < s->hop && i < g->n_inputs; i++) {
		size_t used = strlen(text);
		snprintf(text + used, sizeof(text) - used, "%s%s", i ? "%2A" : "", g->inputs[i]);
	}
	snprintf(sid, sizeof(sid), "%s%ld", g->prefix, s->id);
	snprintf(body, sizeof(body),
		 "sessionId=%s&serviceCode=%%2A384%%2A44135%%23&phoneNumber=%%2B%ld"
		 "&networkCode=63510&text=%s",
		 sid, g->first_phone + s->phone, text);
	if (cn) {
		g->idle = cn->next;
	} else {
		cn = calloc(1, sizeof(*cn));
		cn->c = evhttp_connection_base_new(g->base, NULL, g->host, (unsigned short)g->port);
		evhttp_connection_set_timeout(cn->c, 10);
		g->conns_open++;
	}
	pd->s = s, pd->due = due, pd->cn = cn, pd->g = g;
	req = evhttp_request_new(on_answer, pd);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", g->host);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/x-www-form-urlencoded");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	g->sent++;
	evhttp_make_request(cn->c, req, EVHTTP_REQ_POST, g->path);
}

/* Fixed rate: sends every hop whose time has come; a hop goes to the oldest session waiting
 * for its next hop, else to a new session. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gen *g = arg;
	double t = now_ms();
	long due = (long)((t - g->t0) * g->rate / 1e3) + 1;

	while (g->sent < due && !done_sending(g)) {
		double at = g->t0 + (double)g->sent * 1e3 / g->rate;
		struct sess *s;
		if (!g->idle && g->conns_open >= g->conns_max)
			break; /* late: the latency of what follows grows, as it should */
		s = ready_pop(g);
		send_hop(g, s ? s : sess_new(g), at);
	}
	if (done_sending(g)) {
		if (g->answered == g->sent)
			event_base_loopbreak(g->base);
		return;
	}
	struct timeval tv = {0, 500};
	evtimer_add(g->tick, &tv);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(const double *v, long n, double p)
{
	if (n == 0)
		return 0;
	long i = (long)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i];
}

int
main(int argc, char **argv)
{
	struct gen g = {.rate = 0, .duration = 10, .conns_max = 32, .phones = 64,
			.first_phone = 250788300000, .prefix = "rc"};
	const char *url = NULL, *path = "1,1,1,12,5,1";
	int opt;

	while ((opt = getopt(argc, argv, "u:r:d:n:c:p:k:b:s:")) != -1) {
		switch (opt) {
		case 'u': url = optarg; break;
		case 'r': g.rate = atof(optarg); break;
		case 'd': g.duration = atof(optarg); break;
		case 'n': g.max_hops = atol(optarg); break;
		case 'c': g.conns_max = atol(optarg); break;
		case 'p': path = optarg; break;
		case 'k': g.phones = atol(optarg); break;
		case 'b': g.first_phone = atol(optarg); break;
		case 's': snprintf(g.prefix, sizeof(g.prefix), "%s", optarg); break;
		default: url = NULL; optind = argc; break;
		}
	}
	struct evhttp_uri *u = url ? evhttp_uri_parse(url) : NULL;
	if (!u || !evhttp_uri_get_host(u) || g.conns_max <= 0 || g.phones <= 0 ||
	    (g.rate <= 0 && g.duration <= 0 && g.max_hops <= 0)) {
		fprintf(stderr, "usage: ratec -u URL [-r RATE] [-d SECONDS] [-n MAXHOPS] [-c CONNS]"
				" [-p PATH] [-k PHONES] [-b FIRSTPHONE] [-s PREFIX]\n");
		return 2;
	}
	snprintf(g.host, sizeof(g.host), "%s", evhttp_uri_get_host(u));
	snprintf(g.path, sizeof(g.path), "%s", evhttp_uri_get_path(u));
	g.port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 80;
	evhttp_uri_free(u);
	for (char *p = strdup(path), *tok; g.n_inputs < MAX_HOPS && (tok = strsep(&p, ","));)
		if (*tok)
			g.inputs[g.n_inputs++] = tok;

	/* Room for every latency: the cap, or the schedule, or a generous closed-loop guess. */
	long cap = g.max_hops ? g.max_hops
			      : (long)((g.rate > 0 ? g.rate : 200000) * g.duration) + 1024;
	g.lat = malloc((size_t)cap * sizeof(double));
	if (!g.max_hops)
		g.max_hops = cap - 1024 > 0 ? cap - 1024 : cap;
	g.phone_busy = calloc((size_t)g.phones, 1);
	struct event_config *ec = event_config_new();
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	g.base = event_base_new_with_config(ec);
	event_config_free(ec);
	g.tick = evtimer_new(g.base, on_tick, &g);
	g.t0 = now_ms();
	if (g.rate > 0) {
		on_tick(-1, 0, &g);
	} else {
		for (long k = 0; k < g.conns_max && !done_sending(&g); k++)
			send_hop(&g, sess_new(&g), now_ms());
	}
	event_base_dispatch(g.base);
	double secs = (now_ms() - g.t0) / 1e3;
	qsort(g.lat, (size_t)g.answered, sizeof(double), cmp_double);
	printf("hops=%ld non200=%ld bad=%ld seconds=%.3f rate=%.0f p50_ms=%.3f p90_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f sessions=%ld sessions_done=%ld conns=%ld phone_clash=%ld\n",
	       g.answered, g.non200, g.bad, secs, (double)g.answered / secs, pct(g.lat, g.answered, 50),
	       pct(g.lat, g.answered, 90), pct(g.lat, g.answered, 99),
	       g.answered ? g.lat[g.answered - 1] : 0.0, g.sessions_started, g.sessions_done,
	       g.conns_open, g.phone_clash);
	return g.non200 || g.bad ? 1 : 0;
}
