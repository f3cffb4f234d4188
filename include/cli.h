/*
 * The command line: v1.4's positional form, with options on top.
 *   tinytaptunnel [options] <key file> <local address> [peer address]
 * One table (cli.c) says, for each option and argument, the field of
 * struct ttt_config it writes and what a value must be; the parser and the
 * worker's check of a received configuration both read it.
 */
#ifndef TTT_CLI_H
#define TTT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define TTT_CLI_ERR_MAX        256

enum ttt_opt_kind {
	TTT_OPT_NUM,		/* a decimal number in [min, max] */
	TTT_OPT_STR,		/* a string that fits its field and passes its check */
	TTT_OPT_FLAG,		/* no value: sets the field to 1 */
	TTT_OPT_COUNT,		/* no value: adds 1, up to max */
	TTT_OPT_ACTION,		/* no value: sets the action to def */
};

enum ttt_opt_check {		/* what a string must be, when given */
	TTT_STR_ANY,
	TTT_STR_NONEMPTY,
	TTT_STR_ABSPATH,
	TTT_STR_IFNAME,		/* 1 to IFNAMSIZ - 1 characters, no '/' */
	TTT_STR_HWADDR,		/* an interface's own Ethernet address: ttt_hwaddr_parse */
};

enum ttt_opt_range {		/* how a number's range is worded in an error */
	TTT_RANGE_NUMBER,	/* "a number from MIN to MAX" */
	TTT_RANGE_SECONDS,	/* "seconds, MIN to MAX" */
	TTT_RANGE_CHOICE,	/* "MIN or MAX" */
};

struct ttt_option {
	const char *name;	/* the long option without "--", or a positional argument's noun */
	char short_name;	/* 0: none */
	int positional;		/* an argument after the options, in table order */
	enum ttt_opt_kind kind;
	size_t offset, size;	/* the field it writes */
	enum ttt_opt_check check;	/* TTT_OPT_STR */
	enum ttt_opt_range range;	/* TTT_OPT_NUM */
	long long min, max;	/* TTT_OPT_NUM bounds, TTT_OPT_COUNT's max */
	long long def;		/* TTT_OPT_NUM default, TTT_OPT_ACTION action */
	const char *sdef;	/* TTT_OPT_STR default; "" (none given) is then allowed */
};

extern const struct ttt_option ttt_cli_options[];
extern const size_t ttt_cli_noptions;

/* Every field at its default, version set, run section zero. */
void ttt_config_defaults(struct ttt_config *cfg);

/*
 * Parse argv into cfg. Returns 0, or 64 (EX_USAGE) with a one-line reason
 * in err. Pure apart from getopt's state: opens nothing, resolves nothing.
 */
int ttt_cli_parse(int argc, char **argv, struct ttt_config *cfg, char *err, size_t errlen);

/* The --help text. */
extern const char ttt_cli_usage[];

#endif
