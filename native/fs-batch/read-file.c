// Replica reads in one libuv thread-pool job: for each file, open (O_RDONLY | O_NOFOLLOW |
// O_NONBLOCK), fstat, the metadata attribute through the descriptor, and for a regular file that
// fits the caller's buffer its whole content, then close. Through fs.promises and fs-xattr one GET
// took five hand-offs (open, fstat, getxattr twice in one, read, close), each a wake-up of the
// event loop. Given several candidate paths, a read opens the first that exists: a lookup of a new
// name (natural and hashed path on each mountpath, all missing) is one read instead of one per
// path. A job's reads come in flat arrays (one string, one BigInt64Array of results for all of
// them) and their attributes go back in one Buffer: per read, no typed array, reference or result
// object of its own to make on either side of the hand-off. A read may ask for a range instead
// of the whole content (an offset): a small range of a large file (a file inside a shard, a
// ranged GET) then costs the same one job as a small object.
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

/** One file read of a job: where its arguments are in the job's arrays, and its attribute. */
typedef struct {
  /** Its candidate paths, NUL-separated, in the job's text (a file name cannot hold a NUL). */
  const char *path;
  size_t path_length;
  const char *attribute;
  /** Its READ_SLOTS of the job's numbers. */
  int64_t *numbers;
  char *content;
  size_t capacity;
  /** Where the content read starts; -1: the whole content, when it fits `capacity`. */
  int64_t offset;
  int has_known;
  /** Only the identity, by path (`known` 2): lstat, no open (stat_by_path). */
  int by_path;
  int64_t known[KNOWN_LENGTH];
  char *value;
  ssize_t value_length;
} FileRead;

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

/** Reads `size` bytes from `offset` (fewer when the file is shorter now); 0 or an errno. */
static int read_content(FileRead *read, int fd, off_t offset, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = pread(fd, read->content + done, size - done, offset + (off_t)done);
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

/** The stat step's numbers of `stats`. */
static void put_stats(int64_t *numbers, const struct stat *stats) {
  numbers[AT_STAT_ERROR] = 0;
  numbers[AT_DEV] = (int64_t)stats->st_dev;
  numbers[AT_INO] = (int64_t)stats->st_ino;
  numbers[AT_MODE] = (int64_t)stats->st_mode;
  numbers[AT_SIZE] = (int64_t)stats->st_size;
  numbers[AT_ATIME_NS] = ns_of(ATIME(*stats));
  numbers[AT_MTIME_NS] = ns_of(MTIME(*stats));
  numbers[AT_CTIME_NS] = ns_of(CTIME(*stats));
}

/**
 * After a failed open or lstat of `*path` (`error`): moves `*path` on to the next candidate and
 * answers 1 when there is one and the failure means "not here" (missing, below a file, a link, a
 * name too long); else 0, and the job ends with that errno.
 */
static int next_candidate(int error, const char **path, const char *end) {
  const char *next = *path + strlen(*path) + 1;
  if (next >= end ||
      (error != ENOENT && error != ENOTDIR && error != ELOOP && error != ENAMETOOLONG))
    return 0;
  *path = next;
  return 1;
}

/**
 * A read of the identity alone (`known` 2: the content cache's checks): `lstat` of the first
 * candidate that exists, one system call where open, fstat and close were three. Its numbers are
 * an open's and a stat's (a failed lstat is reported as the open's errno); a symbolic link, a FIFO
 * or a directory there is stat'ed, not opened: its identity is not a regular file's that was read,
 * so a check comparing identities answers as it did (changed).
 */
static void stat_by_path(FileRead *read, const char *path, const char *end) {
  int64_t *numbers = read->numbers;
  struct stat stats;
  for (int64_t index = 0;; index += 1) {
    numbers[AT_PATH_INDEX] = index;
    if (lstat(path, &stats) == 0) break;
    int error = errno;
    if (!next_candidate(error, &path, end)) {
      numbers[AT_OPEN_ERROR] = error;
      return;
    }
  }
  numbers[AT_OPEN_ERROR] = 0;
  put_stats(numbers, &stats);
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
  if (read->by_path) {
    stat_by_path(read, path, end);
    return;
  }
  int fd;
  for (int64_t index = 0;; index += 1) {
    numbers[AT_PATH_INDEX] = index;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC_IF);
    if (fd >= 0) break;
    int error = errno;
    if (!next_candidate(error, &path, end)) {
      numbers[AT_OPEN_ERROR] = error;
      return;
    }
  }
  numbers[AT_OPEN_ERROR] = 0;
  struct stat stats;
  if (fstat(fd, &stats) != 0) {
    numbers[AT_STAT_ERROR] = errno;
    close(fd);
    return;
  }
  put_stats(numbers, &stats);
  if (S_ISREG(stats.st_mode)) {
    // An empty attribute name asks for none: a plain file's content (promote's source files).
    int attribute = read->attribute[0] == '\0' || is_known(read, &stats)
                        ? ATTRIBUTE_SKIPPED
                        : read_attribute(read, fd);
    numbers[AT_ATTRIBUTE_ERROR] = attribute;
    // Without a record there is no object to serve: its bytes are not read.
    int has_record = attribute == 0 || attribute == ATTRIBUTE_SKIPPED;
    if (has_record && read->content != NULL && read->offset >= 0) {
      // A range: up to the buffer's length, fewer (none) at (past) the end of the file.
      uint64_t size = (uint64_t)stats.st_size;
      uint64_t offset = (uint64_t)read->offset;
      uint64_t left = offset < size ? size - offset : 0;
      size_t length = left < read->capacity ? (size_t)left : read->capacity;
      numbers[AT_READ_ERROR] = read_content(read, fd, (off_t)offset, length);
    } else if (has_record && read->content != NULL && (uint64_t)stats.st_size <= read->capacity)
      numbers[AT_READ_ERROR] = read_content(read, fd, 0, (size_t)stats.st_size);
  }
  // A read-only descriptor has nothing to flush: a failed close loses nothing.
  close(fd);
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
 * Slots of one read in `numbers`: the NUMBERS_LENGTH above, then the length of its attribute's
 * value in the job's result (0 when it was not read).
 */
enum { AT_VALUE_LENGTH = NUMBERS_LENGTH, READ_SLOTS };
/** Slots of one read in `known`: 1 when it holds an identity, then the KNOWN_* slots. */
#define KNOWN_SLOTS (1 + KNOWN_LENGTH)

/** Many files read one after another in one thread-pool job: one hand-off to the pool and back. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint32_t count;
  FileRead *reads;
  /** Every read's attribute name and candidate paths, NUL-separated. */
  char *text;
  /** The caller's numbers and buffers, held until the job completes. */
  napi_ref numbers_ref;
  napi_ref buffers_ref;
} FileReads;

