# ferry — build, test and benchmark.
#
#   make              build/ferry (x86_64 host backend) and the test programs
#   make test         every test (unit, IR text, decoder vs Capstone, guest programs vs native),
#                     then the aarch64 build's unit tests, gcc-O2/musl-O2 guest programs and the
#                     test kernels (ferry-system) under qemu
#   make HOST=aarch64 cross-build ferry with the aarch64 backend into build-aarch64/
#   make test-aarch64 that build's unit tests and the guest programs under qemu-aarch64-static
#   make test-aarch64-system  tests/system/run.sh with the aarch64 ferry-system under qemu
#   make asan         the same tests with an ASan+UBSan build in build-asan/
#   make check-deps   fail on an #include that breaks DESIGN.md's module table
#   make demo         build and run the bundled hello guest
#   make approx-tables remake frontend-x86/x86_approx_tables.c from this (x86-64 Intel) host
#
# Each module builds as its own static library; runtime/main.c is the program.

# HOST picks the host ferry is built for: x86_64 (native, into build/) or aarch64 (a cross
# build with aarch64-linux-gnu-gcc against Debian's arm64 multiarch libraries, into
# build-aarch64/). Guest programs are x86-64 either way: the same gcc/musl-gcc builds.
HOST     ?= x86_64
ifeq ($(HOST),aarch64)
BUILD    ?= build-aarch64
CROSS_CC ?= aarch64-linux-gnu-gcc
override CC := $(CROSS_CC)
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
BACKEND  := backend-aarch64
# The ferry binaries link -static-pie (libz is libelf's): qemu-aarch64-static 7.2 hangs in
# pthread_create of a dynamically linked aarch64 program, so threaded guests could not be
# tested under it otherwise. A64_STATIC= links them dynamically (for real aarch64 hosts).
A64_STATIC ?= 1
FERRY_LDFLAGS := $(if $(A64_STATIC),-static-pie)
FERRY_LIBS := $(if $(A64_STATIC),-lz)
else ifeq ($(HOST),x86_64)
BUILD    ?= build
CC       ?= gcc
PKG_CONFIG := pkg-config
BACKEND  := backend-x86_64
else
$(error HOST must be x86_64 or aarch64, not '$(HOST)')
endif
OPT      ?= -O2
SAN      ?=
# Release builds drop assert() and the builder's per-instruction verification (a third of
# translation time); `make asan` builds with CHECKS=1 and keeps both.
CHECKS   ?=
NDEBUG_FLAG := $(if $(CHECKS),,-DNDEBUG)
CAPSTONE_CFLAGS := $(shell $(PKG_CONFIG) --cflags capstone 2>/dev/null)
CFLAGS   := -std=c11 -D_GNU_SOURCE -frounding-math -fno-math-errno -Wall -Wextra -Werror -g -I. $(CAPSTONE_CFLAGS) $(OPT) $(NDEBUG_FLAG) $(SAN) -MMD -MP
LDFLAGS  := $(SAN)
LIBS     := -lcapstone -lelf -lxxhash -lm -lpthread

MODULES  := ir frontend-x86 $(BACKEND) runtime devices
lib_of    = $(BUILD)/lib/lib$(subst /,_,$(1)).a
LIBFILES := $(call lib_of,runtime) $(call lib_of,devices) $(call lib_of,frontend-x86) $(call lib_of,$(BACKEND)) $(call lib_of,ir)

