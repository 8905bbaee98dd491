// A small object written in one libuv thread-pool job: create the work file (O_EXCL), write its
// content, set the metadata attribute through the descriptor, optionally fsync, rename it onto the
// object's path, fstat and close. Through fs.promises and fs-xattr the same PUT took six hand-offs
// (open, write, setxattr, rename, fstat, close), each a wake-up of the event loop; a promoted
// 4 KiB file spent more CPU on them than on anything else. A write may first check that none of
// the paths it is given exists (a new name's every replica path, under the object's write lock):
// the version lookup of a new name rides in the write's job instead of a job of its own.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-batch.h"

/** `numbers` slots: per step the errno of its failure (0: worked, -1: not taken), then the stat. */
enum {
  AT_OPEN_ERROR,
  AT_WRITE_ERROR,
  AT_ATTRIBUTE_ERROR,
  AT_SYNC_ERROR,
  AT_RENAME_ERROR,
  AT_STAT_ERROR,
  AT_DEV,
  AT_INO,
  AT_SIZE,
  AT_ATIME_NS,
  AT_MTIME_NS,
  AT_CTIME_NS,
  AT_REMOVE_ERROR,
  /** 1 when one of `absent` exists or could not be checked (nothing was written), else 0. */
  AT_PRESENT,
  NUMBERS_LENGTH
};
#define STEP_NOT_TAKEN -1

struct FileWrite {
  napi_async_work work;
  napi_deferred deferred;
  char *work_path;
  char *destination;
  char *attribute;
  /** Unlinked once the rename worked ('': nothing): a stale copy the new file replaces. */
  char *supersedes;
  /** Paths that must not exist for the write to run, joined by NUL characters ('': none). */
  char *absent;
  size_t absent_length;
  /** The caller's buffers and numbers, held until the job completes. */
  napi_ref content_ref;
  napi_ref record_ref;
  napi_ref numbers_ref;
  /** The content: one Buffer's bytes, or each Buffer of an array's (a body's socket chunks). */
  struct iovec *content;
  size_t content_count;
  const char *record;
  size_t record_length;
  int64_t *numbers;
  int sync;
};

void file_write_free(napi_env env, FileWrite *write_job) {
  free(write_job->work_path);
  free(write_job->destination);
  free(write_job->attribute);
  free(write_job->supersedes);
  free(write_job->absent);
  free(write_job->content);
  if (write_job->content_ref != NULL) napi_delete_reference(env, write_job->content_ref);
  if (write_job->record_ref != NULL) napi_delete_reference(env, write_job->record_ref);
  if (write_job->numbers_ref != NULL) napi_delete_reference(env, write_job->numbers_ref);
  free(write_job);
}

/** Whether any of the NUL-joined `paths` exists; a failure other than "no such entry" counts too. */
int any_present(const char *paths, size_t length) {
  struct stat stats;
  for (size_t offset = 0; offset < length;) {
    const char *path = paths + offset;
    if (lstat(path, &stats) == 0 || (errno != ENOENT && errno != ENOTDIR)) return 1;
    offset += strlen(path) + 1;
  }
  return 0;
}

void file_write_run(FileWrite *job) {
  int64_t *numbers = job->numbers;
  for (int slot = AT_OPEN_ERROR; slot <= AT_STAT_ERROR; slot += 1) numbers[slot] = STEP_NOT_TAKEN;
  numbers[AT_REMOVE_ERROR] = STEP_NOT_TAKEN;
  numbers[AT_PRESENT] = any_present(job->absent, job->absent_length);
  if (numbers[AT_PRESENT] != 0) return;
  int fd = open(job->work_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC_IF, 0666);
  numbers[AT_OPEN_ERROR] = fd < 0 ? errno : 0;
  if (fd < 0) return;
  numbers[AT_WRITE_ERROR] = write_vectors(fd, job->content, job->content_count);
  if (numbers[AT_WRITE_ERROR] != 0) goto close;
  numbers[AT_ATTRIBUTE_ERROR] =
      set_attribute(fd, job->attribute, job->record, job->record_length) == 0 ? 0 : errno;
  if (numbers[AT_ATTRIBUTE_ERROR] != 0) goto close;
  if (job->sync) {
    numbers[AT_SYNC_ERROR] = fsync(fd) == 0 ? 0 : errno;
    if (numbers[AT_SYNC_ERROR] != 0) goto close;
  }
  // A failed rename leaves the finished work file for the caller (a missing parent directory,
  // a name that collides with a directory): it places it by other means.
  numbers[AT_RENAME_ERROR] = rename(job->work_path, job->destination) == 0 ? 0 : errno;
  if (numbers[AT_RENAME_ERROR] == 0 && job->supersedes[0] != '\0')
    numbers[AT_REMOVE_ERROR] = unlink(job->supersedes) == 0 ? 0 : errno;
  // Stat'ed after the rename, which changes the inode's ctime: the object's identity as stored.
  numbers[AT_STAT_ERROR] = stat_into(fd, &numbers[AT_DEV]);
close:
  close(fd);
}

