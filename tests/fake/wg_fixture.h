/* One deterministic scene for the malformed-input tests and the wg_rx fuzz
 * target: node 0 and node 1 of a fake network, peers of each other, with a
 * confirmed session both ways, the network then cut and a second gone by
 * (no timer is due yet), so that whatever is fed to node 1 only changes
 * node 1. The seeds are real datagrams for node 1 in exactly that state;
 * the fuzzer's corpus is made of them. */
#ifndef MG_TESTS_WG_FIXTURE_H
#define MG_TESTS_WG_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tests/fake/fake_wgnet.h"

struct fnet *wg_fixture_new(void);
/* Feeds a copy of buf to node 1, as sent by node 0. */
void wg_fixture_rx(struct fnet *net, const uint8_t *buf, size_t len);

typedef void (*wg_seed_fn)(void *ctx, const char *name, const uint8_t *buf, size_t len);
/* Datagrams of every type for node 1, made by node 0 (or, for the cookie
 * reply, on its behalf) in a fresh fixture: data (IPv4, IPv6, keepalive,
 * not IP), an initiation, a response, a cookie reply. Changes node 0. */
void wg_fixture_seeds(struct fnet *net, wg_seed_fn fn, void *ctx);

#endif
