#include "config.h"

#include <errno.h>

#include "vpn/engine.h"
#include "vpn/engine_test.h"

bool wg_test_keypair(const struct wg_peer *p, enum wg_test_slot s, uint32_t *local_index,
		     bool *can_send)
{
	const struct wg_keypair *kp = s == WG_TEST_CURRENT ? p->current :
				      s == WG_TEST_PREVIOUS ? p->previous : p->next;

	if (!kp)
		return false;
	if (local_index)
		*local_index = kp->noise.local_index;
	if (can_send)
		*can_send = kp->noise.sending.is_valid;
	return true;
}

int wg_test_set_sending_counter(struct wg_peer *p, uint64_t counter)
{
	if (!p->current)
		return -ENOKEY;
	p->current->noise.sending_counter = counter;
	return 0;
}

uint64_t wg_test_timer_at(const struct wg_peer *p, enum wg_timer t)
{
	return p->timer_at[t];
}

unsigned int wg_test_handshake_attempts(const struct wg_peer *p)
{
	return p->handshake_attempts;
}

size_t wg_test_index_count(const struct wg_device *d)
{
	return d->index.count;
}
