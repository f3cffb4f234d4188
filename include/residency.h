/*
 * The worker's resident set: what it keeps mapped of its libraries.
 *
 * A fault on a file mapping maps the 64 KiB around it (fault-around; on
 * Linux 6.x MADV_RANDOM no longer turns that off, measured), so a new
 * image's start-up (ld.so's relocations, libc's ifunc resolvers, libcap-ng,
 * the set-up code) leaves most of libc's text mapped, about 1.5 MiB of the
 * worker's RSS, of which the forwarding loop runs a few pages.
 *
 * Its promise: once the set-up is done, the page-table entries of every
 * loaded object's read-only, never-written segments are dropped
 * (MADV_DONTNEED): what runs afterwards faults its pages back in from the
 * page cache, once. Writable segments (data, GOT, RELRO) and objects with
 * text relocations are never touched, and nor is the vDSO. Only the count
 * changes: the pages stay in the page cache, shared with every process
 * that maps them, so the machine's memory is what it was.
 */
#ifndef TTT_RESIDENCY_H
#define TTT_RESIDENCY_H

/* Drop the mappings described above; returns how many segments the kernel
 * refused (the advice saves memory, it is never needed: not fatal). */
int ttt_residency_trim(void);

#endif
