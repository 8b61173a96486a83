/* Bounded, non-blocking opening of files from outside, and durable writes.
 *
 * A FIFO, a device or a huge sparse file named as a checkpoint, task file or
 * plugin must be refused before a single byte is read: open(2) with
 * O_NONBLOCK returns at once even for a FIFO with no writer, and fstat(2) on
 * the opened descriptor (not on the name, which could be swapped in
 * between) tells what it is and how big.
 */
#include "core/file.h"
#include "rltool.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *file_type(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

int rl_file_open_regular(const char *path, const char *kind, int64_t max_bytes, int *fd,
                         int64_t *size)
{
    *fd = -1;
    if (!path || !path[0]) return rl_error(RL_EINVAL, "%s: no file name given", kind);
    int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (f < 0) {
        int e = errno;
        if (e == ELOOP)
            return rl_error(RL_EIO, "%s '%s': too many levels of symbolic links (a symlink "
                            "loop?)", kind, path);
        return rl_error(e == ENOENT ? RL_ENOTFOUND : RL_EIO, "%s: cannot open '%s': %s", kind,
                        path, strerror(e));
    }
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return rl_error(RL_EIO, "%s: cannot stat '%s': %s", kind, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(f);
        return rl_error(RL_EIO, "%s '%s' is %s; only regular files are read", kind, path,
                        file_type(st.st_mode));
    }
    if (max_bytes > 0 && (int64_t)st.st_size > max_bytes) {
        close(f);
        return rl_error(RL_EINVAL, "%s '%s' is %lld bytes, over the %lld-byte limit for %s "
                        "files", kind, path, (long long)st.st_size, (long long)max_bytes, kind);
    }
    int flags = fcntl(f, F_GETFL);
    if (flags >= 0) fcntl(f, F_SETFL, flags & ~O_NONBLOCK);
    *fd = f;
    *size = (int64_t)st.st_size;
    return RL_OK;
}

int rl_file_read_head(int fd, const char *path, unsigned char *buf, size_t cap, size_t *n)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return rl_error(RL_EIO, "cannot read '%s': %s", path, strerror(errno));
        if (r == 0) break;
        got += (size_t)r;
    }
    *n = got;
    return RL_OK;
}

int rl_file_read_all(const char *path, const char *kind, int64_t max_bytes,
                     unsigned char **out, size_t *n)
{
    int fd;
    int64_t size;
    int rc = rl_file_open_regular(path, kind, max_bytes, &fd, &size);
    if (rc) return rc;
    unsigned char *p = malloc((size_t)size + 1);
    if (!p) {
        close(fd);
        return rl_error(RL_ENOMEM, "%s: out of memory reading '%s' (%lld bytes)", kind, path,
                        (long long)size);
    }
    size_t got = 0;
    rc = rl_file_read_head(fd, path, p, (size_t)size, &got);
    close(fd);
    if (!rc && got != (size_t)size)
        rc = rl_error(RL_EIO, "%s '%s' changed size while being read", kind, path);
    if (rc) {
        free(p);
        return rc;
    }
    p[got] = 0;
    *out = p;
    *n = got;
    return RL_OK;
}

void rl_file_fsync_dir_of(const char *path)
{
    size_t len = strlen(path);
    char *copy = malloc(len + 1);
    if (!copy) return;
    memcpy(copy, path, len + 1);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int rl_file_keep_records(const char *path, const char *kind, int64_t max_bytes,
                         rl_file_keep_fn keep, int64_t arg)
{
    unsigned char *text;
    size_t n, kept = 0, len = 0;
    int rc = rl_file_read_all(path, kind, max_bytes, &text, &n);
    if (rc) return rc;
    for (size_t at = 0; at < n; at += len) {
        int k = keep(text, at, n, arg, &len);
        if (k < 0) break;
        if (k) {
            memmove(text + kept, text + at, len);
            kept += len;
        }
    }
    rc = kept == n ? RL_OK : rl_file_write_atomic(path, text, kept);
    free(text);
    return rc;
}

int rl_file_write_atomic(const char *path, const void *data, size_t n)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return rl_error(RL_EINVAL, "path too long: %.80s...", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return rl_error(RL_EIO, "cannot create '%s': %s", tmp, strerror(errno));
    const char *p = data;
    size_t done = 0;
    int e = 0;
    if (rl_file_write_fault()) e = ENOSPC;
    while (!e && done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) e = w < 0 ? errno : ENOSPC;
        else done += (size_t)w;
    }
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        return rl_error(RL_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    rl_file_fsync_dir_of(path);
    return RL_OK;
}

int rl_file_write_fault(void)
{
    /* A test hook, so a process-wide counter: the only one in core. */
    static atomic_long calls;
    const char *v = getenv("RLTOOL_FAIL_WRITE");
    if (!v || !v[0]) return 0;
    long nth = strtol(v, NULL, 10);
    return nth > 0 && atomic_fetch_add(&calls, 1) + 1 == nth;
}
