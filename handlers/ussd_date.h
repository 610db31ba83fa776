/*
 * ussd_date — civil dates as the USSD menus need them: parse what a person types (DDMMYY),
 * step a day back, compare, and print. Pure integer calendar math on the proleptic Gregorian
 * calendar: no time_t and no time zone, because "today" already comes from the caller in the
 * person's own time zone.
 */
#ifndef FOLLOWUP_USSD_DATE_H
#define FOLLOWUP_USSD_DATE_H

#include <stdbool.h>

/* A calendar day. {0, 0, 0} means "no date". */
struct ussd_date {
	int y, m, d;   /* full year 1..9999, month 1..12, day 1..31 */
};

/* Days in month m (1..12) of year y, leap years included; 0 for a month out of range. */
int ussd_date_days_in_month(int y, int m);

/* True when d names a real day (31 February does not) with a year in 1..9999. */
bool ussd_date_valid(struct ussd_date d);

/* Days since 1970-01-01 (negative before). d must be valid. */
long ussd_date_to_days(struct ussd_date d);

/* The day n days after 1970-01-01. */
struct ussd_date ussd_date_from_days(long n);

/* The day n days after d (n may be negative). d must be valid. */
struct ussd_date ussd_date_add_days(struct ussd_date d, long n);

/* <0, 0 or >0 as a is before, the same day as, or after b. */
int ussd_date_cmp(struct ussd_date a, struct ussd_date b);

/* Reads exactly six digits DDMMYY (year 20YY) into out. Returns 0, or -1 when s is not six
 * digits or names no real day; out is untouched then. */
int ussd_date_parse_ddmmyy(const char *s, struct ussd_date *out)
	__attribute__((warn_unused_result));

/* Reads an ISO date "YYYY-MM-DD" into out. Returns 0, or -1 as above. */
int ussd_date_parse_iso(const char *s, struct ussd_date *out) __attribute__((warn_unused_result));

/* Writes "YYYY-MM-DD" (buf at least 11 bytes). */
void ussd_date_format_iso(struct ussd_date d, char *buf);

/* Writes "DD/MM/YYYY", the form shown on screens (buf at least 11 bytes). */
void ussd_date_format_dmy(struct ussd_date d, char *buf);

/* Writes "DDMMYY", the form a person types (buf at least 7 bytes). */
void ussd_date_format_ddmmyy(struct ussd_date d, char *buf);

#endif
