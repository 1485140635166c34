/* Hooks for the engine's tests, not an API: they read and bend state the
 * public calls cannot reach without hours of traffic. */
#ifndef MG_VPN_ENGINE_TEST_H
#define MG_VPN_ENGINE_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "vpn/device.h"

enum wg_test_slot {
	WG_TEST_CURRENT,
	WG_TEST_PREVIOUS,
	WG_TEST_NEXT,
};

/* The keypair in a slot: false if empty, else its local index and whether
 * it may send. */
bool wg_test_keypair(const struct wg_peer *p, enum wg_test_slot s, uint32_t *local_index,
		     bool *can_send);
/* Sets the next counter the current keypair sends with (REKEY_AFTER_MESSAGES
 * and REJECT_AFTER_MESSAGES tests). -ENOKEY without a current keypair. */
int wg_test_set_sending_counter(struct wg_peer *p, uint64_t counter);
/* When the engine thinks timer t is due (0: not armed). */
uint64_t wg_test_timer_at(const struct wg_peer *p, enum wg_timer t);
unsigned int wg_test_handshake_attempts(const struct wg_peer *p);
/* Local indices in use on the device (handshakes and keypairs). */
size_t wg_test_index_count(const struct wg_device *d);

#endif
