/* dhcp/leases: the journal read back after a torn tail (partial record,
 * bad checksums), a corrupted record in the middle, a file cut short and a
 * file that is not ours; batch commits fed only once durable, a failing
 * commit, and a rewrite round trip. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "dhcp/leases.h"
#include "dhcp/options.h"

static char dir[64], path[128];

static int setup(void **state)
{
	strcpy(dir, "/tmp/test_dhcp_leases.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/leases", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static struct dhcp_binding mk(unsigned i)
{
	struct dhcp_binding b;
	uint8_t mac[6] = { 2, 0, 0, 0, 0, (uint8_t)i };

	memset(&b, 0, sizeof(b));
	b.addr = 0x0a000000u + i;
	b.state = (uint8_t)(i % DHCP_NSTATES);
	b.expires = 1700000000ULL + i;
	b.htype = 1;
	b.hlen = 6;
	memcpy(b.hw, mac, 6);
	dhcp_key_from_hw(&b.key, 1, mac, 6);
	snprintf(b.name, sizeof(b.name), "host%u", i);
	return b;
}

/* What a journal gives back on open. */
static struct dhcp_binding got[4096];
static unsigned ngot;

static void collect(void *ctx, const struct dhcp_binding *b)
{
	assert_true(ngot < 4096);
	got[ngot++] = *b;
}

static struct leases *reopen(void)
{
	struct leases *s;

	ngot = 0;
	assert_int_equal(leases_open(path, 16, collect, NULL, &s), 0);
	return s;
}

static off_t file_size(void)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* n records 0..n-1, committed one by one. */
static void write_n(unsigned n)
{
	struct leases *s;
	unsigned i;

	unlink(path);
	s = reopen();
	for (i = 0; i < n; i++) {
		struct dhcp_binding b = mk(i);

		assert_int_equal(leases_append(s, &b), 0);
		assert_int_equal(leases_commit(s), 0);
	}
	leases_close(s);
	assert_int_equal(file_size(), LEASES_HDR_LEN + n * LEASES_REC_LEN);
}

