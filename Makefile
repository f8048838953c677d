# ferry — build, test and benchmark.
#
#   make              build/ferry (x86_64 host backend) and the test programs
#   make test         every test (unit, IR text, decoder vs Capstone, guest programs vs native)
#   make asan         the same tests with an ASan+UBSan build in build-asan/
#   make check-deps   fail on an #include that breaks DESIGN.md's module table
#   make demo         build and run the bundled hello guest
#
# Each module builds as its own static library; runtime/main.c is the program.

BUILD    ?= build
CC       ?= gcc
OPT      ?= -O2
SAN      ?=
# Release builds drop assert() and the builder's per-instruction verification (a third of
# translation time); `make asan` builds with CHECKS=1 and keeps both.
CHECKS   ?=
NDEBUG_FLAG := $(if $(CHECKS),,-DNDEBUG)
CAPSTONE_CFLAGS := $(shell pkg-config --cflags capstone 2>/dev/null)
CFLAGS   := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -I. $(CAPSTONE_CFLAGS) $(OPT) $(NDEBUG_FLAG) $(SAN) -MMD -MP
LDFLAGS  := $(SAN)
LIBS     := -lcapstone -lelf -lxxhash -lm -lpthread

MODULES  := ir frontend-x86 backend-x86_64 runtime
lib_of    = $(BUILD)/lib/lib$(subst /,_,$(1)).a
LIBFILES := $(call lib_of,runtime) $(call lib_of,frontend-x86) $(call lib_of,backend-x86_64) $(call lib_of,ir)

# Sources of a module: its .c files, except the program entry point.
srcs_of   = $(filter-out runtime/main.c,$(wildcard $(1)/*.c))
objs_of   = $(patsubst %.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))

# Keep object files make would otherwise treat as intermediate (and delete after each build).
.SECONDARY:
.PHONY: all test asan check-deps demo clean unit-tests guests fuzz bench
all: $(BUILD)/ferry unit-tests guests

define MODULE_RULES
$(call lib_of,$(1)): $(call objs_of,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call MODULE_RULES,$(m))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/ferry: $(BUILD)/obj/runtime/main.o $(LIBFILES)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- unit tests (cmocka): tests/unit/test_*.c, one program each
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
unit-tests: $(UNIT_BINS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# ---- guest programs: static, gcc and musl-gcc, -O0 and -O2 (never sanitized: they are guests)
GUEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_VARIANTS := gcc-O0 gcc-O2 musl-O0 musl-O2
GUEST_BINS := $(foreach s,$(GUEST_SRCS),$(foreach v,$(GUEST_VARIANTS),$(BUILD)/guest/$(basename $(notdir $(s))).$(v)))
GUEST_CFLAGS := -Wall -static -fno-stack-protector
guests: $(GUEST_BINS)
$(BUILD)/guest/%.gcc-O0: tests/guest/%.c
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -O0 -o $@ $< -lm
$(BUILD)/guest/%.gcc-O2: tests/guest/%.c
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -O2 -o $@ $< -lm
$(BUILD)/guest/%.musl-O0: tests/guest/%.c
	@mkdir -p $(dir $@)
	musl-gcc $(GUEST_CFLAGS) -O0 -o $@ $< -lm
$(BUILD)/guest/%.musl-O2: tests/guest/%.c
	@mkdir -p $(dir $@)
	musl-gcc $(GUEST_CFLAGS) -O2 -o $@ $< -lm

# ---- the suites
test: all
	@tests/run.sh $(BUILD)

asan:
	$(MAKE) BUILD=build-asan OPT=-O1 CHECKS=1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

check-deps:
	@scripts/check-deps.sh

demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory $(BUILD)/ferry $(BUILD)/guest/hello.gcc-O2
	$(BUILD)/ferry $(BUILD)/guest/hello.gcc-O2

clean:
	rm -rf build build-asan build-aarch64

# ---- benchmarks (bench/bench.mk: programs, harness, `make bench`)
-include bench/bench.mk
# ---- differential fuzzing (tests/fuzz/fuzz.mk: `make fuzz`, the short run of `make test`)
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
