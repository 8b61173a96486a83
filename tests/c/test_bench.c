/* rltool bench / plot: a tiny suite through the CLI; every artefact exists
 * and parses, re-running does not redo finished runs, bad input is refused. */
#include <check.h>

#include "check_main.h"
#include "cli_util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static char out[1 << 16];
static char tmp[256];

/* Run `rltool ARGS` with stdout+stderr in out; the exit status. */
static int run(const char *args) { return rl_test_run(args, out, sizeof out); }

/* Whole file as a string (caller frees); NULL if missing. */
static char *slurp(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* Well-formed XML, enough for our writer's output: a prolog, then tags that
 * nest and close, attributes quoted, text without raw '<' or '&' other than
 * entities. Writes the root element's name into root. */
static int xml_well_formed(const char *s, char *root, size_t cap)
{
    char stack[64][32];
    int depth = 0, seen_root = 0;
    const char *p = s;
    if (!strncmp(p, "<?xml", 5)) {
        p = strstr(p, "?>");
        if (!p) return 0;
        p += 2;
    }
    while (*p) {
        if (*p == '&') {
            const char *semi = strchr(p, ';');
            if (!semi || semi - p > 6) return 0;
            p = semi + 1;
            continue;
        }
        if (*p != '<') {
            if (!depth && !strchr(" \t\r\n", *p)) return 0; /* text outside the root */
            p++;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t len = strcspn(name, " \t\r\n/>");
        if (!len || len >= 32) return 0;
        const char *q = name + len;
        char quote = 0;
        for (; *q && (quote || *q != '>'); q++) {
            if (quote && *q == quote) quote = 0;
            else if (!quote && (*q == '"' || *q == '\'')) quote = *q;
            else if (!quote && *q == '<') return 0;
        }
        if (*q != '>') return 0;
        int self = q[-1] == '/';
        if (closing) {
            if (!depth || strlen(stack[depth - 1]) != len || strncmp(stack[depth - 1], name, len))
                return 0;
            depth--;
        } else {
            if (!depth) {
                if (seen_root) return 0;
                seen_root = 1;
                snprintf(root, cap, "%.*s", (int)len, name);
            }
            if (!self) {
                if (depth == 64) return 0;
                snprintf(stack[depth++], 32, "%.*s", (int)len, name);
            }
        }
        p = q + 1;
    }
    return seen_root && depth == 0;
}

static double mtime(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    struct stat st;
    if (stat(path, &st)) return -1;
    return (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
}

static void check_svg(const char *rel, int n_agents)
{
    char *svg = slurp(rel);
    ck_assert_msg(svg != NULL, "%s missing", rel);
    char root[32] = "";
    ck_assert_msg(xml_well_formed(svg, root, sizeof root), "%s is not well-formed XML", rel);
    ck_assert_str_eq(root, "svg");
    ck_assert_ptr_nonnull(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    /* Two panels (steps, wall time), one line and one band per agent each. */
    ck_assert_int_eq(count(svg, "class=\"line\""), 2 * n_agents);
    ck_assert_int_eq(count(svg, "class=\"band\""), 2 * n_agents);
    ck_assert_int_ge(count(svg, "<text"), 10); /* ticks, labels, legend */
    free(svg);
}

/* results.csv: the header and one row per task x agent, each complete. */
static void check_results_csv(void)
{
    /* results.csv: the header and one row per task x agent */
    char *csv = slurp("results.csv");
    ck_assert_ptr_nonnull(csv);
    ck_assert_msg(!strncmp(csv, "task,agent,seeds,steps,threshold,return_mean,return_std,return_min,"
                                "return_max,success_rate,seeds_reached,steps_to_threshold,"
                                "seconds_to_threshold,train_seconds,params,decisions_per_ep,"
                                "mmacs_per_ep\n", 100), "header: %s", csv);
    ck_assert_int_eq(count(csv, "\n"), 3);
    ck_assert_int_eq(count(csv, "\ncartpole-v1,ppo,2,3000,475,"), 1);
    ck_assert_int_eq(count(csv, "\ncartpole-v1,dqn,2,3000,475,"), 1);
    /* every data row has 17 fields and a finite return mean and parameter count */
    for (char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char row[1024];
        snprintf(row, sizeof row, "%.*s", (int)strcspn(line, "\n"), line);
        int fields = 1 + count(row, ",");
        ck_assert_int_eq(fields, 17);
        char *f = row;
        for (int i = 0; i < 5; i++) f = strchr(f, ',') + 1;
        double ret = strtod(f, NULL);
        ck_assert_msg(ret >= 8 && ret <= 500, "return %g in row %s", ret, row);
        for (int i = 5; i < 14; i++) f = strchr(f, ',') + 1;
        ck_assert_int_gt(atoi(f), 100); /* params */
    }
    free(csv);

}

/* results.md and throughput.csv. */
static void check_results_md(void)
{
    char *md = slurp("results.md");
    ck_assert_ptr_nonnull(md);
    ck_assert_ptr_nonnull(strstr(md, "| task | agent | seeds | steps | return |"));
    ck_assert_ptr_nonnull(strstr(md, "| cartpole-v1 | ppo | 2 | 3000 |"));
    ck_assert_ptr_nonnull(strstr(md, "| cartpole-v1 | dqn | 2 | 3000 |"));
    ck_assert_ptr_nonnull(strstr(md, "## Env throughput"));
    free(md);
    char *tp = slurp("throughput.csv");
    ck_assert_ptr_nonnull(tp);
    ck_assert_ptr_nonnull(strstr(tp, "\ncartpole-v1,0,0,"));
    free(tp);
    /* Thread scaling (1 thread vs every core), measured on more than one core. */
    char *sc = slurp("scaling.csv");
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        ck_assert_ptr_null(sc);
        return;
    }
    ck_assert_ptr_nonnull(sc);
    int rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(sc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line == sc) continue; /* header */
        char *q = strrchr(line, '"'); /* after the quoted label: threads,one,many,ratio */
        ck_assert_ptr_nonnull(q);
        double one, many, ratio;
        int threads;
        ck_assert_int_eq(sscanf(q + 1, ",%d,%lf,%lf,%lf", &threads, &one, &many, &ratio), 4);
        ck_assert_int_ge(threads, 2);
        ck_assert(one > 0 && many > 0 && fabs(ratio - many / one) < 1e-3 * ratio + 1e-3);
        rows++;
    }
    ck_assert_int_eq(rows, 2);
    free(sc);
    md = slurp("results.md");
    ck_assert_ptr_nonnull(strstr(md, "## Thread scaling"));
    free(md);

}

/* The plot and the index pages that show it. */
static void check_plots_and_index(void)
{
    check_svg("plots/cartpole-v1.svg", 2);
    char *svg = slurp("plots/cartpole-v1.svg");
    ck_assert_ptr_nonnull(strstr(svg, "data-label=\"ppo (2 seeds)\""));
    ck_assert_ptr_nonnull(strstr(svg, "data-label=\"dqn (2 seeds)\""));
    ck_assert_ptr_nonnull(strstr(svg, "env steps"));
    ck_assert_ptr_nonnull(strstr(svg, "wall time (s)"));
    free(svg);

    char *idx = slurp("index.md");
    ck_assert_ptr_nonnull(idx);
    ck_assert_ptr_nonnull(strstr(idx, "(results.md)"));
    ck_assert_ptr_nonnull(strstr(idx, "(results.csv)"));
    ck_assert_ptr_nonnull(strstr(idx, "plots/cartpole-v1.svg"));
    free(idx);
    char *html = slurp("index.html");
    ck_assert_ptr_nonnull(html);
    char root[32];
    ck_assert_ptr_nonnull(strstr(html, "<img src=\"plots/cartpole-v1.svg\""));
    ck_assert_ptr_nonnull(strstr(html, "href=\"results.csv\""));
    ck_assert_ptr_nonnull(strstr(html, "<td> cartpole-v1 </td>"));
    ck_assert(xml_well_formed(strstr(html, "<html>"), root, sizeof root));
    free(html);

}

START_TEST(tiny_suite_artefacts_and_resume)
{
    snprintf(tmp, sizeof tmp, "/tmp/rltool-test-bench-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    char args[1024];
    snprintf(args, sizeof args, "bench --suite quick --tasks cartpole-v1 --agents ppo,dqn --seeds 2 "
                                "--steps 3000 --jobs 2 --measure 0.05 --out %s", tmp);
    int rc = run(args);
    ck_assert_msg(rc == 0, "bench failed (%d): %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "4 to run"));
    ck_assert_ptr_nonnull(strstr(out, "cartpole-v1"));

    check_results_csv();
    check_results_md();
    check_plots_and_index();

    /* Again: nothing is retrained, the tables are rewritten. */
    double t_final = mtime("runs/cartpole-v1-ppo-s1/final.rlt");
    double t_csv = mtime("results.csv");
    ck_assert(t_final > 0);
    rc = run(args);
    ck_assert_msg(rc == 0, "second bench failed: %s", out);
    ck_assert_msg(strstr(out, "4 already finished (not redone), 0 to run") != NULL, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "skip   cartpole-v1-dqn-s2"));
    ck_assert_ptr_null(strstr(out, "start  "));
    ck_assert(mtime("runs/cartpole-v1-ppo-s1/final.rlt") == t_final);
    ck_assert(mtime("results.csv") >= t_csv);
    /* A larger budget is a different run: it is trained again. */
    snprintf(args, sizeof args, "bench --tasks cartpole-v1 --agents ppo --seeds 1 --steps 3500 "
                                "--measure 0 --out %s", tmp);
    rc = run(args);
    ck_assert_msg(rc == 0 && strstr(out, "0 already finished") && strstr(out, "1 to run"), "%s", out);

    /* rltool plot over one run, and over the whole folder */
    snprintf(args, sizeof args, "plot %s/runs/cartpole-v1-ppo-s1 -o %s/one.svg", tmp, tmp);
    rc = run(args);
    ck_assert_msg(rc == 0, "plot failed: %s", out);
    check_svg("one.svg", 1);
    snprintf(args, sizeof args, "plot %s --out %s/all.svg", tmp, tmp);
    ck_assert_int_eq(run(args), 0);
    check_svg("all.svg", 2);

    snprintf(args, sizeof args, "rm -rf '%s'", tmp);
    ck_assert_int_eq(system(args), 0);
}
END_TEST

START_TEST(bad_input)
{
    ck_assert_int_eq(run("bench --suite nope"), 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown suite 'nope' (known: quick, full)"));
    ck_assert_int_eq(run("bench --tasks cartpole-v1,nope-v1"), 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown task 'nope-v1' (known: cartpole-v1"));
    ck_assert_int_eq(run("bench --agents ppo,zzz"), 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown agent 'zzz' (known: "));
    ck_assert_int_eq(run("bench --seeds 0"), 2);
    ck_assert_int_eq(run("bench --bogus"), 2);
    ck_assert_int_eq(run("plot"), 2);
    ck_assert_int_eq(run("plot /nonexistent-dir"), 2);
    ck_assert_ptr_nonnull(strstr(out, "not a run directory"));
    ck_assert_int_eq(run("bench --help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "suite quick"));
    ck_assert_ptr_nonnull(strstr(out, "--steps"));
    ck_assert_int_eq(run("plot --help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "RUN_DIR"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tiny_suite_artefacts_and_resume);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
