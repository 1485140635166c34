#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core/nlmon.h"

/* Messages are built the way the kernel lays them out, with libmnl, into a
 * 4-byte aligned buffer. */
static uint32_t buf_words[4096];
#define BUF ((char *)buf_words)

struct seen {
	int n;
	struct nlmon_event ev[16];
};

static void collect(const struct nlmon_event *ev, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->ev[s->n++] = *ev;
}

static struct nlmsghdr *put_link(char *at, uint16_t type, unsigned char family, int ifindex,
				 unsigned flags, const char *name, uint32_t mtu)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = 0xffffffff;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

/* local and addr are text addresses, or NULL to leave the attribute out. */
static struct nlmsghdr *put_addr(char *at, uint16_t type, unsigned char family, uint32_t ifindex,
				 unsigned char plen, const char *local, const char *addr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct ifaddrmsg *ifa;
	unsigned char bin[16];
	size_t alen = family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = ifindex;
	if (addr) {
		assert_int_equal(inet_pton(family, addr, bin), 1);
		mnl_attr_put(nlh, IFA_ADDRESS, alen, bin);
	}
	if (local) {
		assert_int_equal(inet_pton(family, local, bin), 1);
		mnl_attr_put(nlh, IFA_LOCAL, alen, bin);
	}
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	return nlh;
}

/* the next message starts at the aligned end of this one */
static char *after(struct nlmsghdr *nlh)
{
	return (char *)nlh + MNL_ALIGN(nlh->nlmsg_len);
}

static size_t used(char *end)
{
	return (size_t)(end - BUF);
}

static void assert_prefix(const struct mg_prefix *p, const char *want)
{
	char s[MG_PREFIX_STRLEN];

	assert_string_equal(mg_prefix_fmt(p, s, sizeof(s)), want);
}

static void test_link_new(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP | IFF_RUNNING, "mg0", 1420);
	assert_int_equal(nlmon_parse(BUF, nlh->nlmsg_len, collect, &s), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ev[0].kind, NLMON_LINK_NEW);
	assert_int_equal(s.ev[0].ifindex, 7);
	assert_string_equal(s.ev[0].ifname, "mg0");
	assert_true(s.ev[0].up);
	assert_true(s.ev[0].running);
	assert_int_equal(s.ev[0].mtu, 1420);
}

static void test_link_new_down(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	/* the longest name the kernel allows: 15 characters */
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 3, IFF_UP, "abcdefghijklmno", 9000);
	assert_int_equal(nlmon_parse(BUF, nlh->nlmsg_len, collect, &s), 1);
	assert_string_equal(s.ev[0].ifname, "abcdefghijklmno");
	assert_true(s.ev[0].up);
	assert_false(s.ev[0].running);
	assert_int_equal(s.ev[0].mtu, 9000);
}

static void test_link_del(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_DELLINK, AF_UNSPEC, 9, 0, NULL, 0);
	assert_int_equal(nlmon_parse(BUF, nlh->nlmsg_len, collect, &s), 1);
	assert_int_equal(s.ev[0].kind, NLMON_LINK_DEL);
	assert_int_equal(s.ev[0].ifindex, 9);
	assert_string_equal(s.ev[0].ifname, "");
	assert_false(s.ev[0].up);
	assert_int_equal(s.ev[0].mtu, 0);
}

static void test_addr_v4(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;
	char *end;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 4, 16, "10.77.0.1", "10.77.0.1");
	end = after(nlh);
	nlh = put_addr(end, RTM_DELADDR, AF_INET, 4, 24, "192.168.1.1", "192.168.1.1");
	end = after(nlh);
	assert_int_equal(nlmon_parse(BUF, used(end), collect, &s), 2);
	assert_int_equal(s.ev[0].kind, NLMON_ADDR_NEW);
	assert_int_equal(s.ev[0].ifindex, 4);
	assert_prefix(&s.ev[0].addr, "10.77.0.1/16");
	assert_int_equal(s.ev[1].kind, NLMON_ADDR_DEL);
	assert_prefix(&s.ev[1].addr, "192.168.1.1/24");
}

static void test_addr_v4_peer(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	/* point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL is ours */
	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 4, 32, "10.0.0.1", "10.0.0.2");
	assert_int_equal(nlmon_parse(BUF, nlh->nlmsg_len, collect, &s), 1);
	assert_prefix(&s.ev[0].addr, "10.0.0.1/32");
}