static void file_reads_free(napi_env env, FileReads *job) {
  if (job->reads != NULL)
    for (uint32_t index = 0; index < job->count; index += 1) free(job->reads[index].value);
  if (job->numbers_ref != NULL) napi_delete_reference(env, job->numbers_ref);
  if (job->buffers_ref != NULL) napi_delete_reference(env, job->buffers_ref);
  free(job->reads);
  free(job->text);
  free(job);
}

static void read_files_execute(napi_env env, void *data) {
  FileReads *job = data;
  for (uint32_t index = 0; index < job->count; index += 1)
    read_file_execute(env, &job->reads[index]);
}

/** The attributes read, back to back in read order, each one's length in its AT_VALUE_LENGTH. */
static void read_files_complete(napi_env env, napi_status status, void *data) {
  FileReads *job = data;
  size_t total = 0;
  for (uint32_t index = 0; index < job->count; index += 1) {
    FileRead *read = &job->reads[index];
    if (status != napi_ok) {
      read->numbers[AT_OPEN_ERROR] = ECANCELED;
      read->numbers[AT_ATTRIBUTE_ERROR] = STEP_NOT_TAKEN;
    }
    int has_value = read->numbers[AT_ATTRIBUTE_ERROR] == 0;
    read->numbers[AT_VALUE_LENGTH] = has_value ? (int64_t)read->value_length : 0;
    if (has_value) total += (size_t)read->value_length;
  }
  napi_value result;
  void *values;
  CHECK(napi_create_buffer(env, total, &values, &result));
  char *at = values;
  for (uint32_t index = 0; index < job->count; index += 1) {
    FileRead *read = &job->reads[index];
    size_t length = (size_t)read->numbers[AT_VALUE_LENGTH];
    if (length > 0) memcpy(at, read->value, length);
    at += length;
  }
  CHECK(napi_resolve_deferred(env, job->deferred, result));
  napi_delete_async_work(env, job->work);
  file_reads_free(env, job);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot build the result", NAPI_AUTO_LENGTH);
}

/**
 * Points each read at its attribute name and candidates in `job->text` (`counts[i]` candidates
 * after read i's attribute name); 0 when the text holds fewer than the counts say.
 */
static int split_text(FileReads *job, size_t text_length, const int32_t *counts) {
  size_t at = 0;
  for (uint32_t index = 0; index < job->count; index += 1) {
    FileRead *read = &job->reads[index];
    if (at > text_length || counts[index] < 1) return 0;
    read->attribute = job->text + at;
    at += strlen(read->attribute) + 1;
    if (at > text_length) return 0;
    read->path = job->text + at;
    for (int32_t candidate = 0; candidate < counts[index]; candidate += 1) {
      if (at > text_length) return 0;
      at += strlen(job->text + at) + 1;
    }
    // Up to the last candidate's end, without its NUL (read_file_execute's `end`).
    read->path_length = (size_t)(job->text + at - 1 - read->path);
  }
  return 1;
}

