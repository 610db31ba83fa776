/* registry — the aggregator adapters compiled into followupd. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

extern const struct aggregator agg_africastalking;
extern const struct aggregator agg_console;
extern const struct aggregator agg_kannel;
extern const struct aggregator agg_twilio;

const struct aggregator *const agg_registry[] = {
	&agg_africastalking,
	&agg_console,
	&agg_twilio,
	&agg_kannel,
};
const size_t agg_registry_len = sizeof(agg_registry) / sizeof(agg_registry[0]);

const struct cfg_section *const agg_sections[] = {
	&agg_africastalking.section,
	&agg_console.section,
	&agg_twilio.section,
	&agg_kannel.section,
};
const size_t agg_n_sections = sizeof(agg_sections) / sizeof(agg_sections[0]);

const struct aggregator *
agg_find(const char *name)
{
	for (size_t i = 0; i < agg_registry_len; i++)
		if (strcmp(agg_registry[i]->name, name) == 0)
			return agg_registry[i];
	return NULL;
}

void
agg_ussd_clear(struct agg_ussd *u)
{
	free(u->session_id), free(u->phone), free(u->service_code), free(u->network);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

void
agg_ussd_end_clear(struct agg_ussd_end *u)
{
	free(u->session_id), free(u->phone), free(u->status), free(u->cost), free(u->input);
	free(u->error);
	memset(u, 0, sizeof(*u));
}

void
agg_sms_clear(struct agg_sms *s)
{
	free(s->id), free(s->from), free(s->to), free(s->text), free(s->received_at);
	free(s->network), free(s->link_id);
	memset(s, 0, sizeof(*s));
}

void
agg_dlr_clear(struct agg_dlr *d)
{
	free(d->message_id), free(d->raw_status), free(d->reason);
	memset(d, 0, sizeof(*d));
}

void
agg_http_clear(struct agg_http *h)
{
	free(h->method), free(h->url), free(h->body), free(h->content_type), free(h->userpwd);
	for (size_t i = 0; i < h->n_headers; i++)
		free(h->headers[i]);
	memset(h, 0, sizeof(*h));
}
