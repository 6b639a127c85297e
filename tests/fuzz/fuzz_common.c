/* fuzz_common.c: set-up shared by the fuzz targets. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

void fuzz_isolate(void)
{
	char dir[] = "/tmp/ecsc-fuzz-XXXXXX";
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		perror("ecsc fuzz: a scratch directory");
		exit(1);
	}
}
