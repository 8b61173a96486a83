/* Files from outside, opened without trusting them, and the small durable-
 * write helpers every writer shares. */
#ifndef RL_CORE_FILE_H
#define RL_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Size limits per kind of file read whole into memory. */
#define RL_FILE_MAX_CKPT ((int64_t)4 << 30)   /* checkpoints (replay buffers) */
#define RL_FILE_MAX_TEXT ((int64_t)16 << 20)  /* task files, MJCF, metrics */

/* Open `path` for reading without blocking on a FIFO or device, and refuse
 * anything that is not a regular file of at most max_bytes (0: no limit).
 * `kind` names the file in messages ("checkpoint", "plugin"). On success
 * *fd is open (blocking mode restored) and *size holds its size. */
int rl_file_open_regular(const char *path, const char *kind, int64_t max_bytes, int *fd,
                         int64_t *size);
/* The same, then read it whole: *out (NUL-terminated, free() it), *n. */
int rl_file_read_all(const char *path, const char *kind, int64_t max_bytes,
                     unsigned char **out, size_t *n);
/* Read up to cap bytes from the start of an opened file; *n gets the count. */
int rl_file_read_head(int fd, const char *path, unsigned char *buf, size_t cap, size_t *n);

/* Make renames and creations in path's directory durable (best effort). */
void rl_file_fsync_dir_of(const char *path);
/* Write the whole text to path atomically (temp file, fsync, rename). */
int rl_file_write_atomic(const char *path, const void *data, size_t n);

/* Keep some of a file's records (metrics rows, event records): read it whole
 * (at most max_bytes), ask keep() about each record in turn, and rewrite the
 * file atomically when anything went. keep(text, at, n, arg, &len) sets len
 * to the length of the record at text + at (of n bytes in all) and returns
 * 1 to keep it, 0 to drop it, or -1 to drop it and everything after it (a
 * torn or unreadable tail). */
typedef int (*rl_file_keep_fn)(const unsigned char *text, size_t at, size_t n, int64_t arg,
                               size_t *len);
int rl_file_keep_records(const char *path, const char *kind, int64_t max_bytes,
                         rl_file_keep_fn keep, int64_t arg);

/* Test hook for disk-full handling: with RLTOOL_FAIL_WRITE=N in the
 * environment the Nth call in this process returns 1 (the caller fails that
 * write with ENOSPC); every other call returns 0. */
int rl_file_write_fault(void);

#endif
