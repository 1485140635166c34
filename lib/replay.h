/* Anti-replay window for WireGuard's 64-bit transport counters (RFC 6479's
 * ring of bitmap words, with the kernel's sizes).
 *
 * The ring holds REPLAY_BITS_TOTAL bits; one word of it is always being
 * recycled, so a counter up to REPLAY_WINDOW below the highest one accepted
 * is still judged exactly (8128 on 64-bit hosts, like Linux and wireguard-go;
 * 8160 where unsigned long has 32 bits, like Linux there). Older ones are
 * refused. No allocation; a big jump clears at most the whole ring once.
 *
 * Call it only after the packet authenticated, or a forged counter moves the
 * window. Not thread-safe: one window per keypair, under the caller's lock. */
#ifndef MG_LIB_REPLAY_H
#define MG_LIB_REPLAY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WORD_BITS (sizeof(unsigned long) * CHAR_BIT)
#define REPLAY_BITS_TOTAL 8192
#define REPLAY_WORDS (REPLAY_BITS_TOTAL / REPLAY_WORD_BITS)
#define REPLAY_WINDOW (REPLAY_BITS_TOTAL - REPLAY_WORD_BITS)

/* WireGuard's REJECT_AFTER_MESSAGES, 2^64 - 2^13 - 1: counters from here on
 * are never accepted (the sender must rekey long before). */
#define REPLAY_REJECT_AFTER_MESSAGES (UINT64_MAX - (UINT64_C(1) << 13))

struct replay_window {
	uint64_t top;                       /* highest accepted + 1; 0: none yet */
	unsigned long ring[REPLAY_WORDS];
};

void replay_init(struct replay_window *w);
/* True, and the counter is marked seen, if counter is below limit (normally
 * REPLAY_REJECT_AFTER_MESSAGES), was not seen before and is not too old. */
bool replay_check_and_update(struct replay_window *w, uint64_t counter, uint64_t limit);

#endif
