/* dev_chardev.h — where a serial port's bytes go and come from on the host.
 *
 * A DevChar is a byte stream with a non-blocking read: the UART pulls input only when it has
 * room (so host input is never lost to an overrun the guest did not cause) and pushes each
 * byte it transmits. Backends: stdio (`-serial stdio`: output to the host's stdout, written
 * through at once so nothing is lost when the machine ends abruptly; input from stdin, looked
 * at with poll so the descriptor's flags, shared with the shell, are left alone), null
 * (`-serial none`: output dropped, no input) and a memory buffer for tests.
 */
#ifndef FERRY_DEV_CHARDEV_H
#define FERRY_DEV_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

enum {
    DEV_CHAR_NONE = 0,          /* read: no byte now */
    DEV_CHAR_BYTE = 1,          /* read: *byte is the next input byte */
    DEV_CHAR_EOF = -1,          /* read: the input has ended; no byte will ever come */
};

typedef struct DevChar DevChar;
typedef struct DevCharOps {
    void (*write)(DevChar *ch, uint8_t byte);
    int (*read)(DevChar *ch, uint8_t *byte);        /* DEV_CHAR_* */
    /* Wait up to timeout_ms (-1: forever) for input: 1 when some is ready (or at its end),
     * 0 on timeout. NULL: the backend never gets input. */
    int (*wait)(DevChar *ch, int timeout_ms);
} DevCharOps;

/* The memory backend's buffers (tests). */
#define DEV_CHAR_MEM_SIZE 4096

struct DevChar {
    const DevCharOps *ops;
    int in_fd, out_fd;          /* stdio */
    int eof;                    /* the input ended */
    /* memory backend: what was written, and the input to hand out */
    uint8_t out[DEV_CHAR_MEM_SIZE];
    size_t out_len;
    uint8_t in[DEV_CHAR_MEM_SIZE];
    size_t in_len, in_pos;
};

void dev_char_init_stdio(DevChar *ch);
void dev_char_init_null(DevChar *ch);
void dev_char_init_mem(DevChar *ch);
/* Memory backend: queue n bytes of input. */
void dev_char_mem_feed(DevChar *ch, const void *bytes, size_t n);

static inline void dev_char_write(DevChar *ch, uint8_t byte) { ch->ops->write(ch, byte); }
static inline int dev_char_read(DevChar *ch, uint8_t *byte) { return ch->ops->read(ch, byte); }

#endif /* FERRY_DEV_CHARDEV_H */
