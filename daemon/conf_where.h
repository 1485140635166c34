/* Where a key was written, for the errors of checks that span keys:
 * core/cfg keeps no line numbers, so the files are read again, and only
 * when there is an error to report. */
#ifndef MG_DAEMON_CONF_WHERE_H
#define MG_DAEMON_CONF_WHERE_H

#include <stdbool.h>
#include <stdint.h>

struct conf_where {
	const char *file;            /* the main file; its conf.d/ is read after it */
	const char *text;            /* parsing a string: no files */
	const char *item;            /* NULL, or the text the key's line must hold (one
	                              * rule of a key written on several lines) */
	char found[4096 + 256];      /* the conf.d file *file names */
};

/* The line of key in the nth [section] (repeatable sections are counted
 * across the main file, then conf.d in name order), or the section
 * header's when the key is absent. A section that is not repeatable may
 * be set again in conf.d: the last file that sets the key is the one in
 * force. *file names the file; 0 when nothing was found. */
unsigned conf_where_line(struct conf_where *w, const char *section, bool repeatable,
			 uint32_t nth, const char *key, const char **file);

#endif
