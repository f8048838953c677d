# tests/fuzz/fuzz.mk — the differential fuzzer (included by the top-level Makefile).
#
#   make fuzz [SEED=n] [FUZZ_COUNT=n] [FUZZ_DECODE_COUNT=n] [FUZZ_ONLY=alu,sse]
#             [FUZZ_EXCLUDE='mov cr/dr,maskmovdqu']
#       a long campaign: FUZZ_COUNT instruction sequences (default 1,000,000) over FUZZ_ONLY
#       (default: every class; FUZZ_EXCLUDE drops table rows by name, see fuzz_insn --list),
#       native vs ferry (interpreter raw and optimised, x86_64 backend), then FUZZ_DECODE_COUNT
#       random byte strings (default 10,000,000) through x86_decode and Capstone. The seed
#       defaults to the time of day; a mismatch prints its --replay command.
#   $(BUILD)/fuzz_insn --help      every option (--seed --count --max-len --only --replay ...)
#   $(BUILD)/tests/test_fuzz       the short fixed-seed run of `make test` (TAP output)
#
# Shared test code lives in tests/common/: the native execution harness (also used by the SSE
# unit tests, through their snippet harness sse_snippets.c) and the decoder-vs-Capstone
# comparison (also used by test_decode). The explicit link rules for those unit tests are
# here because the generic one links a single object.

TEST_COMMON_OBJS := $(BUILD)/obj/tests/common/native_harness.o $(BUILD)/obj/tests/common/decode_cmp.o


# The SSE suites: their snippet harness (tests/common/sse_snippets.c) on the native stub.
SSE_SUITES := $(addprefix $(BUILD)/tests/,test_sse test_ssse3 test_sse41 test_sse42)
$(SSE_SUITES): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/obj/tests/common/sse_snippets.o $(BUILD)/obj/tests/common/native_harness.o $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/tests/test_sse_approx: $(BUILD)/obj/tests/unit/test_sse_approx.o $(BUILD)/obj/tests/common/native_harness.o $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/tests/test_decode: $(BUILD)/obj/tests/unit/test_decode.o $(BUILD)/obj/tests/common/decode_cmp.o $(LIBFILES)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

FUZZ_SRCS := $(wildcard tests/fuzz/*.c)
FUZZ_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(FUZZ_SRCS)) $(TEST_COMMON_OBJS)

# The fuzzer drives the frontend, the IR and the backend directly: no runtime.
FUZZ_LIBS := $(call lib_of,frontend-x86) $(call lib_of,backend-x86_64) $(call lib_of,ir)
$(BUILD)/fuzz_insn: $(FUZZ_OBJS) $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# `make test` runs every $(BUILD)/tests/test_*: this one is the fuzzer's short fixed-seed
# suite (fuzz_insn.c, suite()), printing TAP lines.
$(BUILD)/tests/test_fuzz: $(BUILD)/fuzz_insn
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\n# The short fixed-seed differential fuzz run of make test (tests/fuzz/fuzz.mk).\nexec "$$(dirname "$$0")/../fuzz_insn" --suite\n' > $@
	chmod +x $@
unit-tests: $(BUILD)/tests/test_fuzz

SEED ?= $(shell date +%s)
FUZZ_COUNT ?= 1000000
FUZZ_DECODE_COUNT ?= 10000000
FUZZ_ONLY ?= all
FUZZ_EXCLUDE ?=
fuzz: $(BUILD)/fuzz_insn
	@rc=0; \
	$(BUILD)/fuzz_insn --seed $(SEED) --count $(FUZZ_COUNT) --only $(FUZZ_ONLY) \
	    $(if $(FUZZ_EXCLUDE),--exclude '$(FUZZ_EXCLUDE)') --quiet || rc=1; \
	$(BUILD)/fuzz_insn --seed $(SEED) --decode $(FUZZ_DECODE_COUNT) || rc=1; \
	exit $$rc
