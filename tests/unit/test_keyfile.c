/* keys/keyfile: secret key files. Format, permissions (refused when group
 * or others have access), no accidental overwrite, and crash safety: a
 * write that fails or dies halfway leaves the old key readable. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "keys/keyfile.h"

static char dir[256], path[300];
static uint8_t key_a[32], key_b[32];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/test_keyfile.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/network.key", dir);
	for (int i = 0; i < 32; i++) {
		key_a[i] = (uint8_t)i;
		key_b[i] = (uint8_t)(0xff - i);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Removes everything in dir between tests. */
static int clean(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) < 0)
			rmdir(p);
	}
	closedir(d);
	return 0;
}

/* Names in dir other than the key file itself. */
static int strays(char *first, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "network.key"))
			continue;
		if (n++ == 0 && first)
			snprintf(first, len, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

static void write_text(const char *p, const char *text, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void assert_reads(const uint8_t *want)
{
	uint8_t got[32];

	assert_int_equal(keyfile_read(path, KEYFILE_NETWORK, got, sizeof(got)), 0);
	assert_memory_equal(got, want, 32);
}

static void round_trip(void **state)
{
	char text[200];
	struct stat st;
	FILE *f;
	size_t n;

	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_string_equal(text, "meshgate-network-key v1\n"
	                          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
	assert_reads(key_a);
	assert_int_equal(strays(NULL, 0), 0);

	/* a relative path, in the current directory */
	{
		char cwd[4096];
		uint8_t got[32];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(dir), 0);
		assert_int_equal(keyfile_write("node.key", KEYFILE_NODE, key_b, 32, 0), 0);
		assert_int_equal(keyfile_read("node.key", KEYFILE_NODE, got, 32), 0);
		assert_memory_equal(got, key_b, 32);
		assert_int_equal(chdir(cwd), 0);
	}
}

static void no_clobber(void **state)
{
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), 0);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_b, 32, 0), -EEXIST);
	assert_reads(key_a);
	assert_int_equal(strays(NULL, 0), 0);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_b, 32, KEYFILE_REPLACE), 0);
	assert_reads(key_b);
	assert_int_equal(strays(NULL, 0), 0);
	assert_non_null(strstr(keyfile_strerror(-EEXIST), "exists"));
}

static void permissions(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0620, 0602, 0601, 0610, 0666, 0777 };
	static const mode_t accepted[] = { 0600, 0400, 0700 };
	uint8_t got[32];

	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(chmod(path, refused[i]), 0);
		memset(got, 0x55, sizeof(got));
		assert_int_equal(keyfile_read(path, KEYFILE_NETWORK, got, 32), -EPERM);
	}
	assert_non_null(strstr(keyfile_strerror(-EPERM), "chmod 600"));
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		assert_int_equal(chmod(path, accepted[i]), 0);
		assert_reads(key_a);
	}
	/* replacing a file that had become 0644 makes it 0600 again */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_b, 32, KEYFILE_REPLACE), 0);
	assert_reads(key_b);
}

