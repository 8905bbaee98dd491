// One replica read in one libuv thread-pool job: open (O_RDONLY | O_NOFOLLOW | O_NONBLOCK), fstat,
// the metadata attribute through the descriptor, and for a regular file that fits the caller's
// buffer its whole content, then close. Through fs.promises and fs-xattr the same GET took five
// hand-offs (open, fstat, getxattr twice in one, read, close), each a wake-up of the event loop.
// Given several candidate paths, the job opens the first that exists: a lookup of a new name
// (natural and hashed path on each mountpath, all missing) is one job instead of one per path.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-batch.h"

#ifdef __APPLE__
#define get_attribute(fd, name, value, size) fgetxattr(fd, name, value, size, 0, 0)
#else
#define get_attribute(fd, name, value, size) fgetxattr(fd, name, value, size)
#endif

/** `numbers` slots: errors of each step (0: worked), the stat, and the bytes read. */
enum {
  AT_OPEN_ERROR,
  AT_STAT_ERROR,
  AT_ATTRIBUTE_ERROR,
  AT_READ_ERROR,
  AT_DEV,
  AT_INO,
  AT_MODE,
  AT_SIZE,
  AT_ATIME_NS,
  AT_MTIME_NS,
  AT_CTIME_NS,
  AT_BYTES_READ,
  AT_PATH_INDEX,
  NUMBERS_LENGTH
};
/** Error slot values besides 0 and an errno: the step was not taken, or skipped (file known). */
#define STEP_NOT_TAKEN -1
#define ATTRIBUTE_SKIPPED -2
/** `known` slots: a file identity; the attribute is not read when the open file still has it. */
enum { KNOWN_DEV, KNOWN_INO, KNOWN_SIZE, KNOWN_MTIME_NS, KNOWN_CTIME_NS, KNOWN_LENGTH };

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  /** Candidate paths, NUL-separated (a file name cannot hold a NUL). */
  char *path;
  size_t path_length;
  char *attribute;
  /** The caller's typed arrays and buffer, held until the job completes. */
  napi_ref numbers_ref;
  napi_ref buffer_ref;
  int64_t *numbers;
  char *content;
  size_t capacity;
  int has_known;
  int64_t known[KNOWN_LENGTH];
  char *value;
  ssize_t value_length;
} FileRead;

static void file_read_free(napi_env env, FileRead *read) {
  if (read->numbers_ref != NULL) napi_delete_reference(env, read->numbers_ref);
  if (read->buffer_ref != NULL) napi_delete_reference(env, read->buffer_ref);
  free(read->path);
  free(read->attribute);
  free(read->value);
  free(read);
}

/** The attribute through the descriptor: one call for the usual record, more for a larger one. */
static int read_attribute(FileRead *read, int fd) {
  size_t size = ATTRIBUTE_FIRST_READ;
  for (int attempt = 0; attempt < 4; attempt += 1) {
    char *value = realloc(read->value, size);
    if (value == NULL) return ENOMEM;
    read->value = value;
    ssize_t length = get_attribute(fd, read->attribute, value, size);
    if (length >= 0) {
      read->value_length = length;
      return 0;
    }
    if (errno != ERANGE) return errno;
    // Larger than asked for: ask its size (it may change again before the next call).
    ssize_t wanted = get_attribute(fd, read->attribute, NULL, 0);
    if (wanted < 0) return errno;
    size = (size_t)wanted > size ? (size_t)wanted : size * 2;
  }
  return ERANGE;
}

/** Reads `size` bytes from the start (fewer when the file is shorter now); 0 or an errno. */
static int read_content(FileRead *read, int fd, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = pread(fd, read->content + done, size - done, (off_t)done);
    if (got < 0) {
      if (errno == EINTR) continue;
      read->numbers[AT_BYTES_READ] = (int64_t)done;
      return errno;
    }
    if (got == 0) break;
    done += (size_t)got;
  }
  read->numbers[AT_BYTES_READ] = (int64_t)done;
  return 0;
}

static int is_known(const FileRead *read, const struct stat *stats) {
  return read->has_known && read->known[KNOWN_DEV] == (int64_t)stats->st_dev &&
         read->known[KNOWN_INO] == (int64_t)stats->st_ino &&
         read->known[KNOWN_SIZE] == (int64_t)stats->st_size &&
         read->known[KNOWN_MTIME_NS] == ns_of(MTIME(*stats)) &&
         read->known[KNOWN_CTIME_NS] == ns_of(CTIME(*stats));
}