static void flip(off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static off_t rec_off(unsigned i)
{
	return LEASES_HDR_LEN + (off_t)i * LEASES_REC_LEN;
}

static void codec(void **state)
{
	uint8_t rec[LEASES_REC_LEN];
	struct dhcp_binding a = mk(7), b;
	size_t i;

	leases_encode(rec, &a);
	assert_int_equal(leases_decode(rec, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Any one byte changed is caught. */
	for (i = 0; i < LEASES_REC_LEN; i++) {
		rec[i] ^= 1;
		assert_int_equal(leases_decode(rec, &b), -EBADMSG);
		rec[i] ^= 1;
	}
	/* A well-checksummed record with a field out of range is too. */
	a.state = DHCP_NSTATES;
	leases_encode(rec, &a);
	assert_int_equal(leases_decode(rec, &b), -EBADMSG);
}

static void create_and_read_back(void **state)
{
	struct leases *s;
	unsigned i;

	unlink(path);
	s = reopen();
	assert_int_equal(ngot, 0);
	assert_int_equal(file_size(), LEASES_HDR_LEN);
	leases_close(s);
	write_n(20);
	s = reopen();
	assert_int_equal(ngot, 20);
	for (i = 0; i < 20; i++) {
		struct dhcp_binding b = mk(i);

		assert_memory_equal(&got[i], &b, sizeof(b));
	}
	assert_int_equal(leases_records(s), 20);
	assert_int_equal(leases_stats(s)->loaded, 20);
	assert_int_equal(leases_stats(s)->torn_dropped, 0);
	leases_close(s);
}

/* A power cut in the middle of a record: the partial record goes, the
 * file keeps everything before it, and appends continue from there. */
static void torn_partial_record(void **state)
{
	struct dhcp_binding b = mk(99);
	struct leases *s;

	write_n(5);
	assert_int_equal(truncate(path, rec_off(5) - 50), 0);
	s = reopen();
	assert_int_equal(ngot, 4);
	assert_int_equal(leases_stats(s)->torn_dropped, 1);
	assert_int_equal(file_size(), rec_off(4));
	assert_int_equal(leases_append(s, &b), 0);
	assert_int_equal(leases_commit(s), 0);
	leases_close(s);
	s = reopen();
	assert_int_equal(ngot, 5);
	assert_int_equal(got[4].addr, b.addr);
	assert_int_equal(leases_stats(s)->torn_dropped, 0);
	leases_close(s);
}

/* A whole last record that did not reach the disk intact. */
static void torn_bad_checksum(void **state)
{
	struct leases *s;

	write_n(5);
	flip(rec_off(4) + 30);
	s = reopen();
	assert_int_equal(ngot, 4);
	assert_int_equal(leases_stats(s)->torn_dropped, 1);
	assert_int_equal(leases_stats(s)->corrupt_skipped, 0);
	assert_int_equal(file_size(), rec_off(4));
	leases_close(s);

	/* A batch torn after its first records: all bad ones at the tail go,
	 * with the partial one after them. */
	write_n(8);
	flip(rec_off(5) + 1);
	flip(rec_off(6) + 100);
	flip(rec_off(7) + 170);
	assert_int_equal(truncate(path, rec_off(8) - 3), 0);
	s = reopen();
	assert_int_equal(ngot, 5);
	assert_int_equal(leases_stats(s)->torn_dropped, 3);
	assert_int_equal(file_size(), rec_off(5));
	leases_close(s);
}

/* A bad record with good ones after it is not a crash: skip it, count it,
 * keep the rest and the file as it is. */
static void corrupt_middle(void **state)
{
	struct leases *s;
	unsigned i;

	write_n(6);
	flip(rec_off(2) + 10);
	memset(got, 0, sizeof(got));
	s = reopen();
	assert_int_equal(ngot, 5);
	assert_int_equal(leases_stats(s)->corrupt_skipped, 1);
	assert_int_equal(leases_stats(s)->torn_dropped, 0);
	assert_int_equal(file_size(), rec_off(6));
	assert_int_equal(leases_records(s), 6);
	for (i = 0; i < 5; i++)
		assert_int_equal(got[i].addr, 0x0a000000u + (i < 2 ? i : i + 1));
	leases_close(s);
	/* Even when most of the file is garbage, the good records stay. */
	write_n(6);
	for (i = 0; i < 5; i++)
		flip(rec_off(i) + 3);
	s = reopen();
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].addr, 0x0a000005);
	assert_int_equal(leases_stats(s)->corrupt_skipped, 5);
	leases_close(s);
}

/* Cut inside the header, or emptied: nothing to keep, a fresh header. */
static void truncated_file(void **state)
{
	struct leases *s;

	write_n(3);
	assert_int_equal(truncate(path, 7), 0);
	s = reopen();
	assert_int_equal(ngot, 0);
	assert_int_equal(file_size(), LEASES_HDR_LEN);
	leases_close(s);
	assert_int_equal(truncate(path, 0), 0);
	s = reopen();
	assert_int_equal(file_size(), LEASES_HDR_LEN);
	leases_close(s);
	/* Cut to the header alone. */
	write_n(3);
	assert_int_equal(truncate(path, LEASES_HDR_LEN), 0);
	s = reopen();
	assert_int_equal(ngot, 0);
	leases_close(s);
}

static void not_a_journal(void **state)
{
	struct leases *s = NULL;
	const char *text = "lease 10.0.0.5 { starts 4 2024/01/01 00:00:00; }\n";
	FILE *f;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(leases_open(path, 16, collect, NULL, &s), -EPROTO);
	assert_int_equal(file_size(), strlen(text));
	unlink(path);
}

static unsigned fed;
static uint32_t fed_addr[64];

static void feed(void *ctx, const struct dhcp_binding *b)
{
	fed_addr[fed++] = b->addr;
}

/* Nothing is on disk or fed before the commit; the commit writes the
 * whole batch and feeds it in order. */
static void batch_commit(void **state)
{
	struct leases *s;
	unsigned i;

	unlink(path);
	s = reopen();
	leases_set_feed(s, feed, NULL);
	fed = 0;
	for (i = 0; i < 16; i++) {
		struct dhcp_binding b = mk(i);

		assert_int_equal(leases_append(s, &b), 0);
	}
	{
		struct dhcp_binding b = mk(16);

		assert_int_equal(leases_append(s, &b), -ENOBUFS);
	}
	assert_int_equal(leases_pending(s), 16);
	assert_int_equal(fed, 0);
	assert_int_equal(file_size(), LEASES_HDR_LEN);
	assert_int_equal(leases_commit(s), 0);
	assert_int_equal(file_size(), rec_off(16));
	assert_int_equal(fed, 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(fed_addr[i], 0x0a000000u + i);
	assert_int_equal(leases_pending(s), 0);
	assert_int_equal(leases_stats(s)->commits, 1);
	/* An empty commit writes nothing. */
	assert_int_equal(leases_commit(s), 0);
	assert_int_equal(leases_stats(s)->commits, 1);
	leases_close(s);
}

/* The disk refuses the batch (here: the file size limit): the commit
 * fails, nothing is fed, the file is as before, and the next batch goes
 * through. */
static void failing_commit(void **state)
{
	struct rlimit old, lim;
	struct leases *s;
	unsigned i;

	write_n(2);
	s = reopen();
	leases_set_feed(s, feed, NULL);
	fed = 0;
	for (i = 10; i < 13; i++) {
		struct dhcp_binding b = mk(i);

		leases_append(s, &b);
	}
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)rec_off(3);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(leases_commit(s), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(fed, 0);
	assert_int_equal(leases_pending(s), 0);
	assert_int_equal(leases_stats(s)->commit_failures, 1);
	assert_int_equal(file_size(), rec_off(2));
	{
		struct dhcp_binding b = mk(20);

		leases_append(s, &b);
	}
	assert_int_equal(leases_commit(s), 0);
	assert_int_equal(fed, 1);
	leases_close(s);
	s = reopen();
	assert_int_equal(ngot, 3);
	assert_int_equal(got[2].addr, 0x0a000014);
	leases_close(s);
}

static unsigned next_i;

static bool live_ten(void *ctx, struct dhcp_binding *out)
{
	if (next_i >= 10)
		return false;
	*out = mk(next_i++);
	out->expires += 5000;		/* the latest version of each */
	return true;
}

static void rewrite_round_trip(void **state)
{
	struct leases *s;
	unsigned i;

	unlink(path);
	s = reopen();
	/* 2003 changes to 10 addresses, the last three not yet committed. */
	for (i = 0; i < 2003; i++) {
		struct dhcp_binding b = mk(i % 10);

		b.expires += i;
		leases_append(s, &b);
		if (i % 16 == 15)
			assert_int_equal(leases_commit(s), 0);
	}
	assert_true(leases_pending(s) > 0);
	next_i = 0;
	assert_int_equal(leases_rewrite(s, live_ten, NULL), -EBUSY);
	assert_int_equal(leases_commit(s), 0);
	assert_true(leases_need_rewrite(s, 10));
	assert_false(leases_need_rewrite(s, 1000));
	assert_int_equal(leases_rewrite(s, live_ten, NULL), 0);
	assert_int_equal(file_size(), rec_off(10));
	assert_int_equal(leases_records(s), 10);
	assert_false(leases_need_rewrite(s, 10));
	/* Appends go to the new file. */
	{
		struct dhcp_binding b = mk(42);

		leases_append(s, &b);
		assert_int_equal(leases_commit(s), 0);
	}
	leases_close(s);
	s = reopen();
	assert_int_equal(ngot, 11);
	for (i = 0; i < 10; i++) {
		struct dhcp_binding b = mk(i);

		b.expires += 5000;
		assert_memory_equal(&got[i], &b, sizeof(b));
	}
	assert_int_equal(got[10].addr, 0x0a00002a);
	leases_close(s);
}

static void in_memory(void **state)
{
	struct leases *s;
	struct dhcp_binding b = mk(1);

	assert_int_equal(leases_open(NULL, 4, collect, NULL, &s), 0);
	leases_set_feed(s, feed, NULL);
	fed = 0;
	leases_append(s, &b);
	assert_int_equal(fed, 0);
	assert_int_equal(leases_commit(s), 0);
	assert_int_equal(fed, 1);
	next_i = 0;
	assert_int_equal(leases_rewrite(s, live_ten, NULL), 0);
	assert_int_equal(leases_records(s), 10);
	leases_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec),
		cmocka_unit_test(create_and_read_back),
		cmocka_unit_test(torn_partial_record),
		cmocka_unit_test(torn_bad_checksum),
		cmocka_unit_test(corrupt_middle),
		cmocka_unit_test(truncated_file),
		cmocka_unit_test(not_a_journal),
		cmocka_unit_test(batch_commit),
		cmocka_unit_test(failing_commit),
		cmocka_unit_test(rewrite_round_trip),
		cmocka_unit_test(in_memory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
