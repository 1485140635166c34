/* Pack and unpack WireGuard messages through the bounded cursor. */
#include "config.h"

#include <errno.h>

#include "lib/cursor.h"
#include "vpn/messages.h"

/* Type byte and three reserved bytes: one little-endian word on the wire. */
static int read_header(struct rcur *c, enum wg_message_type type)
{
	return rcur_le32(c) == (uint32_t)type ? 0 : -EINVAL;
}

int wg_message_type(const uint8_t *buf, size_t len)
{
	struct rcur c = rcur_init(buf, len);
	uint32_t h = rcur_le32(&c);

	if (c.err || h < WG_MSG_INITIATION || h > WG_MSG_DATA)
		return -EINVAL;
	return (int)h;
}

int wg_initiation_unpack(struct wg_initiation *m, const uint8_t *buf, size_t len)
{
	struct rcur c = rcur_init(buf, len);

	if (len != WG_INITIATION_LEN || read_header(&c, WG_MSG_INITIATION))
		return -EINVAL;
	m->sender_index = rcur_le32(&c);
	rcur_bytes(&c, m->ephemeral, sizeof(m->ephemeral));
	rcur_bytes(&c, m->encrypted_static, sizeof(m->encrypted_static));
	rcur_bytes(&c, m->encrypted_timestamp, sizeof(m->encrypted_timestamp));
	rcur_bytes(&c, m->mac1, sizeof(m->mac1));
	rcur_bytes(&c, m->mac2, sizeof(m->mac2));
	return c.err || rcur_left(&c) ? -EINVAL : 0;
}

int wg_response_unpack(struct wg_response *m, const uint8_t *buf, size_t len)
{
	struct rcur c = rcur_init(buf, len);

	if (len != WG_RESPONSE_LEN || read_header(&c, WG_MSG_RESPONSE))
		return -EINVAL;
	m->sender_index = rcur_le32(&c);
	m->receiver_index = rcur_le32(&c);
	rcur_bytes(&c, m->ephemeral, sizeof(m->ephemeral));
	rcur_bytes(&c, m->encrypted_nothing, sizeof(m->encrypted_nothing));
	rcur_bytes(&c, m->mac1, sizeof(m->mac1));
	rcur_bytes(&c, m->mac2, sizeof(m->mac2));
	return c.err || rcur_left(&c) ? -EINVAL : 0;
}

int wg_cookie_reply_unpack(struct wg_cookie_reply *m, const uint8_t *buf, size_t len)
{
	struct rcur c = rcur_init(buf, len);

	if (len != WG_COOKIE_REPLY_LEN || read_header(&c, WG_MSG_COOKIE_REPLY))
		return -EINVAL;
	m->receiver_index = rcur_le32(&c);
	rcur_bytes(&c, m->nonce, sizeof(m->nonce));
	rcur_bytes(&c, m->encrypted_cookie, sizeof(m->encrypted_cookie));
	return c.err || rcur_left(&c) ? -EINVAL : 0;
}

int wg_data_unpack(struct wg_data *m, const uint8_t *buf, size_t len)
{
	struct rcur c = rcur_init(buf, len);

	if (len < WG_DATA_MIN_LEN || read_header(&c, WG_MSG_DATA))
		return -EINVAL;
	m->receiver_index = rcur_le32(&c);
	m->counter = rcur_le64(&c);
	m->ciphertext_len = rcur_left(&c);
	m->ciphertext = rcur_take(&c, m->ciphertext_len);
	return c.err ? -EINVAL : 0;
}

int wg_initiation_pack(const struct wg_initiation *m, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);

	if (cap < WG_INITIATION_LEN)
		return -ENOSPC;
	wcur_le32(&w, WG_MSG_INITIATION);
	wcur_le32(&w, m->sender_index);
	wcur_bytes(&w, m->ephemeral, sizeof(m->ephemeral));
	wcur_bytes(&w, m->encrypted_static, sizeof(m->encrypted_static));
	wcur_bytes(&w, m->encrypted_timestamp, sizeof(m->encrypted_timestamp));
	wcur_bytes(&w, m->mac1, sizeof(m->mac1));
	wcur_bytes(&w, m->mac2, sizeof(m->mac2));
	return w.err ? -ENOSPC : 0;
}

int wg_response_pack(const struct wg_response *m, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);

	if (cap < WG_RESPONSE_LEN)
		return -ENOSPC;
	wcur_le32(&w, WG_MSG_RESPONSE);
	wcur_le32(&w, m->sender_index);
	wcur_le32(&w, m->receiver_index);
	wcur_bytes(&w, m->ephemeral, sizeof(m->ephemeral));
	wcur_bytes(&w, m->encrypted_nothing, sizeof(m->encrypted_nothing));
	wcur_bytes(&w, m->mac1, sizeof(m->mac1));
	wcur_bytes(&w, m->mac2, sizeof(m->mac2));
	return w.err ? -ENOSPC : 0;
}

int wg_cookie_reply_pack(const struct wg_cookie_reply *m, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);

	if (cap < WG_COOKIE_REPLY_LEN)
		return -ENOSPC;
	wcur_le32(&w, WG_MSG_COOKIE_REPLY);
	wcur_le32(&w, m->receiver_index);
	wcur_bytes(&w, m->nonce, sizeof(m->nonce));
	wcur_bytes(&w, m->encrypted_cookie, sizeof(m->encrypted_cookie));
	return w.err ? -ENOSPC : 0;
}

int wg_data_header_pack(uint32_t receiver_index, uint64_t counter, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);

	if (cap < WG_DATA_HEADER_LEN)
		return -ENOSPC;
	wcur_le32(&w, WG_MSG_DATA);
	wcur_le32(&w, receiver_index);
	wcur_le64(&w, counter);
	return w.err ? -ENOSPC : 0;
}
