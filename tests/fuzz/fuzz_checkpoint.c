/* libFuzzer harness: arbitrary bytes as a checkpoint file, loaded the way
 * `rltool eval FILE` loads it (bounded parse, then the agent rebuilt from
 * it). Built by `make fuzz` (clang); any crash, leak or sanitizer report is
 * a failure. Seeds: a small real checkpoint written at start-up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agents/agent.h"
#include "rltool.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "/tmp/rltool-fuzz-ckpt-%ld.rlt", (long)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    rl_ckpt *ck = rl_ckpt_load(path);
    if (ck) {
        for (int i = 0; i < rl_ckpt_meta_count(ck); i++) {
            const char *k, *v;
            rl_ckpt_meta_at(ck, i, &k, &v);
            (void)rl_ckpt_meta(ck, k);
        }
        rl_agent *ag = rl_agent_from_ckpt(ck, path, 0);
        rl_agent_free(ag);
        rl_ckpt_free(ck);
    }
    unlink(path);
    return 0;
}
