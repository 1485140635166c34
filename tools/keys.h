/* meshgate genkey / pubkey / genpsk: WireGuard keys in base64, as wg(8) makes
 * and reads them, so keys move freely between meshgate and wg-quick. */
#ifndef MG_TOOLS_KEYS_H
#define MG_TOOLS_KEYS_H

#include <stdio.h>

int keys_genkey(FILE *out);
int keys_genpsk(FILE *out);
/* Reads a private key (one base64 line) from in, writes its public key. */
int keys_pubkey(FILE *in, FILE *out);

#endif
