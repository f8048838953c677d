# tests/system/system.mk — the system-mode test kernels (included by the Makefile).
#
# Freestanding x86-64 ELF64 kernels linked at 1 MiB (kernel.ld) from start.S, isr.S, lib.c,
# idt.c and one test file each; always built with the host's gcc for x86-64, whatever HOST is. They use no
# SSE (-mgeneral-regs-only), so interrupt handlers need not save vector registers.
SYSTEM_KERNELS := hello uart pit_irq rtc traps stops apic_timer storm paging user
SYSTEM_BINS    := $(SYSTEM_KERNELS:%=$(BUILD)/system/%.elf)
KERNEL_CFLAGS  := -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -mno-red-zone \
                  -mgeneral-regs-only -fno-pic -fno-pie -fno-stack-protector \
                  -fno-asynchronous-unwind-tables -fcf-protection=none -I.
KERNEL_LDFLAGS := -static -no-pie -Wl,-T,tests/system/kernel.ld -Wl,--build-id=none \
                  -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack
KERNEL_COMMON  := tests/system/start.S tests/system/isr.S tests/system/lib.c tests/system/idt.c
system-kernels: $(SYSTEM_BINS)
$(BUILD)/system/%.elf: tests/system/%.c $(KERNEL_COMMON) tests/system/lib.h tests/system/pt.h tests/system/kernel.ld runtime/system_boot.h
	@mkdir -p $(dir $@)
	gcc $(KERNEL_CFLAGS) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_COMMON) $<

# The same kernels as Multiboot images (NAME.mb.elf, mb.ld): mb_entry.S enters long mode,
# mb_handoff.c rebuilds ferry's hand-off and jumps to start.S's _start, so that qemu-system-
# x86_64 -kernel boots them too and tests/system/run.sh compares its output with ferry's.
SYSTEM_MB_BINS := $(SYSTEM_KERNELS:%=$(BUILD)/system/%.mb.elf)
system-kernels: $(SYSTEM_MB_BINS)
$(BUILD)/system/%.mb.elf: tests/system/%.c $(KERNEL_COMMON) tests/system/mb_entry.S tests/system/mb_handoff.c \
                          tests/system/lib.h tests/system/mb.h tests/system/pt.h tests/system/mb.ld runtime/system_boot.h
	@mkdir -p $(dir $@)
	gcc $(KERNEL_CFLAGS) $(MB_LDFLAGS) -o $@ tests/system/mb_entry.S tests/system/mb_handoff.c \
	    $(KERNEL_COMMON) $<

# Multiboot kernels (mb.ld, at 1 MiB): mb_hello, mb_traps and mb_ring3_32 are 32-bit ELF32 kernels
# (mb_start32.S, no a.out kludge); mb_long is an ELF64 kernel with the a.out kludge that
# switches to long mode itself (mb_entry.S, as the ELF64 kernels' Multiboot images do). qemu-
# system-x86_64 boots all three as well (tests/system/run.sh compares the two runs).
MB32_KERNELS   := mb_hello mb_traps mb_ring3_32
MB_BINS        := $(MB32_KERNELS:%=$(BUILD)/system/%.elf) $(BUILD)/system/mb_long.elf \
                  $(BUILD)/system/mb_long_elf.elf
MB_CFLAGS      := $(filter-out -mno-red-zone,$(KERNEL_CFLAGS))
MB_LDFLAGS     := -static -no-pie -Wl,-T,tests/system/mb.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
                  -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack
MB_DEPS        := tests/system/isr.S tests/system/idt.c tests/system/lib.c tests/system/lib.h \
                  tests/system/mb.h tests/system/mb_info.c tests/system/mb.ld
system-kernels: $(MB_BINS)
$(BUILD)/system/mb_%.elf: tests/system/mb_%.c tests/system/mb_start32.S $(MB_DEPS)
	@mkdir -p $(dir $@)
	gcc -m32 $(MB_CFLAGS) $(MB_LDFLAGS) -Wl,-m,elf_i386 -o $@ tests/system/mb_start32.S \
	    tests/system/isr.S tests/system/lib.c tests/system/idt.c tests/system/mb_info.c $<
$(BUILD)/system/mb_long.elf: tests/system/mb_entry.S tests/system/mb_long.S tests/system/mb_long.c \
                             $(MB_DEPS)
	@mkdir -p $(dir $@)
	gcc $(KERNEL_CFLAGS) $(MB_LDFLAGS) -o $@ tests/system/mb_entry.S tests/system/mb_long.S \
	    tests/system/isr.S tests/system/lib.c tests/system/idt.c tests/system/mb_info.c \
	    tests/system/mb_long.c
# The same without the a.out kludge: an ELF64 Multiboot kernel QEMU refuses, ferry loads.
$(BUILD)/system/mb_long_elf.elf: tests/system/mb_entry.S tests/system/mb_long.S tests/system/mb_long.c \
                                 $(MB_DEPS)
	@mkdir -p $(dir $@)
	gcc $(KERNEL_CFLAGS) -DMB_NO_KLUDGE $(MB_LDFLAGS) -o $@ tests/system/mb_entry.S tests/system/mb_long.S \
	    tests/system/isr.S tests/system/lib.c tests/system/idt.c tests/system/mb_info.c \
	    tests/system/mb_long.c