static void write_file_execute(napi_env env, void *data) {
  (void)env;
  file_write_run(data);
}

static void write_file_complete(napi_env env, napi_status status, void *data) {
  FileWrite *job = data;
  if (settle_empty(env, job->deferred, status, "file write cancelled") != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot settle the write", NAPI_AUTO_LENGTH);
  napi_delete_async_work(env, job->work);
  file_write_free(env, job);
}

/**
 * The content argument: a Buffer (one vector), or an array of Buffers (`buffers_argument`), as
 * vectors in `*vectors` (allocated). 1, or 0 when it is neither or memory ran out.
 */
static int content_argument(napi_env env, napi_value value, napi_ref *ref, struct iovec **vectors,
                            size_t *count) {
  bool is_array = false;
  if (napi_is_array(env, value, &is_array) != napi_ok) return 0;
  if (is_array) return buffers_argument(env, value, ref, vectors, count);
  const char *bytes = NULL;
  size_t length = 0;
  if (!buffer_argument(env, value, ref, &bytes, &length)) return 0;
  *vectors = calloc(1, sizeof(struct iovec));
  if (*vectors == NULL) return 0;
  (*vectors)[0].iov_base = (void *)bytes;
  (*vectors)[0].iov_len = length;
  *count = 1;
  return 1;
}

int buffer_argument(napi_env env, napi_value value, napi_ref *ref, const char **data,
                    size_t *length) {
  bool is_buffer;
  void *bytes;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, value, &bytes, length) != napi_ok ||
      napi_create_reference(env, value, 1, ref) != napi_ok)
    return 0;
  *data = bytes;
  return 1;
}

FileWrite *file_write_new(napi_env env, napi_value *args) {
  bool sync = false;
  FileWrite *job = calloc(1, sizeof(FileWrite));
  if (job == NULL) return NULL;
  job->work_path = string_argument(env, args[0], NULL);
  job->attribute = string_argument(env, args[2], NULL);
  job->destination = string_argument(env, args[4], NULL);
  job->numbers = bigint_array(env, args[6], NUMBERS_LENGTH);
  job->supersedes = string_argument(env, args[7], NULL);
  job->absent = string_argument(env, args[8], &job->absent_length);
  if (job->work_path == NULL || job->attribute == NULL || job->destination == NULL ||
      job->numbers == NULL || job->supersedes == NULL || job->absent == NULL || napi_get_value_bool(env, args[5], &sync) != napi_ok ||
      !content_argument(env, args[1], &job->content_ref, &job->content, &job->content_count) ||
      !buffer_argument(env, args[3], &job->record_ref, &job->record, &job->record_length) ||
      napi_create_reference(env, args[6], 1, &job->numbers_ref) != napi_ok) {
    file_write_free(env, job);
    return NULL;
  }
  job->sync = sync;
  return job;
}

/**
 * writeFile(workPath, content, attribute, record, destination, sync, numbers, supersedes, absent): see
 * index.d.ts. Resolves once the job ran; every outcome is in `numbers`.
 */
napi_value write_file(napi_env env, napi_callback_info info) {
  size_t argc = WRITE_FILE_ARGS;
  napi_value args[WRITE_FILE_ARGS], promise;
  FileWrite *job = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != WRITE_FILE_ARGS)
    goto invalid;
  job = file_write_new(env, args);
  if (job == NULL) goto invalid;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) goto invalid;
  queue_job(env, "cairn:write-file", write_file_execute, write_file_complete, job, &job->work);
  return promise;
invalid:
  if (job != NULL) file_write_free(env, job);
  napi_throw_type_error(
      env, NULL,
      "writeFile(workPath, content, attribute, record, destination, sync, numbers, supersedes, "
      "absent): "
      "invalid arguments or out of memory");
  return NULL;
}
