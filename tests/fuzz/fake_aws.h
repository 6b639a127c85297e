/* fake_aws.h: AWS's answers from memory for the runtime's fuzz targets. */
#ifndef ECS_FAKE_AWS_H
#define ECS_FAKE_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ecsrt.h"

typedef struct {
	const char *body;
	size_t len;
} FakeAnswer;

/* The answers the next calls get (borrowed; n 0: every answer empty). */
void fake_aws_answers(const FakeAnswer *answers, size_t n);
/* Splits data at each line "%%" into at most max answers (borrowing
 * data); returns their number. */
size_t fake_aws_split(const uint8_t *data, size_t size, FakeAnswer *out, size_t max);

#endif
