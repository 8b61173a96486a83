/* A run directory treated as a small database: one trainer at a time holds
 * its lock, an existing run is never replaced by accident, and the newest
 * full training state is always findable. */
#ifndef RL_AGENTS_RUNDIR_H
#define RL_AGENTS_RUNDIR_H

#include <stddef.h>
#include <stdint.h>

#define RL_RUNDIR_LOCK "rltool.lock"

/* Create dir (and parents) and take its lock for the life of the returned
 * descriptor (close it to release). A second holder gets an error naming
 * the first one's pid. */
int rl_rundir_lock(const char *dir, int *fd);
/* Delete temporaries left by a killed writer (*.tmp.PID). Call while
 * holding the lock. */
void rl_rundir_clean_temps(const char *dir);
/* 1 if dir already holds a run (config, metrics or checkpoints). */
int rl_rundir_has_run(const char *dir);
/* Delete a run's files (for --overwrite); the lock stays. */
int rl_rundir_clear(const char *dir);
/* The run directory a --resume path belongs to: the path itself for a
 * directory, the file's directory for a checkpoint file. */
int rl_rundir_of(const char *resume, char *out, size_t cap);
/* 1 if a and b name the same existing directory. */
int rl_rundir_same(const char *a, const char *b);
/* Candidate checkpoints with full training state in dir, newest first
 * (by steps_done; final, then latest, then step-N on ties). Returns how
 * many were written to paths (at most cap), or a negative error. */
int rl_rundir_states(const char *dir, char (*paths)[4096], int64_t *steps, int cap);
/* Delete the states holding more than `step` steps: a run continued from an
 * older checkpoint abandons them, and a later --resume must not pick them. */
int rl_rundir_drop_after(const char *dir, int64_t step);
/* Keep only the header and the rows with step <= step in metrics.csv (a
 * torn last row is dropped too), atomically. Absent file: nothing to do. */
int rl_rundir_truncate_metrics(const char *dir, int64_t step);
/* The same for every TensorBoard event file rltool wrote in dir
 * (events.out.tfevents.*.rltool): events past `step` go. */
int rl_rundir_truncate_events(const char *dir, int64_t step);

#endif
