/* error.h (internal): error idioms shared by the library's modules, on top
 * of rl_error / rl_last_error (rltool.h). */
#ifndef RL_CORE_ERROR_H
#define RL_CORE_ERROR_H

#include "rltool.h"

/* Re-raise this thread's current error with context in front:
 * "CONTEXT: previous message", code `code`. Call it after freeing what the
 * failed call left behind (freeing sets no error). Returns code. */
int rl_error_context(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* RL_ENOTFOUND "unknown WHAT 'NAME' (known: a, b, ...)" over a registry of
 * n entries named name_at(0 .. n-1). Returns RL_ENOTFOUND. */
int rl_error_unknown(const char *what, const char *name, const char *(*name_at)(int i), int n);

/* The NULL-argument rule of every public function (rltool.h): a NULL
 * where an object or buffer is required sets "FUNCTION: ARG is NULL" and
 * returns `ret` (RL_EINVAL, NULL or 0 by the function's return type). */
#define RL_NEED(arg, ret)                                                   \
    do {                                                                    \
        if (!(arg)) {                                                       \
            rl_error(RL_EINVAL, "%s: %s is NULL", __func__, #arg);          \
            return ret;                                                     \
        }                                                                   \
    } while (0)

#endif
