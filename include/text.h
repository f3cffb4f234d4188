/*
 * Bounded text, for the files and screens the daemon writes (status.c,
 * show.c): formatted pieces appended to a caller's buffer. Once a piece does
 * not fit, nothing more is written and full is set, so the caller checks
 * once at the end and never hands on a silently cut text.
 */
#ifndef TTT_TEXT_H
#define TTT_TEXT_H

#include <stddef.h>

struct ttt_text {
	char *buf;
	size_t cap, len;
	int full;
	int colour;	/* the reader's terminal takes ANSI colour */
};

void ttt_text_put(struct ttt_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A hexadecimal digit's value, either case, or -1. */
int ttt_hex_digit(char c);

#endif
