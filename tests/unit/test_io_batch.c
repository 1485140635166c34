/* The data plane's batching without sockets: how datagrams group into
 * UDP_SEGMENT runs, how a UDP_GRO buffer splits, and the load meter. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "vpn/io_batch.h"

#define SEC 1000000000ULL

static uint8_t arena[256 * 1024];
static struct io_txq_run runs[8];
static uint8_t pkt[IO_GSO_MAX_BYTES + 1];

static struct wg_endpoint ep4(const char *addr, uint16_t port)
{
	struct wg_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr.in4.sin_family = AF_INET;
	e.addr.in4.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &e.addr.in4.sin_addr), 1);
	return e;
}

static struct wg_endpoint ep6(const char *addr, uint16_t port)
{
	struct wg_endpoint e;

	memset(&e, 0, sizeof(e));
	e.addr.in6.sin6_family = AF_INET6;
	e.addr.in6.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, addr, &e.addr.in6.sin6_addr), 1);
	return e;
}

static void fill(size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)(tag + i);
}

static int setup(void **state)
{
	struct io_txq *q = calloc(1, sizeof(*q));

	io_txq_init(q, arena, sizeof(arena), runs, 8, IO_GSO_MAX_SEGS);
	*state = q;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void same_size_datagrams_make_one_run(void **state)
{
	struct io_txq *q = *state;
	struct wg_endpoint e = ep4("192.0.2.1", 51820);
	size_t i;

	for (i = 0; i < 3; i++) {
		fill(1452, (uint8_t)i);
		assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	}
	fill(100, 7);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 100), 0);
	assert_int_equal(q->nruns, 1);
	assert_int_equal(runs[0].n, 4);
	assert_int_equal(runs[0].seg, 1452);
	assert_int_equal(runs[0].len, 3 * 1452 + 100);
	assert_int_equal(runs[0].off, 0);
	assert_true(runs[0].closed);
	/* back to back, in order */
	for (i = 0; i < 3; i++)
		assert_int_equal(arena[i * 1452 + 5], (uint8_t)(i + 5));
	assert_int_equal(arena[3 * 1452 + 5], 12);

	/* a short one closed the run: the next starts another */
	fill(1452, 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	assert_int_equal(q->nruns, 2);
	assert_int_equal(runs[1].off, 3 * 1452 + 100);
	assert_int_equal(q->used, 4 * 1452 + 100);
}

static void longer_datagram_starts_a_run(void **state)
{
	struct io_txq *q = *state;
	struct wg_endpoint e = ep4("192.0.2.1", 51820);

	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 148), 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	assert_int_equal(q->nruns, 2);
	assert_int_equal(runs[0].n, 1);
	assert_false(runs[0].closed);
	assert_int_equal(runs[1].seg, 1452);
}

static void other_destination_starts_a_run(void **state)
{
	struct io_txq *q = *state;
	struct wg_endpoint a = ep4("192.0.2.1", 51820), b = ep4("192.0.2.1", 51821);
	struct wg_endpoint c = ep6("2001:db8::1", 51820), d = a;
	int peer1, peer2;

	inet_pton(AF_INET, "192.0.2.9", &d.src.v4);
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer1, &a, pkt, 32), 0);
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer1, &b, pkt, 32), 0);  /* port */
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer1, &c, pkt, 32), 0);  /* family */
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer1, &a, pkt, 32), 0);
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer1, &d, pkt, 32), 0);  /* source */
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer2, &d, pkt, 32), 0);  /* peer */
	assert_int_equal(io_txq_add(q, (struct wg_peer *)&peer2, &d, pkt, 32), 0);
	assert_int_equal(q->nruns, 6);
	assert_int_equal(runs[5].n, 2);
	assert_true(io_endpoint_eq(&runs[4].ep, &d));
	assert_false(io_endpoint_eq(&runs[3].ep, &d));
}

static void endpoint_equality(void **state)
{
	struct wg_endpoint a = ep6("fd00::1", 1), b = ep6("fd00::1", 1);

	(void)state;
	assert_true(io_endpoint_eq(&a, &b));
	b.addr.in6.sin6_scope_id = 3;
	assert_false(io_endpoint_eq(&a, &b));
	b = a;
	b.src_ifindex = 2;
	assert_false(io_endpoint_eq(&a, &b));
	b = ep6("fd00::2", 1);
	assert_false(io_endpoint_eq(&a, &b));
}