static void malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"meshgate-network-key v1\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nx\n",
		"meshgate-network-key v1\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n",
		"meshgate-network-key v1\n AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=\n",
		"meshgate-network-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n",
		"meshgate-network-key v2\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"meshgate-node-key v1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
	};
	char big[8192];
	uint8_t got[32];

	write_text(path, "meshgate-network-key v1\n"
	                 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 0600);
	assert_reads(key_a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i], 0600);
		assert_int_equal(keyfile_read(path, KEYFILE_NETWORK, got, 32), -EINVAL);
	}
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_text(path, big, 0600);
	assert_int_equal(keyfile_read(path, KEYFILE_NETWORK, got, 32), -EINVAL);
	/* the right file asked for a different length */
	write_text(path, bad[13], 0600);
	assert_int_equal(keyfile_read(path, KEYFILE_NODE, got, 32), 0);
	assert_int_equal(keyfile_read(path, KEYFILE_NODE, got, 31), -EINVAL);
	/* not there, a directory, a device */
	unlink(path);
	assert_int_equal(keyfile_read(path, KEYFILE_NETWORK, got, 32), -ENOENT);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(keyfile_read(path, KEYFILE_NETWORK, got, 32), -EINVAL);
	assert_int_equal(keyfile_read("/dev/null", KEYFILE_NETWORK, got, 32), -EINVAL);
	/* arguments */
	assert_int_equal(keyfile_write(path, "two\nlines", key_a, 32, 0), -EINVAL);
	assert_int_equal(keyfile_write(path, "", key_a, 32, 0), -EINVAL);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 0, 0), -EINVAL);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 65, 0), -EINVAL);
	assert_int_equal(keyfile_write("/nonexistent-dir/x.key", KEYFILE_NETWORK, key_a, 32, 0),
	                 -ENOENT);
}

/* The rename target is a directory: the write fails, the directory and
 * everything else stay, no temporary is left. */
static void rename_onto_directory(void **state)
{
	char inner[400];
	struct stat st;

	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	write_text(inner, "x", 0600);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, KEYFILE_REPLACE), -EISDIR);
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), -EEXIST);
	assert_int_equal(stat(inner, &st), 0);
	assert_int_equal(strays(NULL, 0), 0);
	unlink(inner);
}

/* Runs keyfile_write(key_b) in a child whose files may not grow past
 * `limit` bytes: with SIGXFSZ ignored the write fails with EFBIG halfway,
 * with its default the child dies there, as in a crash. Returns the
 * child's wait status. */
static int write_limited(rlim_t limit, bool die)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit fs = { limit, limit }, core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &core);
		signal(SIGXFSZ, die ? SIG_DFL : SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &fs) < 0)
			_exit(100);
		_exit(-keyfile_write(path, KEYFILE_NETWORK, key_b, 32, KEYFILE_REPLACE));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void write_fails_halfway(void **state)
{
	int status;

	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), 0);
	status = write_limited(30, false);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EFBIG);
	assert_reads(key_a);
	assert_int_equal(strays(NULL, 0), 0);
}

static void crash_halfway(void **state)
{
	char stray[256], p[600];
	uint8_t got[32];
	struct stat st;
	int status;

	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), 0);
	status = write_limited(30, true);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	/* the old key is whole; the half-written temporary is not readable by others */
	assert_reads(key_a);
	assert_int_equal(strays(stray, sizeof(stray)), 1);
	assert_int_equal(strncmp(stray, ".network.key.", 13), 0);
	snprintf(p, sizeof(p), "%s/%s", dir, stray);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 30);
	assert_int_equal(keyfile_read(p, KEYFILE_NETWORK, got, 32), -EINVAL);
	/* and the next write goes through */
	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_b, 32, KEYFILE_REPLACE), 0);
	assert_reads(key_b);
}

/* A read-only directory: the write is refused before anything is
 * created. Root writes anywhere, so the writer runs as nobody then. */
static void read_only_directory(void **state)
{
	pid_t pid;
	int status;

	assert_int_equal(keyfile_write(path, KEYFILE_NETWORK, key_a, 32, 0), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
		                       setuid(65534) < 0))
			_exit(100);
		_exit(-keyfile_write(path, KEYFILE_NETWORK, key_b, 32, KEYFILE_REPLACE));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EACCES);
	assert_reads(key_a);
	assert_int_equal(strays(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(round_trip, clean),
		cmocka_unit_test_setup(no_clobber, clean),
		cmocka_unit_test_setup(permissions, clean),
		cmocka_unit_test_setup(malformed, clean),
		cmocka_unit_test_setup(rename_onto_directory, clean),
		cmocka_unit_test_setup(write_fails_halfway, clean),
		cmocka_unit_test_setup(crash_halfway, clean),
		cmocka_unit_test_setup(read_only_directory, clean),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
