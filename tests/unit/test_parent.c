/*
 * The parent (src/parent.c) is a process and is tested end to end; this
 * tests the one pure helper it exports: how a worker's end is put in words
 * for the log, above all that death by SIGSYS names the seccomp policy.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "parent.h"

static const char *
describe(int status)
{
	static char buf[256];

	memset(buf, 'x', sizeof(buf));
	ttt_parent_describe_status(status, buf, sizeof(buf));
	return buf;
}

static void
test_exited(void **state)
{
	(void)state;
	assert_string_equal(describe(W_EXITCODE(0, 0)), "exited with status 0");
	assert_string_equal(describe(W_EXITCODE(1, 0)), "exited with status 1");
	assert_string_equal(describe(W_EXITCODE(255, 0)), "exited with status 255");
}

static void
test_killed_by_sigsys_names_seccomp(void **state)
{
	char want[128];

	(void)state;
	(void)snprintf(want, sizeof(want),
	    "killed by signal SIGSYS (%d): a system call outside its seccomp policy", SIGSYS);
	assert_string_equal(describe(W_EXITCODE(0, SIGSYS)), want);
	/* The same with the core-dump flag, as the kernel may report it. */
	assert_string_equal(describe(W_EXITCODE(0, SIGSYS) | WCOREFLAG), want);
}

static void
test_killed_by_other_signals(void **state)
{
	static const struct {
		int sig;
		const char *name;
	} cases[] = {
		{ SIGKILL, "SIGKILL" }, { SIGTERM, "SIGTERM" }, { SIGSEGV, "SIGSEGV" },
		{ SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" },
	};
	char want[128];
	const char *got;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(want, sizeof(want), "killed by signal %s (%d)",
		    cases[i].name, cases[i].sig);
		got = describe(W_EXITCODE(0, cases[i].sig));
		assert_string_equal(got, want);
		/* Only SIGSYS blames the policy. */
		assert_null(strstr(got, "seccomp"));
	}
	/* A number with no name still gets a line. */
	assert_string_equal(describe(W_EXITCODE(0, 100)), "killed by signal SIG? (100)");
}

static void
test_neither_exited_nor_killed(void **state)
{
	(void)state;
	assert_string_equal(describe(W_STOPCODE(SIGSTOP)), "ended with wait status 0x137f");
	assert_string_equal(describe(0xffff), "ended with wait status 0xffff");
}

/* A real child killed by SIGSYS, as the kernel reports a seccomp kill. */
static void
test_real_sigsys_status(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Not dumpable, as a worker: no core file. */
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		(void)signal(SIGSYS, SIG_DFL);
		(void)raise(SIGSYS);
		_exit(99);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_non_null(strstr(describe(status), "SIGSYS"));
	assert_non_null(strstr(describe(status), "seccomp policy"));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(7);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_string_equal(describe(status), "exited with status 7");
}

/* A short buffer gets a NUL-terminated prefix and nothing past it. */
static void
test_short_buffer(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	ttt_parent_describe_status(W_EXITCODE(0, SIGSYS), buf, 8);
	assert_string_equal(buf, "killed ");
	for (size_t i = 8; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'x');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exited),
		cmocka_unit_test(test_killed_by_sigsys_names_seccomp),
		cmocka_unit_test(test_killed_by_other_signals),
		cmocka_unit_test(test_neither_exited_nor_killed),
		cmocka_unit_test(test_real_sigsys_status),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
