/* libFuzzer target for the control request parser: whatever a local client
 * sends, it returns a verdict and words that are printable and in bounds. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[CONTROL_MAX_REQUEST + 2];
	char *argv[CONTROL_MAX_ARGS];
	const char *why = NULL;
	int json, argc;

	/* The server never passes more than its buffer. */
	if (size > CONTROL_MAX_REQUEST + 1)
		return 0;
	argc = control_parse_request((const char *)data, size, buf, argv, CONTROL_MAX_ARGS,
	                             &json, &why);
	if (argc < 0) {
		if (!why)
			abort();
		return 0;
	}
	if (argc < 1 || argc > CONTROL_MAX_ARGS || strcmp(argv[0], "--json") == 0)
		abort();
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (n == 0 || argv[i] < buf || argv[i] + n >= buf + sizeof(buf))
			abort();
		for (size_t k = 0; k < n; k++)
			if (argv[i][k] <= ' ' || argv[i][k] > '~')
				abort();
		if (i > 0 && strcmp(argv[i], "--json") == 0)
			abort();
	}
	return 0;
}
