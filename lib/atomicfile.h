/* Whole files written so that a crash leaves the old contents or the new,
 * never a mix: the bytes go to a temporary ".NAME.XXXXXX" in the same
 * directory, which is synced, then renamed (or linked, when an existing
 * file must not be replaced) over NAME, and the directory is synced. At
 * worst a stray temporary is left beside it. Also the bounded reading of
 * such a file back. */
#ifndef MG_LIB_ATOMICFILE_H
#define MG_LIB_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#define ATOMICFILE_REPLACE 1u        /* replace an existing file instead of -EEXIST */

/* Writes len bytes with the given mode (the umask does not apply). 0 or
 * -errno: -EEXIST (exists, ATOMICFILE_REPLACE not given), -EINVAL (no
 * file name), or what the file system said. */
int atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode,
                     unsigned flags);

/* Reads a whole regular file of at most cap bytes into buf. 0 or -errno:
 * -EFBIG (longer than cap), -EINVAL (not a regular file), -ENOENT... A
 * FIFO put in its place does not hang the caller. */
int atomicfile_read(const char *path, void *buf, size_t cap, size_t *len);

/* Syncs a directory, so that a name just created or removed in it lasts. */
int atomicfile_sync_dir(const char *dir);

#endif
