/* Placeholders for the data commands until they are built (issue 3). */
#include "ctl.h"

int
ctl_cmd_import(const struct ctl_opts *o, int argc, char **argv)
{
	return ctl_fail("import: not implemented yet");
}

int
ctl_cmd_export(const struct ctl_opts *o, int argc, char **argv)
{
	return ctl_fail("export: not implemented yet");
}

int
ctl_cmd_report(const struct ctl_opts *o, int argc, char **argv)
{
	return ctl_fail("report: not implemented yet");
}
