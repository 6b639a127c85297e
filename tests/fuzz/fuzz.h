/* fuzz.h: what the libFuzzer targets share (tests/fuzz/README.md). */
#ifndef ECS_FUZZ_H
#define ECS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Moves the process into a fresh empty directory, so that what an input
 * names (an import) is never a file of the machine's. */
void fuzz_isolate(void);

#endif
