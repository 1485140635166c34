/* A peer's sessions: the current keypair (sends and receives), the previous
 * one (receives what was in flight when it was replaced) and the next one (a
 * responder's new session, unused for sending until the initiator proves it
 * has it by sending data with it). The rotation rules are the kernel's
 * (noise.c, add_new_keypair and received_with_keypair). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "vpn/engine.h"

struct wg_keypair *wg_keypair_slot(struct wg_peer *p)
{
	struct wg_keypair *kp;
	int i;

	for (i = 0; i < WG_KEYPAIR_SLOTS; i++) {
		kp = &p->slots[i];
		if (!kp->in_use) {
			kp->in_use = true;
			replay_init(&kp->replay);
			return kp;
		}
	}
	return NULL;
}

void wg_keypair_drop(struct wg_peer *p, struct wg_keypair *kp)
{
	if (!kp)
		return;
	wg_index_remove(&p->dev->index, &kp->entry);
	noise_keypair_clear(&kp->noise);
	replay_init(&kp->replay);
	kp->in_use = false;
}

void wg_keypair_install(struct wg_peer *p, struct wg_keypair *kp)
{
	struct wg_keypair *old_previous = p->previous;

	if (kp->noise.is_initiator) {
		/* The response proved the peer has it: usable at once. */
		if (p->next) {
			/* An unconfirmed next one becomes the previous, so
			 * what the peer sends with it still arrives. */
			p->previous = p->next;
			p->next = NULL;
			wg_keypair_drop(p, p->current);
		} else {
			p->previous = p->current;
		}
		wg_keypair_drop(p, old_previous);
		p->current = kp;
	} else {
		/* Responder: wait for the initiator's first data message. */
		wg_keypair_drop(p, p->next);
		p->next = kp;
		wg_keypair_drop(p, old_previous);
		p->previous = NULL;
	}
}

bool wg_keypair_confirm(struct wg_peer *p, struct wg_keypair *kp)
{
	if (!kp || kp != p->next)
		return false;
	wg_keypair_drop(p, p->previous);
	p->previous = p->current;
	p->current = kp;
	p->next = NULL;
	return true;
}

void wg_keypairs_clear(struct wg_peer *p)
{
	wg_keypair_drop(p, p->previous);
	wg_keypair_drop(p, p->current);
	wg_keypair_drop(p, p->next);
	p->previous = p->current = p->next = NULL;
}

void wg_peer_clear_handshake(struct wg_peer *p)
{
	wg_index_remove(&p->dev->index, &p->hs_entry);
	noise_handshake_clear(&p->hs);
}

void wg_keypairs_expire(struct wg_peer *p)
{
	wg_peer_clear_handshake(p);
	p->has_sent_handshake = false;
	if (p->next)
		p->next->noise.sending.is_valid = false;
	if (p->current)
		p->current->noise.sending.is_valid = false;
}

int wg_peer_begin_session(struct wg_peer *p, uint64_t now)
{
	struct wg_keypair *kp;
	int ret;

	if (!p->hs_entry.linked)
		return -ENOENT;
	kp = wg_keypair_slot(p);
	if (!kp)
		return -ENOSPC;	/* cannot happen: three slots at most are filed */
	ret = noise_begin_session(&p->hs, now, &kp->noise);
	if (ret) {
		kp->in_use = false;
		return ret;
	}
	/* The handshake's index now names the keypair. */
	wg_index_replace(&p->dev->index, &p->hs_entry, &kp->entry);
	wg_keypair_install(p, kp);
	return 0;
}
