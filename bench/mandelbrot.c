/* mandelbrot.c — escape-time rendering of the Mandelbrot set in double precision.
 *
 * Measures: a short, hot floating-point loop (multiply, add, subtract, compare) whose trip
 * count depends on the data, so the compare-and-branch on a double (ucomisd / comisd and the
 * flags it sets) runs as often as the arithmetic. The image is rendered at several zoom
 * levels around a point on the set's boundary; each pixel's iteration count and the final
 * |z|^2 bucket feed the checksum, and a one-bit-per-pixel bitmap is packed as in PBM output.
 */
#include <string.h>
#include "bench.h"

#define WIDTH    512
#define HEIGHT   384
#define MAX_ITER 1000
#define FRAMES   4                      /* zoom levels per unit of scale */

static int escape(double cr, double ci, double *mag)
{
    double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
    int n = 0;
    while (n < MAX_ITER && zr2 + zi2 <= 4.0) {
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        n++;
    }
    *mag = zr2 + zi2;
    return n;
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    static uint8_t bitmap[HEIGHT][(WIDTH + 7) / 8];
    const double cx = -0.743643887037151, cy = 0.131825904205330;
    uint64_t sum = 0, total = 0;
    double span = 3.0;
    for (int frame = 0; frame < FRAMES * scale; frame++) {
        if (frame % FRAMES == 0)
            span = 3.0;
        memset(bitmap, 0, sizeof bitmap);
        double step = span / WIDTH;
        for (int y = 0; y < HEIGHT; y++) {
            double ci = cy + (y - HEIGHT / 2) * step;
            for (int x = 0; x < WIDTH; x++) {
                double cr = cx + (x - WIDTH / 2) * step;
                double mag;
                int n = escape(cr, ci, &mag);
                total += (uint64_t)n;
                if (n == MAX_ITER)
                    bitmap[y][x / 8] |= (uint8_t)(0x80 >> (x % 8));
                else
                    sum = bench_mix(sum, (uint64_t)n << 8 | (uint64_t)(mag * 8.0));
            }
        }
        for (int y = 0; y < HEIGHT; y++)
            for (int i = 0; i < (WIDTH + 7) / 8; i++)
                sum = bench_mix(sum, bitmap[y][i]);
        span *= 0.12;
    }
    return bench_report("mandelbrot", bench_mix(sum, total));
}
