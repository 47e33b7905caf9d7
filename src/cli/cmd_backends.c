/*
 * cmd_backends.c - rasleak backends: what can be driven, with which options.
 */
#include <string.h>

#include "cli.h"
#include "rasleak/backend.h"

static const char *type_name(const struct rasleak_option_spec *s)
{
    switch (s->type) {
    case RASLEAK_OPT_INT: return "integer";
    case RASLEAK_OPT_DOUBLE: return "number";
    case RASLEAK_OPT_BOOL: return "0|1";
    case RASLEAK_OPT_CHOICE: return s->choices;
    default: return "text";
    }
}

int cmd_backends(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            puts("usage: rasleak backends\n\nLists the backends built into this rasleak, "
                 "with their -O options and defaults.");
            return 0;
        }
        cli_error("backends takes no arguments, not '%s'", argv[1]);
        return EXIT_USAGE;
    }
    const char *def = rasleak_backend_default();
    for (const struct rasleak_backend *const *b = rasleak_backends(); *b; b++) {
        printf("%s%s\n    %s\n", (*b)->name, strcmp((*b)->name, def) == 0 ? " (default)" : "",
               (*b)->description);
        for (size_t i = 0; i < (*b)->noptions; i++) {
            const struct rasleak_option_spec *s = &(*b)->options[i];
            printf("    -O %-14s %-16s %s", s->key, type_name(s), s->help);
            if (s->default_value)
                printf(" (default %s)", s->default_value);
            if (s->flags & RASLEAK_OPTF_REQUIRED)
                printf(" (required)");
            if (s->flags & RASLEAK_OPTF_REPEATABLE)
                printf(" (repeatable)");
            putchar('\n');
        }
    }
    return 0;
}
