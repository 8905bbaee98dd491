// A large object's commit in one libuv thread-pool job: the work file was created and written by
// the caller (streamed, through its descriptor) but for the body's last bytes, which this writes
// first (the tail: one hand-off less per PUT than a write of its own), with the file's times when
// asked (a migrated object keeps its modification time); then it sets the metadata attribute
// through the descriptor, optionally fsyncs, renames it onto the object's path, unlinks the copy
// it supersedes, fstats and closes it. Through fs.promises and fs-xattr the same steps took five
// hand-offs (attribute, rename, unlink, fstat, close; six with the fsync), each a wake-up of the
// event loop.
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-batch.h"

/** `numbers` slots: per step the errno of its failure (0: worked, -1: not taken), then the stat. */
enum {
  AT_ATTRIBUTE_ERROR,
  AT_SYNC_ERROR,
  AT_RENAME_ERROR,
  AT_REMOVE_ERROR,
  AT_STAT_ERROR,
  AT_CLOSE_ERROR,
  AT_DEV,
  AT_INO,
  AT_SIZE,
  AT_ATIME_NS,
  AT_MTIME_NS,
  AT_CTIME_NS,
  /** 1 when one of `absent` exists or could not be checked (nothing was done), else 0. */
  AT_PRESENT,
  /** The tail's write, then the times' (futimens): errno, 0 or -1 as the steps above. */
  AT_WRITE_ERROR,
  AT_TIMES_ERROR,
  NUMBERS_LENGTH
};
#define STEP_NOT_TAKEN -1
#define COMMIT_FILE_ARGS 11

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd;
  char *work_path;
  char *destination;
  char *attribute;
  /** Unlinked once the rename worked ('': nothing): a stale copy the new file replaces. */
  char *supersedes;
  /** Paths that must not exist for the commit to run, joined by NUL characters ('': none). */
  char *absent;
  size_t absent_length;
  napi_ref record_ref;
  napi_ref numbers_ref;
  const char *record;
  size_t record_length;
  int64_t *numbers;
  int sync;
  /** The body's last bytes, written first (the array referenced until the job completes). */
  napi_ref tail_ref;
  struct iovec *tail;
  size_t tail_count;
  /** Access and modification times set after the tail's write when `set_times`. */
  int set_times;
  struct timespec times[2];
} FileCommit;

static void file_commit_free(napi_env env, FileCommit *job) {
  free(job->work_path);
  free(job->destination);
  free(job->attribute);
  free(job->supersedes);
  free(job->absent);
  if (job->record_ref != NULL) napi_delete_reference(env, job->record_ref);
  if (job->numbers_ref != NULL) napi_delete_reference(env, job->numbers_ref);
  if (job->tail_ref != NULL) napi_delete_reference(env, job->tail_ref);
  free(job->tail);
  free(job);
}

static void commit_file_execute(napi_env env, void *data) {
  (void)env;
  FileCommit *job = data;
  int64_t *numbers = job->numbers;
  for (int slot = AT_ATTRIBUTE_ERROR; slot <= AT_CLOSE_ERROR; slot += 1)
    numbers[slot] = STEP_NOT_TAKEN;
  numbers[AT_WRITE_ERROR] = STEP_NOT_TAKEN;
  numbers[AT_TIMES_ERROR] = STEP_NOT_TAKEN;
  // A new name's version lookup, under the object's write lock, in the commit's job (write-file.c).
  numbers[AT_PRESENT] = any_present(job->absent, job->absent_length);
  if (numbers[AT_PRESENT] != 0) return;
  // The body's tail, then its times: a failure leaves the file open and unnamed, as below.
  if (job->tail_count > 0) {
    numbers[AT_WRITE_ERROR] = write_vectors(job->fd, job->tail, job->tail_count);
    if (numbers[AT_WRITE_ERROR] != 0) return;
  }
  if (job->set_times) {
    numbers[AT_TIMES_ERROR] = futimens(job->fd, job->times) == 0 ? 0 : errno;
    if (numbers[AT_TIMES_ERROR] != 0) return;
  }
  // The record before the fsync, the fsync before the rename: once the name is visible, the
  // bytes and the record under it are durable (as write-file.c orders them).
  numbers[AT_ATTRIBUTE_ERROR] =
      set_attribute(job->fd, job->attribute, job->record, job->record_length) == 0 ? 0 : errno;
  if (numbers[AT_ATTRIBUTE_ERROR] != 0) return;
  if (job->sync) {
    numbers[AT_SYNC_ERROR] = fsync(job->fd) == 0 ? 0 : errno;
    if (numbers[AT_SYNC_ERROR] != 0) return;
  }
  // Until the rename worked the descriptor stays open: the caller places the finished file by
  // other means (a missing parent directory, a name that collides with a directory) or removes it.
  numbers[AT_RENAME_ERROR] = rename(job->work_path, job->destination) == 0 ? 0 : errno;
  if (numbers[AT_RENAME_ERROR] != 0) return;
  if (job->supersedes[0] != '\0')
    numbers[AT_REMOVE_ERROR] = unlink(job->supersedes) == 0 ? 0 : errno;
  // Stat'ed after the rename, which changes the inode's ctime: the object's identity as stored.
  numbers[AT_STAT_ERROR] = stat_into(job->fd, &numbers[AT_DEV]);
  // The descriptor is released whatever close returns (no retry on EINTR: it may be reused).
  numbers[AT_CLOSE_ERROR] = close(job->fd) == 0 ? 0 : errno;
}

