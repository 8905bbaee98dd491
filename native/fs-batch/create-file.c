// A streamed PUT's work file created in the same libuv thread-pool job as its first write: open
// (O_EXCL), then a gathered write of the body's first bytes. Through fs the two were two hand-offs,
// each a wake-up of the event loop and of a pool thread; the descriptor stays open for the writes
// that follow and the commit (commit-file.c) that closes it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fs-batch.h"

/** `numbers` slots: the open's and the write's errno (0: worked, -1: not taken), the descriptor. */
enum { AT_OPEN_ERROR, AT_WRITE_ERROR, AT_FD, NUMBERS_LENGTH };
#define STEP_NOT_TAKEN -1
#define CREATE_FILE_ARGS 3

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  /** The array of Buffers, referenced (and with it each Buffer) until the job completes. */
  napi_ref buffers_ref;
  napi_ref numbers_ref;
  struct iovec *vectors;
  size_t count;
  int64_t *numbers;
} FileCreate;

static void file_create_free(napi_env env, FileCreate *job) {
  free(job->path);
  free(job->vectors);
  if (job->buffers_ref != NULL) napi_delete_reference(env, job->buffers_ref);
  if (job->numbers_ref != NULL) napi_delete_reference(env, job->numbers_ref);
  free(job);
}

int write_vectors(int fd, struct iovec *vectors, size_t count) {
  size_t first = 0;
  for (;;) {
    // Empty vectors (an empty body) are no write: a writev of nothing would return 0.
    while (first < count && vectors[first].iov_len == 0) first += 1;
    if (first == count) break;
    size_t batch = count - first < IOV_MAX ? count - first : IOV_MAX;
    ssize_t written = writev(fd, vectors + first, (int)batch);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;
    size_t left = (size_t)written;
    while (first < count && left >= vectors[first].iov_len) {
      left -= vectors[first].iov_len;
      first += 1;
    }
    if (left > 0) {
      vectors[first].iov_base = (char *)vectors[first].iov_base + left;
      vectors[first].iov_len -= left;
    }
  }
  return 0;
}

int buffers_argument(napi_env env, napi_value value, napi_ref *ref, struct iovec **vectors,
                     size_t *count) {
  bool is_array = false;
  uint32_t length = 0;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, value, &length) != napi_ok || length > MAX_BUFFERS)
    return 0;
  *vectors = calloc(length == 0 ? 1 : length, sizeof(struct iovec));
  if (*vectors == NULL || napi_create_reference(env, value, 1, ref) != napi_ok) return 0;
  *count = length;
  for (uint32_t index = 0; index < length; index += 1) {
    napi_value element;
    bool is_buffer = false;
    void *bytes = NULL;
    size_t size = 0;
    if (napi_get_element(env, value, index, &element) != napi_ok ||
        napi_is_buffer(env, element, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, element, &bytes, &size) != napi_ok)
      return 0;
    (*vectors)[index].iov_base = bytes;
    (*vectors)[index].iov_len = size;
  }
  return 1;
}

static void create_file_execute(napi_env env, void *data) {
  (void)env;
  FileCreate *job = data;
  int64_t *numbers = job->numbers;
  numbers[AT_WRITE_ERROR] = STEP_NOT_TAKEN;
  numbers[AT_FD] = -1;
  int fd = open(job->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC_IF, 0666);
  numbers[AT_OPEN_ERROR] = fd < 0 ? errno : 0;
  if (fd < 0) return;
  numbers[AT_WRITE_ERROR] = write_vectors(fd, job->vectors, job->count);
  // A failed write closes the file: the caller removes it by its path.
  if (numbers[AT_WRITE_ERROR] != 0) {
    close(fd);
    return;
  }
  numbers[AT_FD] = fd;
}

static void create_file_complete(napi_env env, napi_status status, void *data) {
  FileCreate *job = data;
  // A job libuv cancelled never ran: nothing was opened.
  if (settle_empty(env, job->deferred, status, "file create cancelled") != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot settle the create", NAPI_AUTO_LENGTH);
  napi_delete_async_work(env, job->work);
  file_create_free(env, job);
}

static FileCreate *file_create_new(napi_env env, napi_value *args) {
  FileCreate *job = calloc(1, sizeof(FileCreate));
  if (job == NULL) return NULL;
  job->path = string_argument(env, args[0], NULL);
  job->numbers = bigint_array(env, args[2], NUMBERS_LENGTH);
  if (job->path == NULL || job->numbers == NULL ||
      napi_create_reference(env, args[2], 1, &job->numbers_ref) != napi_ok)
    goto fail;
  if (!buffers_argument(env, args[1], &job->buffers_ref, &job->vectors, &job->count)) goto fail;
  return job;
fail:
  file_create_free(env, job);
  return NULL;
}

/**
 * createFile(path, buffers, numbers): see index.d.ts. Resolves once the job ran; every outcome is
 * in `numbers`. The caller must not change `buffers` (the array or its Buffers) until then.
 */
napi_value create_file(napi_env env, napi_callback_info info) {
  size_t argc = CREATE_FILE_ARGS;
  napi_value args[CREATE_FILE_ARGS], promise;
  FileCreate *job = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != CREATE_FILE_ARGS)
    goto invalid;
  job = file_create_new(env, args);
  if (job == NULL) goto invalid;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) goto invalid;
  queue_job(env, "cairn:create-file", create_file_execute, create_file_complete, job, &job->work);
  return promise;
invalid:
  if (job != NULL) file_create_free(env, job);
  napi_throw_type_error(env, NULL,
                        "createFile(path, buffers, numbers): invalid arguments or out of memory");
  return NULL;
}
