/* vrrp/track: keepalived's weight arithmetic, the config text it reads,
 * and the command splitter used for track and notify commands. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/track.h"

static uint8_t prio(const struct vrrp_track *t)
{
	struct vrrp_track_result r;

	vrrp_track_eval(t, &r);
	assert_false(r.fault);
	return r.priority;
}

static void negative_weights_subtract(void **state)
{
	struct vrrp_track t;
	struct vrrp_track_result r;

	vrrp_track_init(&t, 150);
	assert_int_equal(vrrp_track_add(&t, VRRP_TRACK_IFACE, "eth1", -50), 0);
	assert_int_equal(vrrp_track_add(&t, VRRP_TRACK_HEALTH, "mesh", -20), 0);
	assert_int_equal(prio(&t), 150);
	vrrp_track_eval(&t, &r);
	assert_string_equal(r.why, "configured 150");

	assert_int_equal(vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth1", false), 1);
	assert_int_equal(vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth1", false), 0);
	assert_int_equal(prio(&t), 100);
	assert_int_equal(vrrp_track_set(&t, VRRP_TRACK_HEALTH, "mesh", false), 1);
	vrrp_track_eval(&t, &r);
	assert_int_equal(r.priority, 80);
	assert_string_equal(r.why, "configured 150, eth1 down -50, mesh unhealthy -20");

	assert_int_equal(vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth1", true), 1);
	assert_int_equal(prio(&t), 130);
	/* The same name under another kind is another item. */
	assert_int_equal(vrrp_track_set(&t, VRRP_TRACK_HEALTH, "eth1", false), -ENOENT);
	assert_int_equal(vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth9", false), -ENOENT);
}

static void positive_weights_add_while_ok(void **state)
{
	struct vrrp_track t;
	struct vrrp_track_result r;

	vrrp_track_init(&t, 100);
	assert_int_equal(vrrp_track_add(&t, VRRP_TRACK_COMMAND, "command", 30), 0);
	vrrp_track_eval(&t, &r);
	assert_int_equal(r.priority, 130);
	assert_string_equal(r.why, "configured 100, command ok +30");
	vrrp_track_set(&t, VRRP_TRACK_COMMAND, "command", false);
	vrrp_track_eval(&t, &r);
	assert_int_equal(r.priority, 100);
	assert_string_equal(r.why, "configured 100");
}

static void clamped_to_1_and_254(void **state)
{
	struct vrrp_track t;

	vrrp_track_init(&t, 20);
	vrrp_track_add(&t, VRRP_TRACK_IFACE, "a", -254);
	vrrp_track_add(&t, VRRP_TRACK_IFACE, "b", -100);
	vrrp_track_set(&t, VRRP_TRACK_IFACE, "a", false);
	vrrp_track_set(&t, VRRP_TRACK_IFACE, "b", false);
	assert_int_equal(prio(&t), 1);	/* never 0: that means "resigning" on the wire */

	vrrp_track_init(&t, 250);
	vrrp_track_add(&t, VRRP_TRACK_HEALTH, "dns", 10);
	assert_int_equal(prio(&t), 254);	/* never 255: that means "owner" */
}

static void owner_untouched(void **state)
{
	struct vrrp_track t;
	struct vrrp_track_result r;

	vrrp_track_init(&t, 255);
	vrrp_track_add(&t, VRRP_TRACK_IFACE, "eth1", -100);
	vrrp_track_add(&t, VRRP_TRACK_HEALTH, "dns", 10);
	vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth1", false);
	vrrp_track_eval(&t, &r);
	assert_int_equal(r.priority, 255);
	assert_false(r.fault);
	assert_int_equal(strncmp(r.why, "owner 255", 9), 0);
}

static void weight_zero_is_a_fault(void **state)
{
	struct vrrp_track t;
	struct vrrp_track_result r;

	vrrp_track_init(&t, 100);
	vrrp_track_add(&t, VRRP_TRACK_IFACE, "eth0", 0);
	vrrp_track_add(&t, VRRP_TRACK_COMMAND, "command", -10);
	vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth0", false);
	vrrp_track_set(&t, VRRP_TRACK_COMMAND, "command", false);
	vrrp_track_eval(&t, &r);
	assert_true(r.fault);
	assert_int_equal(r.priority, 90);
	assert_string_equal(r.why, "configured 100, eth0 down: fault, command failed -10");
	vrrp_track_set(&t, VRRP_TRACK_IFACE, "eth0", true);
	vrrp_track_eval(&t, &r);
	assert_false(r.fault);
}

