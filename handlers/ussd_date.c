/* ussd_date — civil date arithmetic for the USSD menus; see ussd_date.h. */
#include "ussd_date.h"

#include <stdio.h>

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
ussd_date_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool
ussd_date_valid(struct ussd_date d)
{
	return d.y >= 1 && d.y <= 9999 && d.d >= 1 && d.d <= ussd_date_days_in_month(d.y, d.m);
}

/* Howard Hinnant's days_from_civil / civil_from_days: eras of 400 years (146097 days), the
 * year counted from March so that the leap day falls at the end. */
long
ussd_date_to_days(struct ussd_date d)
{
	long y = d.m <= 2 ? d.y - 1 : d.y;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (d.m > 2 ? d.m - 3 : d.m + 9) + 2) / 5 + d.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct ussd_date
ussd_date_from_days(long n)
{
	long z = n + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	struct ussd_date d;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(yoe + era * 400 + (d.m <= 2));
	return d;
}

struct ussd_date
ussd_date_add_days(struct ussd_date d, long n)
{
	return ussd_date_from_days(ussd_date_to_days(d) + n);
}

int
ussd_date_cmp(struct ussd_date a, struct ussd_date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

/* n digits of s as a number, or -1 when one of them is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
ussd_date_parse_ddmmyy(const char *s, struct ussd_date *out)
{
	struct ussd_date d;
	for (int i = 0; i < 6; i++)
		if (!s || s[i] < '0' || s[i] > '9')
			return -1;
	if (s[6] != '\0')
		return -1;
	d.d = digits(s, 2);
	d.m = digits(s + 2, 2);
	d.y = 2000 + digits(s + 4, 2);
	if (!ussd_date_valid(d))
		return -1;
	*out = d;
	return 0;
}

int
ussd_date_parse_iso(const char *s, struct ussd_date *out)
{
	struct ussd_date d;
	if (!s)
		return -1;
	for (int i = 0; i < 10; i++) {
		int dash = i == 4 || i == 7;
		if (s[i] == '\0' || (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
			return -1;
	}
	if (s[10] != '\0')
		return -1;
	d.y = digits(s, 4);
	d.m = digits(s + 5, 2);
	d.d = digits(s + 8, 2);
	if (!ussd_date_valid(d))
		return -1;
	*out = d;
	return 0;
}

/* The formatters clamp to the field widths so that an invalid date cannot overflow buf. */
static int
clamp(int v, int hi)
{
	return v < 0 ? 0 : v > hi ? hi : v;
}

void
ussd_date_format_iso(struct ussd_date d, char *buf)
{
	snprintf(buf, 11, "%04d-%02d-%02d", clamp(d.y, 9999), clamp(d.m, 99), clamp(d.d, 99));
}

void
ussd_date_format_dmy(struct ussd_date d, char *buf)
{
	snprintf(buf, 11, "%02d/%02d/%04d", clamp(d.d, 99), clamp(d.m, 99), clamp(d.y, 9999));
}

void
ussd_date_format_ddmmyy(struct ussd_date d, char *buf)
{
	snprintf(buf, 7, "%02d%02d%02d", clamp(d.d, 99), clamp(d.m, 99), clamp(d.y, 9999) % 100);
}
