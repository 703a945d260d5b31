/* The reaction benchmark's real server and stopwatch (bench/checkers/guest.sh), the same for every daemon measured.
   Usage: reaction VIP PORT RIP RPORT ALIGNED_ROUNDS PHASED_ROUNDS   (IPv4 TCP; run in the daemon's namespace)

   It is the listener of real server RIP:RPORT itself. Each round: listen; wait until the destination is in the IPVS
   service VIP:PORT; let two checks be accepted (the daemon is in its steady rhythm again); right after the next
   accepted check (aligned rounds), or a fixed offset after it (phased rounds: 100 + 317 r mod 800 ms, the same
   offsets for every daemon), close the listener. Then it waits for the first SYN to RIP:RPORT (an AF_PACKET socket on
   lo: the first check that fails) and polls the IPVS table every millisecond, through generic netlink, until the
   destination is gone. All times are CLOCK_MONOTONIC, read in this one process. One line per round:
     ROUND aligned|phased R offset_ms=O interval_ms=I after_check_ms=A reaction_ms=T
   interval = the accepted check's accept -> the failing check's SYN (the daemon's check period as it runs it),
   after_check = that SYN -> destination gone (the daemon's own reaction to a failed check), reaction = listener
   closed -> destination gone (what an operator sees). A round that times out prints ROUND ... error=WHAT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int nl = -1;
static uint16_t ipvs_family;
static uint32_t seq;
static struct in_addr vip, rip;
static uint16_t vport, rport; /* network order */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Appends one attribute (netlink.h: struct nlattr, 4-byte aligned) at *at; returns its start. */
static struct nlattr *put(char **at, uint16_t type, const void *data, uint16_t len)
{
    struct nlattr *a = (struct nlattr *)*at;
    a->nla_type = type;
    a->nla_len = (uint16_t)(NLA_HDRLEN + len);
    if (data) { memcpy((char *)a + NLA_HDRLEN, data, len); }
    *at += NLA_ALIGN(a->nla_len);
    return a;
}

/* Sends a request built in buf (header first) and returns the receive length of the first reply datagram. */
static void send_request(char *buf, char *end)
{
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_len = (uint32_t)(end - buf);
    h->nlmsg_seq = ++seq;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(nl, buf, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) { die("netlink send"); }
}

/* CTRL_CMD_GETFAMILY "IPVS" -> its id (genetlink.h). */
static void resolve_ipvs(void)
{
    char buf[256] = { 0 }, *at = buf + NLMSG_HDRLEN + GENL_HDRLEN;
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_type = GENL_ID_CTRL;
    h->nlmsg_flags = NLM_F_REQUEST;
    struct genlmsghdr *g = NLMSG_DATA(h);
    g->cmd = CTRL_CMD_GETFAMILY;
    g->version = 1;
    put(&at, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME, sizeof IPVS_GENL_NAME);
    send_request(buf, at);
    char reply[8192];
    ssize_t n = recv(nl, reply, sizeof reply, 0);
    if (n < 0) { die("netlink recv"); }
    for (struct nlmsghdr *m = (struct nlmsghdr *)reply; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
        if (m->nlmsg_type == NLMSG_ERROR) { fprintf(stderr, "reaction: no IPVS generic netlink family\n"); exit(1); }
        char *p = (char *)NLMSG_DATA(m) + GENL_HDRLEN, *stop = (char *)m + m->nlmsg_len;
        while (p + NLA_HDRLEN <= stop) {
            struct nlattr *a = (struct nlattr *)p;
            if (a->nla_len < NLA_HDRLEN) { break; }
            if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) { memcpy(&ipvs_family, p + NLA_HDRLEN, 2); return; }
            p += NLA_ALIGN(a->nla_len);
        }
    }
    fprintf(stderr, "reaction: IPVS family id not in the reply\n");
    exit(1);
}

/* Whether RIP:RPORT is a destination of VIP:PORT now (IPVS_CMD_GET_DEST dump; no service counts as absent). */
static int has_dest(void)
{
    char buf[256] = { 0 }, *at = buf + NLMSG_HDRLEN + GENL_HDRLEN;
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_type = ipvs_family;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct genlmsghdr *g = NLMSG_DATA(h);
    g->cmd = IPVS_CMD_GET_DEST;
    g->version = IPVS_GENL_VERSION;
    struct nlattr *svc = put(&at, IPVS_CMD_ATTR_SERVICE, NULL, 0);
    uint16_t af = AF_INET, proto = IPPROTO_TCP;
    put(&at, IPVS_SVC_ATTR_AF, &af, 2);
    put(&at, IPVS_SVC_ATTR_PROTOCOL, &proto, 2);
    put(&at, IPVS_SVC_ATTR_ADDR, &vip, 4);
    put(&at, IPVS_SVC_ATTR_PORT, &vport, 2);
    svc->nla_len = (uint16_t)(at - (char *)svc);
    send_request(buf, at);
    int found = 0;
    static char reply[65536];
    for (;;) {
        ssize_t n = recv(nl, reply, sizeof reply, 0);
        if (n < 0) { die("netlink recv"); }
        for (struct nlmsghdr *m = (struct nlmsghdr *)reply; NLMSG_OK(m, (size_t)n); m = NLMSG_NEXT(m, n)) {
            if (m->nlmsg_seq != seq) { continue; }
            if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) { return found; }
            char *p = (char *)NLMSG_DATA(m) + GENL_HDRLEN, *stop = (char *)m + m->nlmsg_len;
            while (p + NLA_HDRLEN <= stop) {
                struct nlattr *a = (struct nlattr *)p;
                if (a->nla_len < NLA_HDRLEN) { break; }
                if ((a->nla_type & NLA_TYPE_MASK) == IPVS_CMD_ATTR_DEST) {
                    struct in_addr addr = { 0 };
                    uint16_t port = 0;
                    for (char *q = p + NLA_HDRLEN; q + NLA_HDRLEN <= p + a->nla_len;) {
                        struct nlattr *d = (struct nlattr *)q;
                        if (d->nla_len < NLA_HDRLEN) { break; }
                        if ((d->nla_type & NLA_TYPE_MASK) == IPVS_DEST_ATTR_ADDR) { memcpy(&addr, q + NLA_HDRLEN, 4); }
                        if ((d->nla_type & NLA_TYPE_MASK) == IPVS_DEST_ATTR_PORT) { memcpy(&port, q + NLA_HDRLEN, 2); }
                        q += NLA_ALIGN(d->nla_len);
                    }
                    if (addr.s_addr == rip.s_addr && port == rport) { found = 1; }
                }
                p += NLA_ALIGN(a->nla_len);
            }
        }
    }
}

