#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "core/log.h"

static enum log_target log_target = LOG_TO_STDERR;
static enum log_level log_level = LOG_LVL_INFO;
static const char *log_ident = "meshgated";

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "err", [LOG_LVL_WARN] = "warn", [LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
};

static const int syslog_prio[] = {
	[LOG_LVL_ERR] = LOG_ERR, [LOG_LVL_WARN] = LOG_WARNING, [LOG_LVL_NOTICE] = LOG_NOTICE,
	[LOG_LVL_INFO] = LOG_INFO, [LOG_LVL_DEBUG] = LOG_DEBUG,
};

void log_setup(enum log_target target, enum log_level level, const char *ident)
{
	if (log_target == LOG_TO_SYSLOG && target != LOG_TO_SYSLOG)
		closelog();
	log_target = target;
	log_level = level;
	if (ident)
		log_ident = ident;
	if (target == LOG_TO_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	if (log_target == LOG_TO_SYSLOG) {
		vsyslog(syslog_prio[level], fmt, ap);
		return;
	}
	/* One write per line: fprintf pieces can interleave with other writers.
	 * Under systemd the sd-daemon "<N>" prefix lets journald keep priorities. */
	char line[1024];
	int n;

	if (getenv("JOURNAL_STREAM"))
		n = snprintf(line, sizeof(line), "<%d>", syslog_prio[level]);
	else
		n = snprintf(line, sizeof(line), "%s: %s: ", log_ident, level_names[level]);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ns)
{
	if (rl->window_start == 0 || now_ns - rl->window_start >= rl->interval_ns) {
		if (rl->suppressed)
			log_msg(LOG_LVL_NOTICE, "%u similar messages suppressed", rl->suppressed);
		rl->window_start = now_ns ? now_ns : 1;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	abort();
}
