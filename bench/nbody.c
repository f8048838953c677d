/* nbody.c — gravitational n-body simulation in double precision.
 *
 * Measures: scalar SSE2 double arithmetic (add, sub, mul, div, sqrt) in an O(n^2) pair loop
 * over arrays of structures, with loop-carried accumulations in memory. A cluster of bodies
 * with generated masses, positions and velocities is advanced with a kick-drift-kick
 * (velocity Verlet) integrator and Plummer softening; the checksum is taken over the bit
 * patterns of the energies and final positions and velocities, so the comparison is exact.
 */
#include <math.h>
#include <string.h>
#include "bench.h"

#define BODIES 64
#define STEPS  60000                   /* per unit of scale */
#define DT     1e-3
#define EPS2   1e-4                     /* softening length squared */

typedef struct {
    double x, y, z;
    double vx, vy, vz;
    double ax, ay, az;
    double m;
} Body;

static void accelerations(Body *b, int n)
{
    for (int i = 0; i < n; i++)
        b[i].ax = b[i].ay = b[i].az = 0.0;
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            double dx = b[j].x - b[i].x, dy = b[j].y - b[i].y, dz = b[j].z - b[i].z;
            double r2 = dx * dx + dy * dy + dz * dz + EPS2;
            double inv = 1.0 / (r2 * sqrt(r2));
            double fi = b[j].m * inv, fj = b[i].m * inv;
            b[i].ax += dx * fi; b[i].ay += dy * fi; b[i].az += dz * fi;
            b[j].ax -= dx * fj; b[j].ay -= dy * fj; b[j].az -= dz * fj;
        }
    }
}

static void step(Body *b, int n, double dt)
{
    for (int i = 0; i < n; i++) {
        b[i].vx += 0.5 * dt * b[i].ax;
        b[i].vy += 0.5 * dt * b[i].ay;
        b[i].vz += 0.5 * dt * b[i].az;
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
    accelerations(b, n);
    for (int i = 0; i < n; i++) {
        b[i].vx += 0.5 * dt * b[i].ax;
        b[i].vy += 0.5 * dt * b[i].ay;
        b[i].vz += 0.5 * dt * b[i].az;
    }
}

static double energy(const Body *b, int n)
{
    double e = 0.0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[j].x - b[i].x, dy = b[j].y - b[i].y, dz = b[j].z - b[i].z;
            e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz + EPS2);
        }
    }
    return e;
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int main(int argc, char **argv)
{
    int scale = bench_scale(argc, argv);
    Body b[BODIES];
    BenchRng rng = { 4242 };
    /* A roughly virialised ball: positions in the unit cube, small random velocities. */
    double px = 0, py = 0, pz = 0, mt = 0;
    for (int i = 0; i < BODIES; i++) {
        b[i].m = (0.5 + bench_unit(&rng)) / BODIES;
        b[i].x = 2.0 * bench_unit(&rng) - 1.0;
        b[i].y = 2.0 * bench_unit(&rng) - 1.0;
        b[i].z = 2.0 * bench_unit(&rng) - 1.0;
        b[i].vx = 0.3 * (bench_unit(&rng) - 0.5);
        b[i].vy = 0.3 * (bench_unit(&rng) - 0.5);
        b[i].vz = 0.3 * (bench_unit(&rng) - 0.5);
        px += b[i].m * b[i].vx; py += b[i].m * b[i].vy; pz += b[i].m * b[i].vz;
        mt += b[i].m;
    }
    for (int i = 0; i < BODIES; i++) {     /* zero total momentum */
        b[i].vx -= px / mt; b[i].vy -= py / mt; b[i].vz -= pz / mt;
    }
    accelerations(b, BODIES);
    double e0 = energy(b, BODIES);
    for (int s = 0; s < STEPS * scale; s++)
        step(b, BODIES, DT);
    double e1 = energy(b, BODIES);

    uint64_t sum = bench_mix(bits(e0), bits(e1));
    for (int i = 0; i < BODIES; i++) {
        sum = bench_mix(sum, bits(b[i].x));
        sum = bench_mix(sum, bits(b[i].vy));
    }
    /* A self-check that needs no printf of doubles: the integrator conserves energy to a
     * few parts per million at this step size; a wrong translation of the arithmetic does
     * not. */
    if (fabs(e1 - e0) > 1e-4 * fabs(e0)) {
        fprintf(stderr, "nbody: energy not conserved\n");
        return 1;
    }
    return bench_report("nbody", sum);
}
