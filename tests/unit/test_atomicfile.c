/* lib/atomicfile: whole-file writes that replace or refuse to, the mode
 * asked for whatever the umask, no temporary left behind on success or
 * failure, and bounded reads that refuse what is not a regular file. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/atomicfile.h"

static char dir[256], path[300];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_atomicfile.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/state", dir);
	return 0;
}

static int teardown(void **state)
{
	struct dirent *e;
	char p[600];
	DIR *d = opendir(dir);

	(void)state;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

/* Entries in the directory other than . and .. */
static int entries(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_read(void **state)
{
	char buf[64];
	struct stat st;
	size_t len = 0;
	mode_t old = umask(0077);

	(void)state;
	assert_int_equal(atomicfile_write(path, "hello", 5, 0644, 0), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(atomicfile_read(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(entries(), 1);
}

static void test_replace_or_refuse(void **state)
{
	char buf[64];
	size_t len = 0;

	(void)state;
	assert_int_equal(atomicfile_write(path, "old", 3, 0600, 0), 0);
	assert_int_equal(atomicfile_write(path, "new", 3, 0600, 0), -EEXIST);
	assert_int_equal(atomicfile_read(path, buf, sizeof(buf), &len), 0);
	assert_memory_equal(buf, "old", 3);
	assert_int_equal(entries(), 1);          /* the refused temporary is gone */

	assert_int_equal(atomicfile_write(path, "newer", 5, 0600, ATOMICFILE_REPLACE), 0);
	assert_int_equal(atomicfile_read(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "newer", 5);
	assert_int_equal(entries(), 1);
}

static void test_empty_file(void **state)
{
	char buf[4];
	size_t len = 99;

	(void)state;
	assert_int_equal(atomicfile_write(path, "", 0, 0600, 0), 0);
	assert_int_equal(atomicfile_read(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
}

static void test_read_bounds(void **state)
{
	char buf[8];
	size_t len = 0;

	(void)state;
	assert_int_equal(atomicfile_write(path, "12345678", 8, 0600, 0), 0);
	assert_int_equal(atomicfile_read(path, buf, 8, &len), 0);     /* exactly cap */
	assert_int_equal(len, 8);
	assert_int_equal(atomicfile_read(path, buf, 7, &len), -EFBIG);
	assert_int_equal(atomicfile_read(dir, buf, sizeof(buf), &len), -EINVAL);
	unlink(path);
	assert_int_equal(atomicfile_read(path, buf, sizeof(buf), &len), -ENOENT);
}

static void test_bad_names(void **state)
{
	char p[400];

	(void)state;
	snprintf(p, sizeof(p), "%s/", dir);
	assert_int_equal(atomicfile_write(p, "x", 1, 0600, 0), -EINVAL);
	snprintf(p, sizeof(p), "%s/missing/state", dir);
	assert_int_equal(atomicfile_write(p, "x", 1, 0600, 0), -ENOENT);
	assert_int_equal(entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_or_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
