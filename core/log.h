/* Logging to stderr or syslog (journald reads both), with levels. */
#ifndef MG_CORE_LOG_H
#define MG_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_NOTICE, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_target { LOG_TO_STDERR = 0, LOG_TO_SYSLOG };

void log_setup(enum log_target target, enum log_level level, const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_level_parse(const char *s, enum log_level *out);  /* 0 or -EINVAL */
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Rate limit for network-triggered messages: at most `burst` per `interval_ns`,
 * then one "N suppressed" summary when the window reopens. */
struct log_ratelimit {
	uint64_t interval_ns;
	uint32_t burst;
	uint64_t window_start;
	uint32_t printed;
	uint32_t suppressed;
};
#define LOG_RATELIMIT_INIT(interval_ns_, burst_) { (interval_ns_), (burst_), 0, 0, 0 }
bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ns);

/* Broken invariant: log and abort. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
