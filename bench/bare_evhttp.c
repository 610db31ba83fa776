/*
 * bare_evhttp — the USSD baseline: the least a libevent HTTP server can do for a USSD hop
 * (accept, parse the request and its form body, answer "CON hello"), on one thread like
 * followupd. bench/run.sh measures followupd's hops against this one's.
 *
 *   bare_evhttp PORT        listens on 127.0.0.1:PORT until SIGTERM/SIGINT
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req), *out = evbuffer_new();
	struct evkeyvalq form;
	size_t len = evbuffer_get_length(in);
	char *body = malloc(len + 1);

	/* Decode the form as followupd's adapters do, so the baseline is not a plain echo. */
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	TAILQ_INIT(&form);
	evhttp_parse_query_str(body, &form);
	evbuffer_add_printf(out, "CON hello");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
	evhttp_send_reply(req, 200, "OK", out);
	evhttp_clear_headers(&form);
	evbuffer_free(out);
	free(body);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	struct event *sigterm, *sigint;

	if (argc != 2) {
		fprintf(stderr, "usage: bare_evhttp PORT\n");
		return 2;
	}
	base = event_base_new();
	http = evhttp_new(base);
	if (!base || !http || evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)atoi(argv[1]))) {
		fprintf(stderr, "bare_evhttp: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	evhttp_set_gencb(http, on_request, NULL);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_base_dispatch(base);
	event_free(sigterm);
	event_free(sigint);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