/** Each read's buffer (content wanted) or null (stat and attribute only); 0 when one is neither. */
static int take_buffers(napi_env env, FileReads *job, napi_value buffers) {
  for (uint32_t index = 0; index < job->count; index += 1) {
    FileRead *read = &job->reads[index];
    napi_value buffer;
    napi_valuetype kind;
    if (napi_get_element(env, buffers, index, &buffer) != napi_ok ||
        napi_typeof(env, buffer, &kind) != napi_ok)
      return 0;
    if (kind == napi_null) continue;
    bool is_buffer;
    void *content;
    if (napi_is_buffer(env, buffer, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, buffer, &content, &read->capacity) != napi_ok)
      return 0;
    // A zero-length buffer still reads empty files (a non-NULL pointer marks "content wanted").
    read->content = content == NULL ? (char *)read : content;
  }
  return 1;
}

/** The job of readFiles' arguments (see there); NULL when they are invalid or out of memory. */
static FileReads *file_reads_new(napi_env env, napi_value *args) {
  napi_typedarray_type type;
  size_t count, text_length;
  void *data;
  bool is_array;
  uint32_t buffers_length;
  FileReads *job = calloc(1, sizeof(FileReads));
  if (job == NULL) return NULL;
  if (napi_get_typedarray_info(env, args[1], &type, &count, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || count == 0 || count > UINT32_MAX)
    goto invalid;
  const int32_t *counts = data;
  job->count = (uint32_t)count;
  job->reads = calloc(count, sizeof(FileRead));
  job->text = string_argument(env, args[0], &text_length);
  int64_t *numbers = bigint_array(env, args[2], count * READ_SLOTS);
  int64_t *known = bigint_array(env, args[3], count * KNOWN_SLOTS);
  int64_t *offsets = bigint_array(env, args[5], count);
  if (job->reads == NULL || job->text == NULL || numbers == NULL || known == NULL ||
      offsets == NULL ||
      !split_text(job, text_length, counts))
    goto invalid;
  if (napi_is_array(env, args[4], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, args[4], &buffers_length) != napi_ok ||
      buffers_length != count || !take_buffers(env, job, args[4]))
    goto invalid;
  for (uint32_t index = 0; index < job->count; index += 1) {
    FileRead *read = &job->reads[index];
    read->numbers = numbers + (size_t)index * READ_SLOTS;
    const int64_t *identity = known + (size_t)index * KNOWN_SLOTS;
    read->has_known = identity[0] == 1;
    read->by_path = identity[0] == 2;
    memcpy(read->known, identity + 1, sizeof(read->known));
    read->offset = offsets[index];
  }
  if (napi_create_reference(env, args[2], 1, &job->numbers_ref) != napi_ok ||
      napi_create_reference(env, args[4], 1, &job->buffers_ref) != napi_ok)
    goto invalid;
  return job;
invalid:
  file_reads_free(env, job);
  return NULL;
}

/**
 * readFiles(text, counts, numbers, known, buffers, offsets): N reads, one after another in one
 * thread-pool job. `text` holds, for each read in order, its attribute name then its `counts[i]` candidate
 * paths, all NUL-separated; read i opens the first of its candidates that exists and fills its
 * READ_SLOTS of `numbers` (a BigInt64Array: the AT_* slots, then its attribute's length in the
 * result); reads its content into `buffers[i]` when that is a Buffer the regular file fits; skips
 * the attribute when the open file matches its KNOWN_SLOTS of `known` (a BigInt64Array: 1 then
 * dev, ino, size, mtime and ctime in ns; 0 for none; 2: the identity alone, by `lstat` of the first
 * candidate that exists, nothing opened: interface 7). `offsets` (a BigInt64Array, one per read):
 * -1 reads the whole content as above; an offset reads from there up to the buffer's length
 * (fewer at the end of the file), whatever the file's size. Resolves to one Buffer of the
 * attribute values read, back to back in read order.
 */
napi_value read_files(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6], promise;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 6) {
    napi_throw_type_error(env, NULL, "readFiles(text, counts, numbers, known, buffers, offsets)");
    return NULL;
  }
  FileReads *job = file_reads_new(env, args);
  if (job == NULL) {
    napi_throw_type_error(env, NULL, "readFiles: invalid arguments or out of memory");
    return NULL;
  }
  napi_value resource_name;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    file_reads_free(env, job);
    napi_throw_error(env, NULL, "readFiles: cannot create a promise");
    return NULL;
  }
  if (napi_create_string_utf8(env, "cairn:read-files", NAPI_AUTO_LENGTH, &resource_name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, resource_name, read_files_execute, read_files_complete,
                             job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
  return promise;
}
