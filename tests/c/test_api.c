/* The library boundary: librltool.so exports exactly the functions
 * include/rltool.h declares with RL_API, no internal symbol more, no
 * declared one less. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rltool.h"

#define MAX_NAMES 512

typedef struct {
    char name[MAX_NAMES][64];
    int n;
} names;

static void add_name(names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) return;
    ck_assert_int_lt(s->n, MAX_NAMES);
    snprintf(s->name[s->n++], 64, "%s", name);
}

static int has_name(const names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->name[i], name)) return 1;
    return 0;
}

/* Names of the RL_API declarations: the identifier before the first '('. */
static void header_names(names *s)
{
    char path[1024], line[1024];
    const char *src = getenv("RLTOOL_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/include/rltool.h", src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "RL_API ", 7)) continue;
        char *paren = strchr(line, '(');
        ck_assert_msg(paren != NULL, "RL_API line without a declaration: %s", line);
        char *end = paren;
        while (end > line && end[-1] == ' ') end--;
        char *start = end;
        while (start > line && (isalnum((unsigned char)start[-1]) || start[-1] == '_')) start--;
        *end = 0;
        add_name(s, start);
    }
    fclose(f);
}

/* Defined dynamic symbols of the shared library (nm -D --defined-only),
 * without the linker's own (_edata, _end, __bss_start, _init, _fini). */
static void library_names(names *s)
{
    const char *lib = getenv("RLTOOL_LIB");
    ck_assert_msg(lib != NULL, "RLTOOL_LIB (path of librltool.so) is not set");
    char cmd[1200], line[512];
    snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s'", lib);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p)) {
        char addr[64], type[8], name[256];
        if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3) continue;
        if (name[0] == '_') continue;
        add_name(s, name);
    }
    ck_assert_int_eq(pclose(p), 0);
}

START_TEST(exports_equal_the_header)
{
    static names hdr, lib;
    header_names(&hdr);
    library_names(&lib);
    ck_assert_int_gt(hdr.n, 50);
    char missing[4096] = "", extra[4096] = "";
    for (int i = 0; i < hdr.n; i++)
        if (!has_name(&lib, hdr.name[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s",
                     hdr.name[i]);
    for (int i = 0; i < lib.n; i++)
        if (!has_name(&hdr, lib.name[i]))
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " %s", lib.name[i]);
    ck_assert_msg(!missing[0], "declared in rltool.h but not exported:%s", missing);
    ck_assert_msg(!extra[0], "exported but not declared with RL_API in rltool.h:%s", extra);
    ck_assert_int_eq(hdr.n, lib.n);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, exports_equal_the_header);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