static int open_listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) { die("socket"); }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = rport, .sin_addr = rip };
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64)) { die("listen"); }
    return fd;
}

/* Waits up to ms for a connection and accepts (and closes) it; returns the time accepted, or 0. */
static double accept_one(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, ms) != 1) { return 0; }
    int c = accept(fd, NULL, NULL);
    double t = now_ms();
    if (c < 0) { return 0; }
    close(c);
    return t;
}

/* Waits up to ms for a TCP SYN (without ACK) to RIP:RPORT on the packet socket; returns its time, or 0. */
static double wait_syn(int pk, int ms)
{
    double until = now_ms() + ms;
    unsigned char frame[256];
    for (;;) {
        int left = (int)(until - now_ms());
        struct pollfd p = { .fd = pk, .events = POLLIN };
        if (left <= 0 || poll(&p, 1, left) != 1) { return 0; }
        ssize_t n = recv(pk, frame, sizeof frame, MSG_DONTWAIT);
        double t = now_ms();
        if (n < (ssize_t)sizeof(struct iphdr)) { continue; }
        struct iphdr *ip = (struct iphdr *)frame;
        size_t hl = (size_t)ip->ihl * 4;
        if (ip->protocol != IPPROTO_TCP || ip->daddr != rip.s_addr || (size_t)n < hl + sizeof(struct tcphdr)) { continue; }
        struct tcphdr *tcp = (struct tcphdr *)(frame + hl);
        if (tcp->dest == rport && tcp->syn && !tcp->ack) { return t; }
    }
}

static void drain(int pk)
{
    unsigned char frame[256];
    while (recv(pk, frame, sizeof frame, MSG_DONTWAIT) > 0) { }
}

int main(int argc, char **argv)
{
    if (argc != 7 || inet_pton(AF_INET, argv[1], &vip) != 1 || inet_pton(AF_INET, argv[3], &rip) != 1) {
        fprintf(stderr, "usage: reaction VIP PORT RIP RPORT ALIGNED_ROUNDS PHASED_ROUNDS\n");
        return 2;
    }
    vport = htons((uint16_t)atoi(argv[2]));
    rport = htons((uint16_t)atoi(argv[4]));
    int aligned = atoi(argv[5]), phased = atoi(argv[6]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (nl < 0) { die("netlink socket"); }
    resolve_ipvs();
    int pk = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
    if (pk < 0) { die("packet socket"); }
    struct sockaddr_ll lo = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)if_nametoindex("lo") };
    if (bind(pk, (struct sockaddr *)&lo, sizeof lo)) { die("bind lo"); }

    for (int r = 0; r < aligned + phased; r++) {
        const char *kind = r < aligned ? "aligned" : "phased";
        int k = r < aligned ? r : r - aligned;
        int offset = r < aligned ? 0 : 100 + (k * 317) % 800;
        int fd = open_listener();
        double start = now_ms();
        while (!has_dest()) {
            accept_one(fd, 20);
            if (now_ms() - start > 60000) { printf("ROUND %s %d error=not-added\n", kind, k); goto next; }
        }
        double accepted = 0;
        for (int seen = 0; seen < 3;) {
            double t = accept_one(fd, 10000);
            if (t == 0) { printf("ROUND %s %d error=no-check\n", kind, k); goto next; }
            accepted = t;
            seen++;
        }
        if (offset > 0) {
            /* Another check in the offset would move the phase: take its time instead (reported as the interval). */
            double until = accepted + offset, t;
            while (now_ms() < until) {
                if ((t = accept_one(fd, (int)(until - now_ms()) + 1)) != 0) { accepted = t; }
            }
        }
        drain(pk);
        close(fd);
        fd = -1;
        double closed = now_ms();
        double syn = wait_syn(pk, 10000);
        if (syn == 0) { printf("ROUND %s %d error=no-failing-check\n", kind, k); goto next; }
        double gone = 0;
        while (now_ms() - syn < 10000) {
            if (!has_dest()) { gone = now_ms(); break; }
            usleep(1000);
        }
        if (gone == 0) { printf("ROUND %s %d error=not-removed\n", kind, k); goto next; }
        printf("ROUND %s %d offset_ms=%d interval_ms=%.1f after_check_ms=%.1f reaction_ms=%.1f\n",
               kind, k, offset, syn - accepted, gone - syn, gone - closed);
    next:
        if (fd >= 0) { close(fd); }
    }
    return 0;
}
