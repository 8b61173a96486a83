/* Task plugins: shared libraries that register tasks when loaded.
 *
 * A plugin exports `int rltool_plugin_init(void)`, which calls
 * rl_task_register for each of its tasks and returns RL_OK (or an rl_error
 * code). rl_plugin_load dlopens it, calls that function once and keeps the
 * library loaded for the life of the process (the registry holds pointers
 * into it). Loading the same file twice is a no-op.
 *
 * Symbol resolution: a plugin either leaves the rl_* symbols undefined, to
 * be taken from the host (an executable linked with -rdynamic, such as the
 * rltool CLI, or a librltool.so that rl_plugin_load first promotes to
 * RTLD_GLOBAL), or links against librltool.so (pkg-config --libs rltool).
 * In the second case a host that carries its own static copy of the
 * library must export it, otherwise the plugin would register into the
 * other copy; rl_plugin_load detects that case (no task appeared).
 */
#define _GNU_SOURCE 1 /* dladdr */
#include "core/file.h"
#include "rltool.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PLUGINS 32
#define RL_PLUGIN_MAX_BYTES ((int64_t)256 << 20)

static struct {
    dev_t dev;
    ino_t ino;
} loaded[MAX_PLUGINS];
static int n_loaded;
static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;

typedef int (*plugin_init_fn)(void);

/* When this code lives in librltool.so opened RTLD_LOCAL (Python's ctypes),
 * a plugin with undefined rl_* symbols could not see them: reopen our own
 * object with RTLD_GLOBAL. Harmless in an executable. */
static void promote_self(void)
{
    Dl_info info;
    if (!dladdr((void *)&rl_plugin_load, &info) || !info.dli_fname) return;
    void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    (void)self; /* kept open on purpose: the library outlives every plugin */
}

int rl_plugin_load(const char *path)
{
    if (!path || !path[0]) return rl_error(RL_EINVAL, "rl_plugin_load: no plugin path given");
    /* Opened without blocking and checked first: dlopen on a FIFO would
     * wait forever. The descriptor pins the checked file's identity. */
    int fd;
    int64_t size;
    int orc = rl_file_open_regular(path, "plugin", RL_PLUGIN_MAX_BYTES, &fd, &size);
    if (orc) return orc == RL_ENOTFOUND ? rl_error(RL_ENOTFOUND, "plugin '%s' does not exist",
                                                   path) : orc;
    struct stat st;
    int fst = fstat(fd, &st);
    close(fd);
    if (fst != 0) return rl_error(RL_EIO, "plugin '%s': cannot stat it", path);
    pthread_mutex_lock(&plugin_lock);
    int rc = RL_OK;
    for (int i = 0; i < n_loaded; i++)
        if (loaded[i].dev == st.st_dev && loaded[i].ino == st.st_ino) goto out;
    if (n_loaded == MAX_PLUGINS) {
        rc = rl_error(RL_ENOMEM, "at most %d plugins can be loaded", MAX_PLUGINS);
        goto out;
    }
    promote_self();
    /* dlopen searches the library path for names without a slash; a path
     * the user typed means that file. */
    char buf[4096];
    const char *open_path = path;
    if (!strchr(path, '/')) {
        snprintf(buf, sizeof buf, "./%s", path);
        open_path = buf;
    }
    void *h = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        rc = rl_error(RL_EINVAL, "cannot load plugin '%s': %s", path, e ? e : "unknown error");
        goto out;
    }
    dlerror();
    plugin_init_fn init;
    *(void **)&init = dlsym(h, "rltool_plugin_init");
    if (!init) {
        const char *e = dlerror();
        rc = rl_error(RL_EINVAL, "plugin '%s' does not export int rltool_plugin_init(void): %s",
                      path, e ? e : "symbol not found");
        dlclose(h);
        goto out;
    }
    int before = rl_task_count();
    rl_clear_error();
    int irc = init();
    if (irc != RL_OK) {
        const char *msg = rl_last_error();
        rc = rl_error(irc < 0 ? irc : RL_EINVAL, "plugin '%s': rltool_plugin_init failed (%d)%s%s",
                      path, irc, msg[0] ? ": " : "", msg);
        /* Tasks it registered before failing stay referenced: keep it open. */
        if (rl_task_count() == before) dlclose(h);
        goto out;
    }
    if (rl_task_count() == before) {
        /* Registered into another copy of librltool, or registered nothing. */
        rc = rl_error(RL_EINVAL, "plugin '%s' registered no task in this process (it must call "
                      "rl_task_register from rltool_plugin_init; a program linked statically "
                      "with rltool must export its symbols, e.g. -rdynamic)", path);
        goto out; /* not dlclose'd: it may hold state the other copy points to */
    }
    loaded[n_loaded].dev = st.st_dev;
    loaded[n_loaded].ino = st.st_ino;
    n_loaded++;
out:
    pthread_mutex_unlock(&plugin_lock);
    return rc;
}

int rl_plugin_load_env(void)
{
    const char *list = getenv("RLTOOL_PLUGINS");
    if (!list || !list[0]) return RL_OK;
    char path[4096];
    const char *p = list;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len >= sizeof path) return rl_error(RL_EINVAL, "RLTOOL_PLUGINS: path too long");
        if (len) {
            memcpy(path, p, len);
            path[len] = 0;
            int rc = rl_plugin_load(path);
            if (rc) return rc;
        }
        p += len + (colon ? 1 : 0);
    }
    return RL_OK;
}