static void commit_file_complete(napi_env env, napi_status status, void *data) {
  FileCommit *job = data;
  if (settle_empty(env, job->deferred, status, "file commit cancelled") != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot settle the commit", NAPI_AUTO_LENGTH);
  napi_delete_async_work(env, job->work);
  file_commit_free(env, job);
}

/** Null (no times), or a BigInt64Array of the access and modification times in nanoseconds. */
static int times_argument(napi_env env, napi_value value, FileCommit *job) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  if (type == napi_null || type == napi_undefined) return 1;
  int64_t *times = bigint_array(env, value, 2);
  if (times == NULL || times[0] < 0 || times[1] < 0) return 0;
  for (int index = 0; index < 2; index += 1) {
    job->times[index].tv_sec = (time_t)(times[index] / 1000000000);
    job->times[index].tv_nsec = (long)(times[index] % 1000000000);
  }
  job->set_times = 1;
  return 1;
}

static FileCommit *file_commit_new(napi_env env, napi_value *args) {
  bool sync = false;
  FileCommit *job = calloc(1, sizeof(FileCommit));
  if (job == NULL) return NULL;
  job->work_path = string_argument(env, args[1], NULL);
  job->attribute = string_argument(env, args[2], NULL);
  job->destination = string_argument(env, args[4], NULL);
  job->numbers = bigint_array(env, args[6], NUMBERS_LENGTH);
  job->supersedes = string_argument(env, args[7], NULL);
  job->absent = string_argument(env, args[8], &job->absent_length);
  if (job->absent == NULL) {
    file_commit_free(env, job);
    return NULL;
  }
  if (napi_get_value_int32(env, args[0], &job->fd) != napi_ok || job->fd < 0 ||
      job->work_path == NULL || job->attribute == NULL || job->destination == NULL ||
      job->numbers == NULL || job->supersedes == NULL ||
      napi_get_value_bool(env, args[5], &sync) != napi_ok ||
      !buffer_argument(env, args[3], &job->record_ref, &job->record, &job->record_length) ||
      napi_create_reference(env, args[6], 1, &job->numbers_ref) != napi_ok) {
    file_commit_free(env, job);
    return NULL;
  }
  job->sync = sync;
  if (!buffers_argument(env, args[9], &job->tail_ref, &job->tail, &job->tail_count) ||
      !times_argument(env, args[10], job)) {
    file_commit_free(env, job);
    return NULL;
  }
  return job;
}

/**
 * commitFile(fd, workPath, attribute, record, destination, sync, numbers, supersedes, absent, tail,
 * times): see
 * index.d.ts. Resolves once the job ran; every outcome is in `numbers`.
 */
napi_value commit_file(napi_env env, napi_callback_info info) {
  size_t argc = COMMIT_FILE_ARGS;
  napi_value args[COMMIT_FILE_ARGS], promise;
  FileCommit *job = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != COMMIT_FILE_ARGS)
    goto invalid;
  job = file_commit_new(env, args);
  if (job == NULL) goto invalid;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) goto invalid;
  queue_job(env, "cairn:commit-file", commit_file_execute, commit_file_complete, job, &job->work);
  return promise;
invalid:
  if (job != NULL) file_commit_free(env, job);
  napi_throw_type_error(
      env, NULL,
      "commitFile(fd, workPath, attribute, record, destination, sync, numbers, supersedes, absent, "
      "tail, times): invalid arguments or out of memory");
  return NULL;
}
