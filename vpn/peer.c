/* A peer's life: creation, configuration, what `wg show` reads, removal. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vpn/engine.h"

int wg_peer_add(struct wg_device *d, const uint8_t public_key[WG_KEY_LEN], struct wg_peer **out)
{
	struct wg_peer *p;
	int i;

	*out = NULL;
	if (d->local.has_identity &&
	    sodium_memcmp(public_key, d->local.public_key, WG_KEY_LEN) == 0)
		return -EINVAL;
	if (wg_peer_find(d, public_key))
		return -EEXIST;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dev = d;
	noise_handshake_init(&p->hs, &d->local, public_key, NULL);
	cookie_maker_init(&p->cookie, public_key);
	p->hs_entry.kind = WG_INDEX_HANDSHAKE;
	p->hs_entry.peer = p;
	for (i = 0; i < WG_KEYPAIR_SLOTS; i++) {
		p->slots[i].entry.kind = WG_INDEX_KEYPAIR;
		p->slots[i].entry.peer = p;
		p->slots[i].entry.keypair = &p->slots[i];
	}
	wg_device_link_peer(d, p);
	*out = p;
	return 0;
}

void wg_peer_remove(struct wg_peer *p)
{
	struct wg_device *d;

	if (!p)
		return;
	d = p->dev;
	wg_peer_clear_allowed(p);
	wg_timers_stop(p);
	wg_peer_clear_handshake(p);
	wg_keypairs_clear(p);
	wg_staged_purge(p);
	wg_staged_free(p);
	wg_device_unlink_peer(d, p);
	noise_handshake_fini(&p->hs);
	cookie_maker_fini(&p->cookie);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

int wg_peer_set_psk(struct wg_peer *p, const uint8_t psk[WG_KEY_LEN])
{
	noise_handshake_set_psk(&p->hs, psk);
	return 0;
}

void wg_peer_set_endpoint(struct wg_peer *p, const struct wg_endpoint *ep)
{
	if (ep)
		p->endpoint = *ep;
	else
		memset(&p->endpoint, 0, sizeof(p->endpoint));
}

void wg_peer_set_keepalive(struct wg_peer *p, uint16_t seconds, uint64_t now)
{
	bool turned_on = !p->persistent_keepalive && seconds;

	p->persistent_keepalive = seconds;
	if (!seconds)
		wg_timers_persistent_keepalive_off(p);
	if (turned_on)
		wg_send_keepalive(p, now);
}

void wg_peer_set_user(struct wg_peer *p, void *user)
{
	p->user = user;
}

void *wg_peer_user(const struct wg_peer *p)
{
	return p->user;
}

void wg_peer_get_info(const struct wg_peer *p, struct wg_peer_info *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->public_key, p->hs.remote_static, WG_KEY_LEN);
	info->endpoint = p->endpoint;
	info->rx_bytes = p->rx_bytes;
	info->tx_bytes = p->tx_bytes;
	info->last_handshake = p->last_handshake;
	info->persistent_keepalive = p->persistent_keepalive;
	info->has_psk = !sodium_is_zero(p->hs.preshared_key, WG_KEY_LEN);
	memcpy(info->psk, p->hs.preshared_key, WG_KEY_LEN);
	info->has_session = p->current && p->current->noise.sending.is_valid;
	info->staged = wg_staged_count(p);
}
