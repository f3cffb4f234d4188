/*
 * The daemon's standard descriptors and its detaching from the terminal.
 */
#ifndef TTT_DETACH_H
#define TTT_DETACH_H

/*
 * Give each of descriptors 0..2 that is closed /dev/null, before anything
 * else is opened, so no key file, tap or socket takes one. 0 or -errno.
 */
int ttt_sanitise_stdfd(void);

/* Fork, the parent exits; setsid, /dev/null on 0..2. 0 or -errno. */
int ttt_daemonize(void);

#endif