static void test_addr_v6(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;
	char *end;

	memset(buf_words, 0, sizeof(buf_words));
	/* IPv6 sends IFA_ADDRESS alone */
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET6, 12, 64, NULL, "fd00:77::1");
	end = after(nlh);
	nlh = put_addr(end, RTM_DELADDR, AF_INET6, 12, 128, NULL, "2001:db8::5");
	end = after(nlh);
	assert_int_equal(nlmon_parse(BUF, used(end), collect, &s), 2);
	assert_int_equal(s.ev[0].kind, NLMON_ADDR_NEW);
	assert_int_equal(s.ev[0].ifindex, 12);
	assert_prefix(&s.ev[0].addr, "fd00:77::1/64");
	assert_int_equal(s.ev[1].kind, NLMON_ADDR_DEL);
	assert_prefix(&s.ev[1].addr, "2001:db8::5/128");
}

static void test_many_and_skipped(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	char *end;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 1500);
	/* an attribute type nobody knows rides along and is skipped */
	mnl_attr_put_u32(nlh, 0x3ff, 42);
	end = after(nlh);
	/* a route message: another type, skipped */
	nlh = mnl_nlmsg_put_header(end);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	mnl_attr_put_u32(nlh, RTA_OIF, 2);
	end = after(nlh);
	/* a bridge port message on the link group: not a link change */
	nlh = put_link(end, RTM_NEWLINK, AF_BRIDGE, 2, IFF_UP, "eth0", 1500);
	end = after(nlh);
	nlh = put_addr(end, RTM_NEWADDR, AF_INET, 2, 24, "192.0.2.1", "192.0.2.1");
	end = after(nlh);
	/* an address family other than IPv4/IPv6: skipped */
	nlh = mnl_nlmsg_put_header(end);
	nlh->nlmsg_type = RTM_NEWADDR;
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))->ifa_family = AF_PACKET;
	end = after(nlh);
	nlh = mnl_nlmsg_put_header(end);
	nlh->nlmsg_type = NLMSG_NOOP;
	end = after(nlh);
	nlh = put_addr(end, RTM_DELADDR, AF_INET6, 2, 64, NULL, "fd00::2");
	end = after(nlh);
	nlh = put_link(end, RTM_DELLINK, AF_UNSPEC, 2, 0, "eth0", 0);
	end = after(nlh);

	assert_int_equal(nlmon_parse(BUF, used(end), collect, &s), 4);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.ev[0].kind, NLMON_LINK_NEW);
	assert_string_equal(s.ev[0].ifname, "eth0");
	assert_int_equal(s.ev[0].mtu, 1500);
	assert_int_equal(s.ev[1].kind, NLMON_ADDR_NEW);
	assert_prefix(&s.ev[1].addr, "192.0.2.1/24");
	assert_int_equal(s.ev[2].kind, NLMON_ADDR_DEL);
	assert_prefix(&s.ev[2].addr, "fd00::2/64");
	assert_int_equal(s.ev[3].kind, NLMON_LINK_DEL);
}

static void test_empty(void **state)
{
	struct seen s = { 0 };

	assert_int_equal(nlmon_parse(BUF, 0, collect, &s), 0);
	assert_int_equal(s.n, 0);
}

/* ---- malformed input: -EINVAL, no read past the buffer ---- */

static void expect_einval(size_t len, int events_before)
{
	struct seen s = { 0 };

	assert_int_equal(nlmon_parse(BUF, len, collect, &s), -EINVAL);
	assert_int_equal(s.n, events_before);
}

static void test_truncated_header(void **state)
{
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 1500);
	(void)nlh;
	expect_einval(10, 0);
	expect_einval(sizeof(struct nlmsghdr) - 1, 0);
	/* a whole nlmsghdr but not the ifinfomsg it announces */
	expect_einval(sizeof(struct nlmsghdr) + 4, 0);
}

static void test_len_beyond_buffer(void **state)
{
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 1500);
	expect_einval(nlh->nlmsg_len - 4, 0);
	nlh->nlmsg_len = 0xffffffff;
	expect_einval(64, 0);
	/* nlmsg_len shorter than a netlink header */
	nlh->nlmsg_len = 8;
	expect_einval(64, 0);
}

static void test_short_family_header(void **state)
{
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = mnl_nlmsg_put_header(BUF);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;   /* ifaddrmsg is 8 */
	expect_einval(nlh->nlmsg_len, 0);
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 12;  /* ifinfomsg is 16 */
	expect_einval(nlh->nlmsg_len, 0);
}

static void test_attr_overrun(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *last;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 0);
	last = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct ifinfomsg));
	last->nla_len += 8;                     /* runs past nlmsg_len */
	expect_einval(nlh->nlmsg_len, 0);
	last->nla_len = 2;                      /* shorter than its own header */
	expect_einval(nlh->nlmsg_len, 0);
	/* trailing bytes too few to be an attribute */
	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 0);
	nlh->nlmsg_len += 2;
	expect_einval(nlh->nlmsg_len, 0);
}

