# core/: runtime that knows no protocol. The event loop is its own library so
# tests can link tests/fake/libfakeloop.a in its place.
noinst_LIBRARIES += core/libcore.a
core_libcore_a_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS)
core_libcore_a_SOURCES = \
	core/log.c core/log.h
core_libcore_a_SOURCES += \
	core/cfg.c core/cfg_value.c core/cfg.h \
	core/pidfile.c core/pidfile.h \
	core/sdnotify.c core/sdnotify.h \
	core/loop.h core/log.h