static void why_truncates_safely(void **state)
{
	struct vrrp_track t;
	struct vrrp_track_result r;
	char name[VRRP_TRACK_NAME];

	vrrp_track_init(&t, 200);
	for (int i = 0; i < VRRP_TRACK_MAX; i++) {
		snprintf(name, sizeof(name), "interface-number-%02d", i);
		assert_int_equal(vrrp_track_add(&t, VRRP_TRACK_IFACE, name, -1), 0);
		vrrp_track_set(&t, VRRP_TRACK_IFACE, name, false);
	}
	assert_int_equal(vrrp_track_add(&t, VRRP_TRACK_IFACE, "one-more", -1), -ENOSPC);
	vrrp_track_eval(&t, &r);
	assert_int_equal(r.priority, 200 - VRRP_TRACK_MAX);
	assert_true(strlen(r.why) < sizeof(r.why));
}

static void parse_config_text(void **state)
{
	struct vrrp_track t;
	char why[200];

	vrrp_track_init(&t, 100);
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "eth1 weight -50,  wan0 ,x weight +5",
					  why, sizeof(why)), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.item[0].name, "eth1");
	assert_int_equal(t.item[0].weight, -50);
	assert_string_equal(t.item[1].name, "wan0");
	assert_int_equal(t.item[1].weight, 0);
	assert_int_equal(t.item[2].weight, 5);
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_HEALTH, "", why, sizeof(why)), 0);
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_HEALTH, "  ", why, sizeof(why)), 0);
	assert_int_equal(t.n, 3);

	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "eth2 -50", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "NAME weight W"));
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "eth2 weight -255", why,
					  sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "-254 to 254"));
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "eth2 weight 1x", why,
					  sizeof(why)), -EINVAL);
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "eth2,,eth3", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "empty entry"));
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "eth1", why, sizeof(why)),
			 -EEXIST);
	assert_non_null(strstr(why, "twice"));
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "a/b", why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(vrrp_track_parse(&t, VRRP_TRACK_IFACE, "e weight 1 extra", why,
					  sizeof(why)), -EINVAL);
}

static void weights(void **state)
{
	int w;

	assert_int_equal(vrrp_track_parse_weight("-30", &w), 0);
	assert_int_equal(w, -30);
	assert_int_equal(vrrp_track_parse_weight("+254", &w), 0);
	assert_int_equal(w, 254);
	assert_int_equal(vrrp_track_parse_weight("0", &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(vrrp_track_parse_weight("255", &w), -EINVAL);
	assert_int_equal(vrrp_track_parse_weight("-", &w), -EINVAL);
	assert_int_equal(vrrp_track_parse_weight("", &w), -EINVAL);
	assert_int_equal(vrrp_track_parse_weight(" 1", &w), -EINVAL);
	assert_int_equal(vrrp_track_parse_weight("99999999999999999999", &w), -EINVAL);
}

static void split_commands(void **state)
{
	char line[200], why[100], *argv[8];

	snprintf(line, sizeof(line), "  /usr/bin/check  -q\t--host 9.9.9.9 ");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), 4);
	assert_string_equal(argv[0], "/usr/bin/check");
	assert_string_equal(argv[1], "-q");
	assert_string_equal(argv[3], "9.9.9.9");
	assert_null(argv[4]);

	snprintf(line, sizeof(line), "/bin/sh -c 'ping -c1 \"$x\" || exit 1' \"a \\\"b\\\\\" c''d");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), 5);
	assert_string_equal(argv[2], "ping -c1 \"$x\" || exit 1");
	assert_string_equal(argv[3], "a \"b\\");
	assert_string_equal(argv[4], "cd");

	snprintf(line, sizeof(line), "/bin/x 'open");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unbalanced"));
	snprintf(line, sizeof(line), "   ");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), -EINVAL);
	snprintf(line, sizeof(line), "a b c d e f g h");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), -EINVAL);
	snprintf(line, sizeof(line), "a b c d e f g");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), 7);
	assert_null(argv[7]);
	snprintf(line, sizeof(line), "''");
	assert_int_equal(vrrp_cmd_split(line, argv, 8, why, sizeof(why)), 1);
	assert_string_equal(argv[0], "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(negative_weights_subtract),
		cmocka_unit_test(positive_weights_add_while_ok),
		cmocka_unit_test(clamped_to_1_and_254),
		cmocka_unit_test(owner_untouched),
		cmocka_unit_test(weight_zero_is_a_fault),
		cmocka_unit_test(why_truncates_safely),
		cmocka_unit_test(parse_config_text),
		cmocka_unit_test(weights),
		cmocka_unit_test(split_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
