// Many files removed in one libuv thread-pool job, each only while it is still what the caller
// chose: a regular file not read since a given time and not rewritten since it was listed (LRU
// eviction picks thousands of cold objects from a listing; one unlink per hand-off bounded it
// near 2,000 objects/s, the hand-offs rather than the disk). And many directories removed in one
// job, each only if empty (the parents those files leave behind). And directories fsynced, each
// opened, fsynced and closed in one job (a PUT's directory fsync: three hand-offs through fs).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-batch.h"

/** Result values besides 0 (removed) and an errno. */
#define NOT_REGULAR -1
#define ACCESSED_SINCE -2
#define MODIFIED_SINCE -3
/** A condition value that checks nothing. */
#define UNCHECKED -1
/** A failed directory fsync's result: the errno plus this times its step (0 open, 1 fsync, 2 close). */
#define SYNC_STEP 4096

/** What a job does to each of its paths. */
typedef enum { UNLINK_FILES, REMOVE_DIRECTORIES, SYNC_DIRECTORIES } Operation;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  /** `count` paths, each ending with a NUL. */
  char *paths;
  size_t count;
  /** Per path: the latest access time (ns) it may have, and the modification time (ms) it must. */
  int64_t *accessed_before_ns;
  int64_t *modified_ms;
  int32_t *results;
  /** Unlink (on the conditions), or rmdir or fsync each path (no conditions). */
  Operation operation;
} Removal;

static void removal_free(Removal *removal) {
  free(removal->paths);
  free(removal->accessed_before_ns);
  free(removal->modified_ms);
  free(removal->results);
  free(removal);
}

/** open (as fs.promises.open(path, 'r')), fsync, close: 0, or the errno plus SYNC_STEP * step. */
static int32_t sync_directory(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int32_t result = fsync(fd) == 0 ? 0 : errno + SYNC_STEP;
  if (close(fd) != 0 && result == 0) result = errno + 2 * SYNC_STEP;
  return result;
}

static void unlink_files_execute(napi_env env, void *data) {
  (void)env;
  Removal *removal = data;
  const char *path = removal->paths;
  int unlinking = removal->operation == UNLINK_FILES;
  for (size_t index = 0; index < removal->count; index += 1) {
    struct stat stats;
    int64_t accessed_before = unlinking ? removal->accessed_before_ns[index] : UNCHECKED;
    int64_t modified = unlinking ? removal->modified_ms[index] : UNCHECKED;
    int32_t result = 0;
    if (removal->operation == REMOVE_DIRECTORIES) {
      result = rmdir(path) == 0 ? 0 : errno;
    } else if (removal->operation == SYNC_DIRECTORIES) {
      result = sync_directory(path);
    } else if (lstat(path, &stats) != 0) {
      result = errno;
    } else if (!S_ISREG(stats.st_mode)) {
      result = NOT_REGULAR;
    } else if (accessed_before != UNCHECKED && ns_of(ATIME(stats)) > accessed_before) {
      result = ACCESSED_SINCE;
    } else if (modified != UNCHECKED && ns_of(MTIME(stats)) / 1000000 != modified) {
      result = MODIFIED_SINCE;
    } else if (unlink(path) != 0) {
      result = errno;
    }
    removal->results[index] = result;
    path += strlen(path) + 1;
  }
}

static void unlink_files_complete(napi_env env, napi_status status, void *data) {
  Removal *removal = data;
  napi_value result, buffer, error, code, message;
  void *target;
  if (status != napi_ok) {
    CHECK(napi_create_string_utf8(env, "unlink batch cancelled", NAPI_AUTO_LENGTH, &message));
    CHECK(napi_create_string_utf8(env, "ECANCELED", NAPI_AUTO_LENGTH, &code));
    CHECK(napi_create_error(env, code, message, &error));
    CHECK(napi_reject_deferred(env, removal->deferred, error));
  } else {
    CHECK(napi_create_arraybuffer(env, removal->count * sizeof(int32_t), &target, &buffer));
    if (removal->count > 0) memcpy(target, removal->results, removal->count * sizeof(int32_t));
    CHECK(napi_create_typedarray(env, napi_int32_array, removal->count, buffer, 0, &result));
    CHECK(napi_resolve_deferred(env, removal->deferred, result));
  }
  napi_delete_async_work(env, removal->work);
  removal_free(removal);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot build the result", NAPI_AUTO_LENGTH);
}