static void test_bad_ifname(void **state)
{
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, 0, NULL, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");        /* no NUL */
	expect_einval(nlh->nlmsg_len, 0);

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, 0, "sixteen-chars-xx", 0);
	expect_einval(nlh->nlmsg_len, 0);

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, 0, NULL, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 0, NULL);         /* empty */
	expect_einval(nlh->nlmsg_len, 0);
}

static void test_bad_mtu(void **state)
{
	struct nlmsghdr *nlh;
	uint16_t short_mtu = 1500;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, 0, "eth0", 0);
	mnl_attr_put(nlh, IFLA_MTU, sizeof(short_mtu), &short_mtu);
	expect_einval(nlh->nlmsg_len, 0);
}

static void test_bad_ifindex(void **state)
{
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 0, 0, "eth0", 0);
	expect_einval(nlh->nlmsg_len, 0);
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, -3, 0, "eth0", 0);
	expect_einval(nlh->nlmsg_len, 0);
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 0, 8, "10.0.0.1", "10.0.0.1");
	expect_einval(nlh->nlmsg_len, 0);
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 0x80000000u, 8, "10.0.0.1", "10.0.0.1");
	expect_einval(nlh->nlmsg_len, 0);
}

static void test_addr_wrong_length(void **state)
{
	static const unsigned char sixteen[16] = { 0xfd };
	static const unsigned char four[4] = { 10, 0, 0, 1 };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 2, 24, NULL, NULL);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(sixteen), sixteen);
	expect_einval(nlh->nlmsg_len, 0);

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET6, 2, 64, NULL, NULL);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(four), four);
	expect_einval(nlh->nlmsg_len, 0);

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 2, 24, "10.0.0.1", NULL);
	mnl_attr_put(nlh, IFA_LOCAL, 3, four);
	expect_einval(nlh->nlmsg_len, 0);

	/* the family says v6, the attributes were built for v4 */
	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 2, 24, "10.0.0.1", "10.0.0.1");
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = AF_INET6;
	expect_einval(nlh->nlmsg_len, 0);

	/* no address at all */
	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 2, 24, NULL, NULL);
	expect_einval(nlh->nlmsg_len, 0);
}

static void test_prefixlen_bounds(void **state)
{
	struct seen s = { 0 };
	struct nlmsghdr *nlh;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 2, 33, "10.0.0.1", "10.0.0.1");
	expect_einval(nlh->nlmsg_len, 0);
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET6, 2, 129, NULL, "fd00::1");
	expect_einval(nlh->nlmsg_len, 0);
	/* the bounds themselves are fine */
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET, 2, 32, "10.0.0.1", "10.0.0.1");
	assert_int_equal(nlmon_parse(BUF, nlh->nlmsg_len, collect, &s), 1);
	nlh = put_addr(BUF, RTM_NEWADDR, AF_INET6, 2, 128, NULL, "fd00::1");
	assert_int_equal(nlmon_parse(BUF, nlh->nlmsg_len, collect, &s), 1);
	assert_prefix(&s.ev[1].addr, "fd00::1/128");
}

static void test_events_before_bad_message(void **state)
{
	struct nlmsghdr *nlh;
	char *end;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 1500);
	end = after(nlh);
	nlh = put_addr(end, RTM_NEWADDR, AF_INET, 2, 40, "10.0.0.1", "10.0.0.1");
	end = after(nlh);
	nlh = put_link(end, RTM_DELLINK, AF_UNSPEC, 2, 0, "eth0", 0);
	end = after(nlh);
	/* the link message is delivered, the bad address stops the rest */
	expect_einval(used(end), 1);
	/* trailing garbage after a good message */
	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 1500);
	expect_einval(MNL_ALIGN(nlh->nlmsg_len) + 8, 1);
}

static void test_unaligned_buffer(void **state)
{
	struct nlmsghdr *nlh;
	struct seen s = { 0 };
	size_t len;

	memset(buf_words, 0, sizeof(buf_words));
	nlh = put_link(BUF + 4, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, "eth0", 1500);
	len = nlh->nlmsg_len;
	memmove(BUF + 1, BUF + 4, len);
	assert_int_equal(nlmon_parse(BUF + 1, len, collect, &s), -EINVAL);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_new),
		cmocka_unit_test(test_link_new_down),
		cmocka_unit_test(test_link_del),
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v4_peer),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_many_and_skipped),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_len_beyond_buffer),
		cmocka_unit_test(test_short_family_header),
		cmocka_unit_test(test_attr_overrun),
		cmocka_unit_test(test_bad_ifname),
		cmocka_unit_test(test_bad_mtu),
		cmocka_unit_test(test_bad_ifindex),
		cmocka_unit_test(test_addr_wrong_length),
		cmocka_unit_test(test_prefixlen_bounds),
		cmocka_unit_test(test_events_before_bad_message),
		cmocka_unit_test(test_unaligned_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
