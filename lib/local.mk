# lib/: leaf helpers with no daemon knowledge.
noinst_LIBRARIES += lib/libmglib.a
lib_libmglib_a_SOURCES = \
	lib/addr.c lib/addr.h lib/cursor.h lib/base64.c lib/base64.h \
	lib/atomicfile.c lib/atomicfile.h
