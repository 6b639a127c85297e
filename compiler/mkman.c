/* mkman.c: writes the man page, ecsc.1, from the command line's table
 * (cli.c) at build time: mkman OUTPUT. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	if (argc != 2)
		return fputs("usage: mkman OUTPUT\n", stderr), 2;
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return perror(argv[1]), 2;
	cli_print_man(f);
	return fclose(f) == 0 ? 0 : 2;
}
