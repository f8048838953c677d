/* dev_chardev.c — the stdio, null and memory byte streams behind serial ports (dev_chardev.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "devices/dev_chardev.h"

/* ---------------------------------------------------------------- stdio */

static void stdio_write(DevChar *ch, uint8_t byte)
{
    for (;;) {
        ssize_t n = write(ch->out_fd, &byte, 1);
        if (n == 1 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return;             /* a closed stdout loses the byte, as a cable pulled out */
    }
}

static int stdio_wait(DevChar *ch, int timeout_ms)
{
    if (ch->eof)
        return 1;
    struct pollfd pfd = { .fd = ch->in_fd, .events = POLLIN };
    int n;
    do
        n = poll(&pfd, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n > 0;
}

static int stdio_read(DevChar *ch, uint8_t *byte)
{
    if (ch->eof)
        return DEV_CHAR_EOF;
    if (!stdio_wait(ch, 0))
        return DEV_CHAR_NONE;
    ssize_t n;
    do
        n = read(ch->in_fd, byte, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1)
        return DEV_CHAR_BYTE;
    if (n < 0 && errno == EAGAIN)
        return DEV_CHAR_NONE;
    ch->eof = 1;                /* end of file, or an error that will not go away */
    return DEV_CHAR_EOF;
}

static const DevCharOps stdio_ops = { stdio_write, stdio_read, stdio_wait };

void dev_char_init_stdio(DevChar *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->ops = &stdio_ops;
    ch->in_fd = 0;
    ch->out_fd = 1;
}

/* ---------------------------------------------------------------- null */

static void null_write(DevChar *ch, uint8_t byte)
{
    (void)ch; (void)byte;
}

static int null_read(DevChar *ch, uint8_t *byte)
{
    (void)ch; (void)byte;
    return DEV_CHAR_EOF;
}

static const DevCharOps null_ops = { null_write, null_read, NULL };

void dev_char_init_null(DevChar *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->ops = &null_ops;
    ch->eof = 1;
}

/* ---------------------------------------------------------------- memory (tests) */

static void mem_write(DevChar *ch, uint8_t byte)
{
    if (ch->out_len < sizeof ch->out)
        ch->out[ch->out_len++] = byte;
}

static int mem_read(DevChar *ch, uint8_t *byte)
{
    if (ch->in_pos == ch->in_len)
        return DEV_CHAR_NONE;
    *byte = ch->in[ch->in_pos++];
    return DEV_CHAR_BYTE;
}

static const DevCharOps mem_ops = { mem_write, mem_read, NULL };

void dev_char_init_mem(DevChar *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->ops = &mem_ops;
}

void dev_char_mem_feed(DevChar *ch, const void *bytes, size_t n)
{
    if (n > sizeof ch->in - ch->in_len)
        n = sizeof ch->in - ch->in_len;
    memcpy(ch->in + ch->in_len, bytes, n);
    ch->in_len += n;
}
