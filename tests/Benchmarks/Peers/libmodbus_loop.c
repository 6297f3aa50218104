/* Reads 10 holding registers N times with libmodbus over TCP; prints the CPU seconds of the loop.
   Built by the benchmark: cc -O2 -o libmodbus_loop libmodbus_loop.c $(pkg-config --cflags --libs libmodbus)
   usage: libmodbus_loop HOST PORT N */
#include <modbus.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s HOST PORT N\n", argv[0]); return 2; }
    modbus_t *ctx = modbus_new_tcp(argv[1], atoi(argv[2]));
    int n = atoi(argv[3]);
    uint16_t registers[10];
    if (ctx == NULL || modbus_connect(ctx) == -1) { fprintf(stderr, "connect: %s\n", modbus_strerror(errno)); return 1; }
    modbus_set_slave(ctx, 1);
    for (int i = 0; i < 1000; i++) modbus_read_registers(ctx, 0, 10, registers); /* warm-up */
    double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID), wall = seconds(CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++) {
        if (modbus_read_registers(ctx, 0, 10, registers) != 10) { fprintf(stderr, "read: %s\n", modbus_strerror(errno)); return 1; }
    }
    printf("cpu=%.6f wall=%.6f n=%d\n", seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu, seconds(CLOCK_MONOTONIC) - wall, n);
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}
