# tests/system/system.mk — the system-mode test kernels (included by the Makefile).
#
# Freestanding x86-64 ELF64 kernels linked at 1 MiB (kernel.ld) from start.S, lib.c and one
# test file each; always built with the host's gcc for x86-64, whatever HOST is. They use no
# SSE (-mgeneral-regs-only), so interrupt handlers need not save vector registers.
SYSTEM_KERNELS := hello uart pit_irq rtc traps stops apic_timer storm paging user
SYSTEM_BINS    := $(SYSTEM_KERNELS:%=$(BUILD)/system/%.elf)
KERNEL_CFLAGS  := -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -mno-red-zone \
                  -mgeneral-regs-only -fno-pic -fno-pie -fno-stack-protector \
                  -fno-asynchronous-unwind-tables -fcf-protection=none -I.
KERNEL_LDFLAGS := -static -no-pie -Wl,-T,tests/system/kernel.ld -Wl,--build-id=none \
                  -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack
KERNEL_COMMON  := tests/system/start.S tests/system/lib.c
system-kernels: $(SYSTEM_BINS)
$(BUILD)/system/%.elf: tests/system/%.c $(KERNEL_COMMON) tests/system/lib.h tests/system/pt.h tests/system/kernel.ld runtime/system_boot.h
	@mkdir -p $(dir $@)
	gcc $(KERNEL_CFLAGS) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_COMMON) $<