static void read_file_execute(napi_env env, void *data) {
  (void)env;
  FileRead *read = data;
  int64_t *numbers = read->numbers;
  numbers[AT_STAT_ERROR] = STEP_NOT_TAKEN;
  numbers[AT_ATTRIBUTE_ERROR] = STEP_NOT_TAKEN;
  numbers[AT_READ_ERROR] = STEP_NOT_TAKEN;
  numbers[AT_BYTES_READ] = -1;
  // O_NOFOLLOW: a symbolic link is not an object. O_NONBLOCK: a FIFO left there must not hang.
  // A missing candidate (or one below a file, or a name too long to be a path) sends the open on
  // to the next; any other failure, or the last candidate's, ends the job with its errno.
  const char *path = read->path;
  const char *end = read->path + read->path_length;
  int fd;
  for (int64_t index = 0;; index += 1) {
    numbers[AT_PATH_INDEX] = index;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC_IF);
    if (fd >= 0) break;
    int error = errno;
    const char *next = path + strlen(path) + 1;
    if (next >= end ||
        (error != ENOENT && error != ENOTDIR && error != ELOOP && error != ENAMETOOLONG)) {
      numbers[AT_OPEN_ERROR] = error;
      return;
    }
    path = next;
  }
  numbers[AT_OPEN_ERROR] = 0;
  struct stat stats;
  if (fstat(fd, &stats) != 0) {
    numbers[AT_STAT_ERROR] = errno;
    close(fd);
    return;
  }
  numbers[AT_STAT_ERROR] = 0;
  numbers[AT_DEV] = (int64_t)stats.st_dev;
  numbers[AT_INO] = (int64_t)stats.st_ino;
  numbers[AT_MODE] = (int64_t)stats.st_mode;
  numbers[AT_SIZE] = (int64_t)stats.st_size;
  numbers[AT_ATIME_NS] = ns_of(ATIME(stats));
  numbers[AT_MTIME_NS] = ns_of(MTIME(stats));
  numbers[AT_CTIME_NS] = ns_of(CTIME(stats));
  if (S_ISREG(stats.st_mode)) {
    // An empty attribute name asks for none: a plain file's content (promote's source files).
    int attribute = read->attribute[0] == '\0' || is_known(read, &stats)
                        ? ATTRIBUTE_SKIPPED
                        : read_attribute(read, fd);
    numbers[AT_ATTRIBUTE_ERROR] = attribute;
    // Without a record there is no object to serve: its bytes are not read.
    if ((attribute == 0 || attribute == ATTRIBUTE_SKIPPED) && read->content != NULL &&
        (uint64_t)stats.st_size <= read->capacity)
      numbers[AT_READ_ERROR] = read_content(read, fd, (size_t)stats.st_size);
  }
  // A read-only descriptor has nothing to flush: a failed close loses nothing.
  close(fd);
}

/** The job's result for one read: its attribute's value, or undefined when it was not read. */
static napi_status attribute_value(napi_env env, napi_status status, FileRead *read,
                                   napi_value *result) {
  if (status != napi_ok) {
    read->numbers[AT_OPEN_ERROR] = ECANCELED;
    read->numbers[AT_ATTRIBUTE_ERROR] = STEP_NOT_TAKEN;
  }
  if (read->numbers[AT_ATTRIBUTE_ERROR] == 0)
    return napi_create_buffer_copy(env, (size_t)read->value_length, read->value, NULL, result);
  return napi_get_undefined(env, result);
}

static void read_file_complete(napi_env env, napi_status status, void *data) {
  FileRead *read = data;
  napi_value result;
  CHECK(attribute_value(env, status, read, &result));
  CHECK(napi_resolve_deferred(env, read->deferred, result));
  napi_delete_async_work(env, read->work);
  file_read_free(env, read);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot build the result", NAPI_AUTO_LENGTH);
}

int64_t *bigint_array(napi_env env, napi_value value, size_t length) {
  napi_typedarray_type type;
  size_t count;
  void *data;
  if (napi_get_typedarray_info(env, value, &type, &count, &data, NULL, NULL) != napi_ok ||
      type != napi_bigint64_array || count != length)
    return NULL;
  return data;
}

/**
 * One read's arguments (paths, attribute, numbers, buffer, known: see readFile), copied or
 * referenced until the job completes; NULL when they are invalid (or out of memory).
 */
static FileRead *file_read_new(napi_env env, napi_value *args) {
  napi_valuetype kind;
  FileRead *read = calloc(1, sizeof(FileRead));
  if (read == NULL) return NULL;
  read->path = string_argument(env, args[0], &read->path_length);
  read->attribute = string_argument(env, args[1], NULL);
  read->numbers = bigint_array(env, args[2], NUMBERS_LENGTH);
  if (read->path == NULL || read->attribute == NULL || read->numbers == NULL) goto invalid;
  if (napi_create_reference(env, args[2], 1, &read->numbers_ref) != napi_ok) goto invalid;
  if (napi_typeof(env, args[3], &kind) != napi_ok) goto invalid;
  if (kind != napi_null) {
    bool is_buffer;
    void *content;
    if (napi_is_buffer(env, args[3], &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, args[3], &content, &read->capacity) != napi_ok ||
        napi_create_reference(env, args[3], 1, &read->buffer_ref) != napi_ok)
      goto invalid;
    // A zero-length buffer still reads empty files (a non-NULL pointer marks "content wanted").
    read->content = content == NULL ? (char *)read : content;
  }
  if (napi_typeof(env, args[4], &kind) != napi_ok) goto invalid;
  if (kind != napi_null) {
    int64_t *known = bigint_array(env, args[4], KNOWN_LENGTH);
    if (known == NULL) goto invalid;
    memcpy(read->known, known, sizeof(read->known));
    read->has_known = 1;
  }
  return read;
invalid:
  file_read_free(env, read);
  return NULL;
}

