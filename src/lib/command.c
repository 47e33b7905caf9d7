/*
 * command.c - splitting a --spawn command line into arguments, without a
 * shell; the same on every system (rasleak/targets.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/targets.h"

void rasleak_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

int rasleak_split_command(const char *cmd, char ***argv, struct rasleak_error *err)
{
    size_t len = strlen(cmd), n = 0;
    char **av = calloc(len / 2 + 2, sizeof *av);   /* at most this many words */
    char *word = malloc(len + 1);
    *argv = NULL;
    if (!av || !word) {
        free(av);
        free(word);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    const char *c = cmd;
    for (;;) {
        while (*c && isspace((unsigned char)*c))
            c++;
        if (!*c)
            break;
        size_t w = 0;
        char quote = 0;
        for (; *c && (quote || !isspace((unsigned char)*c)); c++) {
            if (quote == '\'' && *c == '\'')
                quote = 0;
            else if (quote == '"' && *c == '"')
                quote = 0;
            else if (!quote && (*c == '\'' || *c == '"'))
                quote = *c;
            else if (*c == '\\' && quote != '\'' && c[1])
                word[w++] = *++c;
            else
                word[w++] = *c;
        }
        if (quote) {
            free(word);
            rasleak_argv_free(av);
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                     "unterminated %c quote in command '%s'", quote, cmd);
        }
        word[w] = '\0';
        if (!(av[n++] = strdup(word))) {
            free(word);
            rasleak_argv_free(av);
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        }
    }
    free(word);
    if (n == 0) {
        rasleak_argv_free(av);
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "empty command");
    }
    *argv = av;
    return 0;
}
