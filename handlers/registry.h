/*
 * registry — the list of aggregator adapters compiled in. The only place that names them.
 */
#ifndef FOLLOWUP_REGISTRY_H
#define FOLLOWUP_REGISTRY_H

#include "aggregator.h"

extern const struct aggregator *const agg_registry[];
extern const size_t agg_registry_len;

/* Their config sections, in registry order, for cfg_load(). */
extern const struct cfg_section *const agg_sections[];
extern const size_t agg_n_sections;

/* The adapter called name, or NULL. */
const struct aggregator *agg_find(const char *name);

#endif
