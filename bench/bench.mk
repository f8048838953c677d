# bench.mk — the benchmark programs and the harness (included by the top-level Makefile).
#
#   make bench           every program natively, under ferry, qemu-x86_64 and
#                        valgrind --tool=none, 5 repetitions each (bench/run.py)
#   make bench-quick     the same with one repetition: a smoke test of programs and harness
#   make bench-progs     only build the programs into $(BUILD)/bench/
#
# BENCH_ARGS passes options to bench/run.py, e.g.
#   make bench BENCH_ARGS='--runners native,ferry --programs sha256,nbody -n 3'
# Results: $(BUILD)/bench/results.json and, with matplotlib, $(BUILD)/bench/results.png.
#
# The programs are guests: built with the system gcc, never with $(CC), $(OPT) or $(SAN),
# so every build directory (build-asan too) benchmarks the same binaries.

BENCH_SRCS   := $(wildcard bench/*.c)
BENCH_BINS   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
BENCH_CFLAGS := -O2 -static -Wall -Wextra
BENCH_ARGS   ?=
# The harness needs only Python 3; the chart needs matplotlib, so prefer the python3 that
# can import it (pyenv's python3 may come first on PATH without it).
BENCH_PYTHON ?= $(shell for p in python3 /usr/bin/python3; do \
                    if $$p -c 'import matplotlib' 2>/dev/null; then echo $$p; exit; fi; \
                done; echo python3)

.PHONY: bench-quick bench-progs

bench-progs: $(BENCH_BINS)

$(BUILD)/bench/%: bench/%.c bench/bench.h
	@mkdir -p $(dir $@)
	gcc $(BENCH_CFLAGS) -o $@ $< -lm

bench: $(BUILD)/ferry $(BENCH_BINS)
	$(BENCH_PYTHON) bench/run.py --build $(BUILD) $(BENCH_ARGS)

bench-quick: $(BUILD)/ferry $(BENCH_BINS)
	$(BENCH_PYTHON) bench/run.py --build $(BUILD) -n 1 $(BENCH_ARGS)
