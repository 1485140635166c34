/* Shared by the UAPI parser (uapi.c) and formatter (uapi_format.c). */
#ifndef MG_VPN_UAPI_INTERNAL_H
#define MG_VPN_UAPI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/uapi.h"

/* Grows an array by copying, so the old block, which may hold keys, is wiped
 * before it is freed. 0 or -ENOMEM. */
int uapi_grow(void **arr, size_t *cap, size_t need, size_t elem);
bool uapi_key_is_zero(const uint8_t key[UAPI_KEY_LEN]);

#endif
