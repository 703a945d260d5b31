/* A native accept-and-close TCP listener for the host checker harness, so the listener's CPU is not kad's.
   Usage: listener PORT COUNT_FILE  (binds *:PORT; accepts and closes connections until SIGTERM; writes the number
   accepted to COUNT_FILE every 100 accepts and at the end). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static void write_count(int out, unsigned long n)
{
    char text[32];
    int len = snprintf(text, sizeof text, "%lu\n", n);
    if (pwrite(out, text, (size_t)len, 0) < 0) { perror("pwrite"); }
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: listener PORT COUNT_FILE\n"); return 2; }
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) { perror(argv[2]); return 1; }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 4096)) { perror("listen"); return 1; }
    struct sigaction sa = { .sa_handler = on_term };
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: accept returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    write_count(out, 0);
    unsigned long accepted = 0;
    while (!stop) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0) { close(c); if (++accepted % 100 == 0) { write_count(out, accepted); } }
    }
    write_count(out, accepted);
    return 0;
}
