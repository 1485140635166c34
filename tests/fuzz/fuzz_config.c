/* Config parser fuzz target. Beyond "no crash": whatever parses cleanly must
 * print to text that parses back to the same print (the golden-test property). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const struct mg_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	cfg_print(&conf_schema, c, f);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mg_conf a, b;
	char *text, *p1, *p2;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (conf_parse_string(&a, "fuzz", text, NULL, NULL) == 0) {
		p1 = print(&a);
		if (conf_parse_string(&b, "printed", p1, NULL, NULL) != 0)
			abort();
		p2 = print(&b);
		if (strcmp(p1, p2) != 0)
			abort();
		free(p1);
		free(p2);
	}
	free(text);
	return 0;
}
