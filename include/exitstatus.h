/*
 * A wait status in words, for the log and the status file: "exited with
 * status 1", "killed by signal SIGSYS (31): a system call outside its
 * seccomp policy". Pure.
 */
#ifndef TTT_EXITSTATUS_H
#define TTT_EXITSTATUS_H

#include <stddef.h>

void ttt_parent_describe_status(int status, char *buf, size_t cap);

#endif