static void segment_limits(void **state)
{
	struct io_txq *q = *state;
	struct wg_endpoint e = ep4("192.0.2.1", 51820);
	unsigned int i;

	/* 64 datagrams at most per run... */
	for (i = 0; i < IO_GSO_MAX_SEGS + 1; i++)
		assert_int_equal(io_txq_add(q, NULL, &e, pkt, 100), 0);
	assert_int_equal(q->nruns, 2);
	assert_int_equal(runs[0].n, IO_GSO_MAX_SEGS);
	assert_int_equal(runs[1].n, 1);

	/* ...and what one IPv4 datagram may carry */
	io_txq_reset(q);
	for (i = 0; i < 45; i++)
		assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	assert_int_equal(q->nruns, 1);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	assert_int_equal(q->nruns, 2);
	assert_true(runs[0].len <= IO_GSO_MAX_BYTES);
	assert_int_equal(runs[0].n, 45);
}

static void no_segmentation(void **state)
{
	struct io_txq *q = *state;
	struct wg_endpoint e = ep4("192.0.2.1", 51820);

	io_txq_init(q, arena, sizeof(arena), runs, 8, 1);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 100), 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 100), 0);
	assert_int_equal(q->nruns, 2);
}

static void full_queue(void **state)
{
	struct io_txq *q = *state;
	struct wg_endpoint e = ep4("192.0.2.1", 51820);
	unsigned int i;

	/* out of runs */
	for (i = 0; i < 8; i++)
		assert_int_equal(io_txq_add(q, NULL, &e, pkt, 100 + i), 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 200), -ENOBUFS);
	assert_int_equal(q->nruns, 8);
	assert_int_equal(q->used, 8 * 100 + 28);

	/* out of bytes */
	io_txq_init(q, arena, 3000, runs, 8, IO_GSO_MAX_SEGS);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), -ENOBUFS);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 96), 0);
	assert_int_equal(q->used, 3000);
	io_txq_reset(q);
	assert_int_equal(q->used, 0);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 1452), 0);

	/* never fits */
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 3001), -EMSGSIZE);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, 0), -EMSGSIZE);
	io_txq_init(q, arena, sizeof(arena), runs, 8, IO_GSO_MAX_SEGS);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, IO_GSO_MAX_BYTES + 1), -EMSGSIZE);
	assert_int_equal(io_txq_add(q, NULL, &e, pkt, IO_GSO_MAX_BYTES), 0);
}

static void gro_buffer_walk(void **state)
{
	size_t off, len, seen[8], n = 0;

	(void)state;
	for (off = 0; io_rx_next(250, 100, off, &len); off += len)
		seen[n++] = len;
	assert_int_equal(n, 3);
	assert_int_equal(seen[0], 100);
	assert_int_equal(seen[1], 100);
	assert_int_equal(seen[2], 50);

	n = 0;
	for (off = 0; io_rx_next(148, 0, off, &len); off += len)
		seen[n++] = len;
	assert_int_equal(n, 1);
	assert_int_equal(seen[0], 148);

	n = 0;
	for (off = 0; io_rx_next(148, 1452, off, &len); off += len)
		seen[n++] = len;
	assert_int_equal(n, 1);
	assert_int_equal(seen[0], 148);

	n = 0;
	for (off = 0; io_rx_next(300, 100, off, &len); off += len)
		n++;
	assert_int_equal(n, 3);
	assert_false(io_rx_next(0, 100, 0, &len));
}

static void load_meter(void **state)
{
	struct io_load l;
	uint64_t t = 5 * SEC;
	unsigned int i;

	(void)state;
	io_load_init(&l, 10);
	for (i = 0; i < 10; i++)
		io_load_note_handshake(&l, t + i);
	assert_false(io_load_under(&l, t + 10));
	io_load_note_handshake(&l, t + 10);          /* the 11th in a second */
	assert_true(io_load_under(&l, t + 11));
	assert_true(io_load_under(&l, t + 10 + SEC - 1));
	assert_false(io_load_under(&l, t + 10 + SEC));

	/* a new window starts the count again */
	t += 3 * SEC;
	for (i = 0; i < 10; i++)
		io_load_note_handshake(&l, t + i);
	assert_false(io_load_under(&l, t + 10));
	t += SEC;
	for (i = 0; i < 10; i++)
		io_load_note_handshake(&l, t + i);
	assert_false(io_load_under(&l, t + 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(same_size_datagrams_make_one_run, setup, teardown),
		cmocka_unit_test_setup_teardown(longer_datagram_starts_a_run, setup, teardown),
		cmocka_unit_test_setup_teardown(other_destination_starts_a_run, setup, teardown),
		cmocka_unit_test(endpoint_equality),
		cmocka_unit_test_setup_teardown(segment_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(no_segmentation, setup, teardown),
		cmocka_unit_test_setup_teardown(full_queue, setup, teardown),
		cmocka_unit_test(gro_buffer_walk),
		cmocka_unit_test(load_meter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
