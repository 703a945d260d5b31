/* The kernel's share of one TCP_CHECK: CPU per blocking connect + close to 127.30.x.y:PORT, paced like the checkers
   (1,000 per ~0.1 s burst). Usage: floor PORT COUNT */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static double cpu_us(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: floor PORT COUNT\n"); return 2; }
    int count = atoi(argv[2]);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    double start = cpu_us();
    for (int i = 0; i < count; i++) {
        int n = i % 1000;
        a.sin_addr.s_addr = htonl(0x7f1e0000u | (unsigned)(n / 250) << 8 | (unsigned)(n % 250 + 1));
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
        close(s);
        if (n == 999) { usleep(100000); }
    }
    printf("HOST floor connect_close_cpu_us=%.1f count=%d\n", (cpu_us() - start) / count, count);
    return 0;
}