# Sources of a module: its .c files, except the program entry point.
srcs_of   = $(filter-out runtime/main.c runtime/main_system.c,$(wildcard $(1)/*.c))
objs_of   = $(patsubst %.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))

# No `.SECONDARY:` without prerequisites: it makes every target intermediate, and make then
# skips building a missing intermediate whose sources are older than what needs it, so a new
# .c file older than its module's archive (a checkout, a cp -p, a merge) was left out of the
# archive until something else changed. The only objects make would treat as intermediate
# (and delete) are the unit tests' (reached only through the pattern rule below): they are
# named as targets there instead.
.PHONY: all test test-aarch64 test-aarch64-unit test-aarch64-ci test-aarch64-system asan check-deps demo clean unit-tests guests fuzz bench \
        approx-tables system-kernels
all: $(BUILD)/ferry $(BUILD)/ferry-system unit-tests guests system-kernels

# Each archive also depends on its list of members, rewritten only when the list changes: a
# source removed or renamed rebuilds the archive without the old member (ar would keep it,
# and the link could still pick up the old code).
define MODULE_RULES
$(call lib_of,$(1)): $(call objs_of,$(1)) $(call lib_of,$(1)).members
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$(filter %.o,$$^)
$(call lib_of,$(1)).members: FORCE
	@mkdir -p $$(dir $$@)
	@echo '$(call objs_of,$(1))' | cmp -s - $$@ || echo '$(call objs_of,$(1))' > $$@
endef
.PHONY: FORCE
FORCE:
$(foreach m,$(MODULES),$(eval $(call MODULE_RULES,$(m))))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/ferry: $(BUILD)/obj/runtime/main.o $(LIBFILES)
	$(CC) $(LDFLAGS) $(FERRY_LDFLAGS) -o $@ $^ $(LIBS) $(FERRY_LIBS)

# System mode (runtime/machine*.c, devices/): the same libraries, another entry point.
$(BUILD)/ferry-system: $(BUILD)/obj/runtime/main_system.o $(LIBFILES)
	$(CC) $(LDFLAGS) $(FERRY_LDFLAGS) -o $@ $^ $(LIBS) $(FERRY_LIBS)

# ---- unit tests (cmocka): tests/unit/test_*.c, one program each. Each backend's test is built
# for its own host only; on aarch64 hosts the tests that run guest code natively are left out.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
ifeq ($(HOST),aarch64)
UNIT_SRCS  := $(filter-out tests/unit/test_backend_x64.c tests/unit/test_sse.c tests/unit/test_ssse3.c tests/unit/test_sse41.c tests/unit/test_sse42.c,$(UNIT_SRCS))
# test_x87's helpers for its x86-native comparisons are unused on other hosts
$(BUILD)/obj/tests/unit/test_x87.o: CFLAGS += -Wno-unused-function -Wno-unused-const-variable
else
UNIT_SRCS  := $(filter-out tests/unit/test_backend_a64.c,$(UNIT_SRCS))
endif
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
unit-tests: $(UNIT_BINS)
# named, so never intermediate (see .SECONDARY above); their recipe is the %.o pattern's
$(patsubst tests/unit/%.c,$(BUILD)/obj/tests/unit/%.o,$(UNIT_SRCS)):
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# ---- guest programs (never sanitized: they are guests), all static: every tests/guest/*.c
# with gcc -O0/-O2/-O3 and -O3 -march=x86-64-v2 (SSE4.2, POPCNT...), musl-gcc -O0/-O2 and
# clang -O0/-O2/-O3; every tests/guest/*.cc with
# g++ -O0/-O2/-O3 and clang++ -O2.
GUEST_SRCS := $(wildcard tests/guest/*.c)
GUEST_CXX_SRCS := $(wildcard tests/guest/*.cc)
GUEST_VARIANTS := gcc-O0 gcc-O2 gcc-O3 gcc-v2 musl-O0 musl-O2
GUEST_BINS := $(foreach s,$(GUEST_SRCS),$(foreach v,$(GUEST_VARIANTS),$(BUILD)/guest/$(basename $(notdir $(s))).$(v)))
# clang too, except where the source is gcc-specific: bmi_c enables BMI with
# `#pragma GCC target`, and sig_traps defines a global label in inline asm that clang's
# inliner duplicates.
CLANG_SKIP := bmi_c sig_traps
CLANG_VARIANTS := clang-O0 clang-O2 clang-O3
GUEST_BINS += $(foreach s,$(filter-out $(CLANG_SKIP:%=tests/guest/%.c),$(GUEST_SRCS)),$(foreach v,$(CLANG_VARIANTS),$(BUILD)/guest/$(basename $(notdir $(s))).$(v)))
CXX_VARIANTS := gxx-O0 gxx-O2 gxx-O3 clangxx-O2
GUEST_BINS += $(foreach s,$(GUEST_CXX_SRCS),$(foreach v,$(CXX_VARIANTS),$(BUILD)/guest/$(basename $(notdir $(s))).$(v)))
GUEST_CFLAGS := -Wall -static -fno-stack-protector
GUEST_CXXFLAGS := -std=c++17 -Wall -static -fno-stack-protector
guests: $(GUEST_BINS)
# the guest programs that share tests/guest/show_errors.h
SHOW_ERRORS_USERS := event_fds fs_calls net_sockets poll_epoll
$(filter $(SHOW_ERRORS_USERS:%=$(BUILD)/guest/%.%),$(GUEST_BINS)): tests/guest/show_errors.h
$(BUILD)/guest/%.gcc-O0: tests/guest/%.c
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -O0 -o $@ $< -lm
$(BUILD)/guest/%.gcc-O2: tests/guest/%.c
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -O2 -o $@ $< -lm
$(BUILD)/guest/%.gcc-O3: tests/guest/%.c
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -O3 -o $@ $< -lm
$(BUILD)/guest/%.gcc-v2: tests/guest/%.c
	@mkdir -p $(dir $@)
	gcc $(GUEST_CFLAGS) -O3 -march=x86-64-v2 -o $@ $< -lm
$(BUILD)/guest/%.clang-O0: tests/guest/%.c
	@mkdir -p $(dir $@)
	clang $(GUEST_CFLAGS) -O0 -o $@ $< -lm
$(BUILD)/guest/%.clang-O2: tests/guest/%.c
	@mkdir -p $(dir $@)
	clang $(GUEST_CFLAGS) -O2 -o $@ $< -lm
$(BUILD)/guest/%.clang-O3: tests/guest/%.c
	@mkdir -p $(dir $@)
	clang $(GUEST_CFLAGS) -O3 -o $@ $< -lm
$(BUILD)/guest/%.musl-O0: tests/guest/%.c
	@mkdir -p $(dir $@)
	musl-gcc $(GUEST_CFLAGS) -O0 -o $@ $< -lm
$(BUILD)/guest/%.musl-O2: tests/guest/%.c
	@mkdir -p $(dir $@)
	musl-gcc $(GUEST_CFLAGS) -O2 -o $@ $< -lm
$(BUILD)/guest/%.gxx-O0: tests/guest/%.cc
	@mkdir -p $(dir $@)
	g++ $(GUEST_CXXFLAGS) -O0 -o $@ $<
$(BUILD)/guest/%.gxx-O2: tests/guest/%.cc
	@mkdir -p $(dir $@)
	g++ $(GUEST_CXXFLAGS) -O2 -o $@ $<
$(BUILD)/guest/%.gxx-O3: tests/guest/%.cc
	@mkdir -p $(dir $@)
	g++ $(GUEST_CXXFLAGS) -O3 -o $@ $<
$(BUILD)/guest/%.clangxx-O2: tests/guest/%.cc
	@mkdir -p $(dir $@)
	clang++ $(GUEST_CXXFLAGS) -O2 -o $@ $<

# ---- the suites
# `make test` ends with the aarch64 build's suites under qemu (test-aarch64-ci; TEST_AARCH64=
# leaves them out, `make asan` does): its unit tests and the guest programs of build/guest in
# two variants (gcc-O2 and musl-O2: the other variants add little for the backend and cost
# minutes under qemu) and the shell scripts under busybox only, with the programs that meet qemu-user limits skipped by name
# (tests/guest/qemu-aarch64-static.skip). `make test-aarch64` runs every variant.
TEST_AARCH64 ?= 1
# One total line at the end, over the x86_64 suites and (TEST_AARCH64) the aarch64 suites.
TEST_SUITES := 'tests/run.sh $(BUILD)' 'tests/system/run.sh $(BUILD)'
ifeq ($(HOST)$(TEST_AARCH64),x86_641)
TEST_SUITES += '$(MAKE) --no-print-directory test-aarch64-ci' '$(MAKE) --no-print-directory test-aarch64-system'
endif
A64_CI_VARIANTS ?= gcc-O2 musl-O2
# The suites run TEST_JOBS at a time (tests/total.sh shows each one's output whole, in order):
# everything they build is built first, so no two of them build the same file at once.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
test:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) all
ifeq ($(HOST)$(TEST_AARCH64),x86_641)
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) HOST=aarch64 BUILD=build-aarch64 \
	    build-aarch64/ferry build-aarch64/ferry-system unit-tests system-kernels
endif
	@tests/total.sh -j $(TEST_JOBS) $(TEST_SUITES)

# The aarch64 build's suites on this machine: its programs run under qemu-aarch64-static
# (FERRY_WRAPPER, read by tests/run.sh and tests/guest/run.sh) with the arm64 libraries
# installed by scripts/install-deps.sh. test_loader starts ferry itself, which qemu-user cannot
# do without binfmt_misc, so it runs only on real aarch64 hosts.
QEMU_AARCH64 ?= qemu-aarch64-static
AARCH64_RUN := FERRY_WRAPPER=$(QEMU_AARCH64) FERRY_SKIP=test_loader tests/run.sh build-aarch64
test-aarch64:
	@$(MAKE) --no-print-directory HOST=aarch64 BUILD=build-aarch64 all
	@$(AARCH64_RUN)
# The system-mode suite with the aarch64 ferry-system under qemu-aarch64-static (the test
# kernels are built with the x86-64 gcc whatever HOST is).
test-aarch64-system:
	@$(MAKE) --no-print-directory HOST=aarch64 BUILD=build-aarch64 build-aarch64/ferry \
	    build-aarch64/ferry-system system-kernels
	@FERRY_WRAPPER=$(QEMU_AARCH64) tests/system/run.sh build-aarch64
test-aarch64-unit:
	@$(MAKE) --no-print-directory HOST=aarch64 BUILD=build-aarch64 build-aarch64/ferry unit-tests
	@FERRY_NO_GUESTS=1 $(AARCH64_RUN)
test-aarch64-ci: $(if $(filter x86_64,$(HOST)),guests)
	@$(MAKE) --no-print-directory HOST=aarch64 BUILD=build-aarch64 build-aarch64/ferry unit-tests
	@FERRY_GUEST_DIR=$(BUILD)/guest FERRY_GUEST_VARIANTS='$(A64_CI_VARIANTS)' FERRY_SCRIPT_SHELLS=busybox $(AARCH64_RUN)

asan:
	$(MAKE) BUILD=build-asan OPT=-O1 CHECKS=1 TEST_AARCH64= SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

check-deps:
	@scripts/check-deps.sh

demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory $(BUILD)/ferry $(BUILD)/guest/hello.gcc-O2
	$(BUILD)/ferry $(BUILD)/guest/hello.gcc-O2

clean:
	rm -rf build build-asan build-aarch64

# rcpps/rsqrtps results are the CPU's own (the SDM bounds only their error): their tables are
# measured on an x86-64 Intel host by tests/tools/gen_approx_tables.c and committed. Never part
# of the normal build; run it only to remake the tables (for another CPU generation, say).
approx-tables:
	@mkdir -p $(BUILD)/tools
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -I. -o $(BUILD)/tools/gen_approx_tables \
	    tests/tools/gen_approx_tables.c
	$(BUILD)/tools/gen_approx_tables frontend-x86/x86_approx_tables.c

# ---- system-mode test kernels (tests/system/system.mk), booted by tests/system/run.sh
include tests/system/system.mk
# ---- benchmarks (bench/bench.mk: programs, harness, `make bench`)
-include bench/bench.mk
# ---- differential fuzzing (tests/fuzz/fuzz.mk: `make fuzz`, the short run of `make test`); it
# runs guest code natively, so an aarch64 build has only the shared decoder comparison.
# the shared backend suite (tests/common/backend_suite*.c), linked into each host's backend test
BE_SUITE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/common/backend_suite*.c) tests/common/backend_limit.c)
ifeq ($(HOST),aarch64)
$(BUILD)/tests/test_decode: $(BUILD)/obj/tests/unit/test_decode.o $(BUILD)/obj/tests/common/decode_cmp.o $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka
$(BUILD)/tests/test_backend_a64: $(BUILD)/obj/tests/unit/test_backend_a64.o $(BE_SUITE_OBJS) $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka
else
$(BUILD)/tests/test_backend_x64: $(BUILD)/obj/tests/unit/test_backend_x64.o $(BE_SUITE_OBJS) $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka
-include tests/fuzz/fuzz.mk
endif

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
