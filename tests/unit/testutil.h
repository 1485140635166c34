/* Small helpers several unit tests share. Include after <cmocka.h>. Define
 * TU_RND_SEED first to give a file its own deterministic random stream. */
#ifndef MG_TESTS_UNIT_TESTUTIL_H
#define MG_TESTS_UNIT_TESTUTIL_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- hex ---- */

static inline void unhex(uint8_t *out, const char *hex, size_t n)
{
	unsigned v;

	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static inline void assert_hex(const uint8_t *got, const char *hex, size_t n)
{
	uint8_t want[512];

	assert_true(n <= sizeof(want));
	unhex(want, hex, n);
	assert_memory_equal(got, want, n);
}

/* ---- deterministic randomness (splitmix64), so failures reproduce ---- */

#ifndef TU_RND_SEED
#define TU_RND_SEED 0x6d657368676174ULL
#endif

static uint64_t rnd_state = TU_RND_SEED;

static inline uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rnd_fill(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd();
}

/* ---- big-endian fields and a reference Internet checksum (RFC 1071),
 * written apart from the code under test ---- */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static inline uint32_t ref_add(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static inline uint16_t ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* ---- tests that need root and a network namespace of their own ---- */

/* Skips, or fails under CI=true, where a missing privilege must not pass. */
static inline void skip_or_fail(const char *why)
{
	const char *ci = getenv("CI");

	if (ci && strcmp(ci, "true") == 0)
		fail_msg("%s (CI=true, so this does not skip)", why);
	print_message("# skipped: %s\n", why);
	skip();
}

/* Whether this process could enter a private network namespace with a TUN:
 * NULL if so, else why not. unshare is tried in a child so this process
 * stays where it is. */
static inline const char *cannot_enter_netns(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return "needs root for network namespaces and TUN";
	if (access("/dev/net/tun", F_OK) < 0)
		return "no /dev/net/tun";
	pid = fork();
	if (pid < 0)
		return "fork failed";
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return "unshare(CLONE_NEWNET) failed";
	return NULL;
}

#endif