/** A copy of a BigInt64Array argument of `length` elements; NULL when it is not one. */
static int64_t *copy_bigints(napi_env env, napi_value value, size_t length) {
  const int64_t *data = bigint_array(env, value, length);
  if (data == NULL) return NULL;
  int64_t *copy = malloc((length == 0 ? 1 : length) * sizeof(int64_t));
  if (copy != NULL && length > 0) memcpy(copy, data, length * sizeof(int64_t));
  return copy;
}

/** Parses `paths` (and, to unlink files, the two condition arrays) and queues the job. */
static napi_value queue_removal(napi_env env, napi_value *args, Operation operation) {
  napi_value promise, resource_name;
  Removal *removal = calloc(1, sizeof(Removal));
  size_t paths_length = 0;
  if (removal == NULL) goto invalid;
  removal->operation = operation;
  removal->paths = string_argument(env, args[0], &paths_length);
  if (removal->paths == NULL || paths_length == 0) goto invalid;
  removal->count = 1;
  for (size_t index = 0; index < paths_length; index += 1)
    if (removal->paths[index] == '\0') removal->count += 1;
  removal->results = calloc(removal->count, sizeof(int32_t));
  if (removal->results == NULL) goto invalid;
  if (operation == UNLINK_FILES) {
    removal->accessed_before_ns = copy_bigints(env, args[1], removal->count);
    removal->modified_ms = copy_bigints(env, args[2], removal->count);
    if (removal->accessed_before_ns == NULL || removal->modified_ms == NULL) goto invalid;
  }
  if (napi_create_promise(env, &removal->deferred, &promise) != napi_ok) goto invalid;
  if (napi_create_string_utf8(env, "cairn:remove-files", NAPI_AUTO_LENGTH, &resource_name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, resource_name, unlink_files_execute,
                             unlink_files_complete, removal, &removal->work) != napi_ok ||
      napi_queue_async_work(env, removal->work) != napi_ok) {
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
  }
  return promise;
invalid:
  if (removal != NULL) removal_free(removal);
  napi_throw_type_error(env, NULL, "invalid arguments or out of memory");
  return NULL;
}

/**
 * unlinkFiles(paths, accessedBeforeNs, modifiedMs): `paths` are absolute paths joined by NUL;
 * the two BigInt64Arrays, indexed like them, hold per path the latest access time (ns) the file
 * may have and the modification time (ms) it must have, -1 for no condition. Resolves to an
 * Int32Array: 0 removed, an errno (of the lstat or the unlink), -1 not a regular file (kept), -2
 * accessed after the bound (kept), -3 modified (kept). A symbolic link is never followed.
 */
napi_value unlink_files(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3) {
    napi_throw_type_error(env, NULL, "unlinkFiles(paths, accessedBeforeNs, modifiedMs)");
    return NULL;
  }
  return queue_removal(env, args, UNLINK_FILES);
}

/** Parses the one argument (`paths`) of the jobs that take no conditions and queues the job. */
static napi_value queue_paths_job(napi_env env, napi_callback_info info, const char *usage,
                                  Operation operation) {
  size_t argc = 1;
  napi_value args[1];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return queue_removal(env, args, operation);
}

/**
 * removeDirectories(paths): rmdir of each of `paths` (absolute, joined by NUL). Resolves to an
 * Int32Array: 0 removed, else the errno (ENOTEMPTY for a directory that is not empty).
 */
napi_value remove_directories(napi_env env, napi_callback_info info) {
  return queue_paths_job(env, info, "removeDirectories(paths)", REMOVE_DIRECTORIES);
}

/**
 * syncDirectories(paths): each of `paths` (absolute, joined by NUL) opened read-only, fsynced and
 * closed. Resolves to an Int32Array: 0 synced, else the errno plus 4096 times the failed step (0
 * open, 1 fsync, 2 close).
 */
napi_value sync_directories(napi_env env, napi_callback_info info) {
  return queue_paths_job(env, info, "syncDirectories(paths)", SYNC_DIRECTORIES);
}
