/* Thread-local last error, in the manner of sqlite3_errmsg. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char err_msg[1024];
static _Thread_local int err_code;

const char *rl_version(void) { return RL_VERSION; }

const char *rl_last_error(void) { return err_msg; }

int rl_last_code(void) { return err_code; }

void rl_clear_error(void)
{
    err_msg[0] = 0;
    err_code = RL_OK;
}

int rl_error(int code, const char *fmt, ...)
{
    char tmp[sizeof err_msg];  /* fmt may format the previous message */
    if (!fmt) return rl_error(code, "rl_error: fmt is NULL (no message)");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    snprintf(err_msg, sizeof err_msg, "%s", tmp);
    err_code = code;
    return code;
}

int rl_error_context(int code, const char *fmt, ...)
{
    char ctx[sizeof err_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    return rl_error(code, "%s: %s", ctx, err_msg);
}

int rl_error_unknown(const char *what, const char *name, const char *(*name_at)(int i), int n)
{
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 name_at(i));
    return rl_error(RL_ENOTFOUND, "unknown %s '%s' (known: %s)", what, name ? name : "(null)",
                    known);
}

const char *rl_strerror(int code)
{
    switch (code) {
    case RL_OK: return "ok";
    case RL_EINVAL: return "invalid argument";
    case RL_ENOTFOUND: return "not found";
    case RL_ENOMEM: return "out of memory";
    case RL_EIO: return "input/output error";
    case RL_ECORRUPT: return "corrupted data";
    case RL_EVERSION: return "unsupported version";
    case RL_ESIM: return "simulation error";
    case RL_ESTATE: return "invalid state";
    case RL_ENUMERIC: return "non-finite number";
    case RL_EINTERRUPT: return "interrupted";
    default: return "unknown error";
    }
}