/** Queues `execute` and `complete` on `data` as one thread-pool job; fatal when it cannot. */
static void queue_job(napi_env env, const char *name, napi_async_execute_callback execute,
                      napi_async_complete_callback complete, void *data, napi_async_work *work) {
  napi_value resource_name;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute, complete, data, work) !=
          napi_ok ||
      napi_queue_async_work(env, *work) != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
}

/**
 * readFile(paths, attribute, numbers, buffer, known): `paths` are candidates joined by NUL; the
 * first that opens is read (AT_PATH_INDEX says which). Resolves to the attribute's value (a Buffer),
 * or undefined when it was not read; fills `numbers` (a BigInt64Array, see AT_*) and, when the
 * file is regular and no longer than `buffer` (or null), its content into `buffer`. `known` (a
 * BigInt64Array of dev, ino, size, mtime and ctime in ns, or null) skips the attribute read when
 * the open file still matches it.
 */
napi_value read_file(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5], promise;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 5) {
    napi_throw_type_error(env, NULL, "readFile(path, attribute, numbers, buffer, known)");
    return NULL;
  }
  FileRead *read = file_read_new(env, args);
  if (read == NULL) {
    napi_throw_type_error(env, NULL, "readFile: invalid arguments or out of memory");
    return NULL;
  }
  if (napi_create_promise(env, &read->deferred, &promise) != napi_ok) {
    file_read_free(env, read);
    napi_throw_error(env, NULL, "readFile: cannot create a promise");
    return NULL;
  }
  queue_job(env, "cairn:read-file", read_file_execute, read_file_complete, read, &read->work);
  return promise;
}

/** Several readFile calls in one thread-pool job: one hand-off to the pool and back for all. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint32_t count;
  FileRead **reads;
} FileReadBatch;

static void file_read_batch_free(napi_env env, FileReadBatch *batch) {
  for (uint32_t index = 0; index < batch->count; index += 1)
    if (batch->reads[index] != NULL) file_read_free(env, batch->reads[index]);
  free(batch->reads);
  free(batch);
}

static void read_files_execute(napi_env env, void *data) {
  FileReadBatch *batch = data;
  for (uint32_t index = 0; index < batch->count; index += 1)
    read_file_execute(env, batch->reads[index]);
}

static void read_files_complete(napi_env env, napi_status status, void *data) {
  FileReadBatch *batch = data;
  napi_value results, result;
  CHECK(napi_create_array_with_length(env, batch->count, &results));
  for (uint32_t index = 0; index < batch->count; index += 1) {
    CHECK(attribute_value(env, status, batch->reads[index], &result));
    CHECK(napi_set_element(env, results, index, result));
  }
  CHECK(napi_resolve_deferred(env, batch->deferred, results));
  napi_delete_async_work(env, batch->work);
  file_read_batch_free(env, batch);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot build the results", NAPI_AUTO_LENGTH);
}

/**
 * readFiles(reads): `reads` is an array of readFile's argument lists, read one after another in
 * one job. Resolves to their results in the same order (each as readFile's); each fills its own
 * `numbers` and `buffer`.
 */
napi_value read_files(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value list, promise;
  bool is_array;
  uint32_t count;
  if (napi_get_cb_info(env, info, &argc, &list, NULL, NULL) != napi_ok || argc != 1 ||
      napi_is_array(env, list, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, list, &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "readFiles([[path, attribute, numbers, buffer, known]...])");
    return NULL;
  }
  FileReadBatch *batch = calloc(1, sizeof(FileReadBatch));
  if (batch == NULL) goto invalid;
  batch->reads = calloc(count == 0 ? 1 : count, sizeof(FileRead *));
  if (batch->reads == NULL) goto invalid;
  batch->count = count;
  for (uint32_t index = 0; index < count; index += 1) {
    napi_value entry, args[5];
    uint32_t length;
    if (napi_get_element(env, list, index, &entry) != napi_ok ||
        napi_is_array(env, entry, &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, entry, &length) != napi_ok || length != 5)
      goto invalid;
    for (uint32_t arg = 0; arg < 5; arg += 1)
      if (napi_get_element(env, entry, arg, &args[arg]) != napi_ok) goto invalid;
    batch->reads[index] = file_read_new(env, args);
    if (batch->reads[index] == NULL) goto invalid;
  }
  if (napi_create_promise(env, &batch->deferred, &promise) != napi_ok) goto invalid;
  queue_job(env, "cairn:read-files", read_files_execute, read_files_complete, batch,
            &batch->work);
  return promise;
invalid:
  if (batch != NULL && batch->reads != NULL) file_read_batch_free(env, batch);
  else free(batch);
  napi_throw_type_error(env, NULL, "readFiles: invalid arguments or out of memory");
  return NULL;
}
