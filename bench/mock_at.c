/*
 * mock_at — a loopback stand-in for Africa's Talking's send API: every POST is answered 201
 * with the JSON AT returns for one accepted recipient (a fresh messageId each time), the way
 * shared/protocols/README.md describes it. It counts what it answered; followupd's outbox and
 * bench/bare_curl.c are measured against it.
 *
 *   mock_at PORT            listens on 127.0.0.1:PORT until SIGTERM/SIGINT, then prints
 *                           "answered N" on stdout
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
	unsigned long *answered = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req), *out = evbuffer_new();
	struct evkeyvalq form;
	size_t len = evbuffer_get_length(in);
	char *body = malloc(len + 1);
	const char *to;

	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	TAILQ_INIT(&form);
	evhttp_parse_query_str(body, &form);
	to = evhttp_find_header(&form, "to");
	(*answered)++;
	evbuffer_add_printf(out,
			    "{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: RWF 10.0000\","
			    "\"Recipients\":[{\"statusCode\":101,\"number\":\"%s\","
			    "\"status\":\"Success\",\"cost\":\"RWF 10.0000\","
			    "\"messageId\":\"ATXid_mock_%lu\"}]}}",
			    to && strspn(to, "+0123456789") == strlen(to) ? to : "", *answered);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, 201, "Created", out);
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
	unsigned long answered = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mock_at PORT\n");
		return 2;
	}
	base = event_base_new();
	http = evhttp_new(base);
	if (!base || !http || evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)atoi(argv[1]))) {
		fprintf(stderr, "mock_at: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	evhttp_set_gencb(http, on_request, &answered);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_base_dispatch(base);
	printf("answered %lu\n", answered);
	event_free(sigterm);
	event_free(sigint);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
