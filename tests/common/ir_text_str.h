/* ir_text_str.h — a block's text form as a string, for the IR tests that compare printed
 * blocks (tests/unit/test_ir.c, test_ir_text.c). Include it after <cmocka.h>.
 */
#ifndef FERRY_TESTS_IR_TEXT_STR_H
#define FERRY_TESTS_IR_TEXT_STR_H

#include <stdio.h>
#include <stdlib.h>

#include "ir/ir.h"

/* ir_print_block's output, malloc'd (the caller frees it). */
static inline char *ir_text_of(const IrBlock *blk)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    ir_print_block(f, blk);
    fclose(f);
    return buf;
}

#endif /* FERRY_TESTS_IR_TEXT_STR_H */
