/* main_system.c — the ferry-system program: `ferry-system -kernel FILE [options]`
 * (machine_main.c does the work; `ferry --system ...` gets there too). */
#include "runtime/machine.h"

int main(int argc, char **argv)
{
    rt_machine_main(argc, argv);
}
