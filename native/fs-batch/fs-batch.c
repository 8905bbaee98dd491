// Cairn's listing core: reads a directory, and stats many files of one directory (reading one
// extended attribute of those that ask for it), each in a single libuv thread-pool job, so that a
// listing page costs a few thread-pool hand-offs instead of one or two per object. Results come
// back as one string and typed arrays, not an object per entry. (read-file.c: one object's read.)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-batch.h"

#ifndef XATTR_SIZE_MAX
#define XATTR_SIZE_MAX 65536
#endif

/** Attribute reads: none, only of empty regular files, or of every regular file. */
enum { READ_NONE = 0, READ_EMPTY = 1, READ_ALL = 2 };
/** statErrors value for an entry that exists but is not a regular file. */
#define NOT_REGULAR -1
/** recordErrors value for an entry whose attribute was not read. */
#define NOT_READ -1

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *directory;
  char *attribute;
  /** `count` names, each ending with a NUL. */
  char *names;
  size_t count;
  int mode;
  double *sizes;
  int32_t *stat_errors;
  int64_t *access_ns;
  int64_t *modify_ns;
  int32_t *record_errors;
  int32_t *record_lengths;
  char *records;
  size_t records_length;
  /** Set when memory ran out in the worker: the promise rejects. */
  int failed_errno;
} Batch;

static void batch_free(Batch *batch) {
  free(batch->directory);
  free(batch->attribute);
  free(batch->names);
  free(batch->sizes);
  free(batch->stat_errors);
  free(batch->access_ns);
  free(batch->modify_ns);
  free(batch->record_errors);
  free(batch->record_lengths);
  free(batch->records);
  free(batch);
}

static ssize_t read_attribute(const char *path, const char *attribute, char *value, size_t size) {
#ifdef __APPLE__
  return getxattr(path, attribute, value, size, 0, 0);
#else
  return getxattr(path, attribute, value, size);
#endif
}

#ifdef __linux__
#include <sys/syscall.h>
#ifndef SYS_getxattrat
// Linux 6.13 added getxattrat with one number on every architecture's unified table.
#define SYS_getxattrat 464
#endif
/** The kernel's `struct xattr_args` (include/uapi/linux/xattr.h). */
struct attribute_args {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};
/** Cleared once the kernel (or a seccomp filter) refuses getxattrat: paths from then on. */
static volatile int getxattrat_works = 1;
#endif

/**
 * Reads `attribute` of `name` in the open directory: by the name relative to it where the kernel
 * has getxattrat (the directory's path is not walked again for every file: measured 2.7 -> 2.0 us
 * per read on Linux 6.18), else by the full path `path` (`prefix` bytes of directory and '/').
 */
static ssize_t read_attribute_at(int directory_fd, const char *name, char *path, size_t prefix,
                                 const char *attribute, char *value, size_t size) {
#ifdef __linux__
  if (getxattrat_works) {
    struct attribute_args args = {(uint64_t)(uintptr_t)value, (uint32_t)size, 0};
    long length = syscall(SYS_getxattrat, directory_fd, name, 0, attribute, &args, sizeof args);
    if (length >= 0 || (errno != ENOSYS && errno != EPERM)) return (ssize_t)length;
    getxattrat_works = 0;
  }
#else
  (void)directory_fd;
#endif
  memcpy(path + prefix, name, strlen(name) + 1);
  return read_attribute(path, attribute, value, size);
}

/** Appends one attribute value to the records blob; 0 or an errno. */
static int append_record(Batch *batch, size_t *capacity, const char *value, size_t length) {
  if (batch->records_length + length > *capacity) {
    size_t wanted = *capacity * 2;
    while (wanted < batch->records_length + length) wanted *= 2;
    char *grown = realloc(batch->records, wanted);
    if (grown == NULL) return ENOMEM;
    batch->records = grown;
    *capacity = wanted;
  }
  memcpy(batch->records + batch->records_length, value, length);
  batch->records_length += length;
  return 0;
}

static void execute(napi_env env, void *data) {
  (void)env;
  Batch *batch = data;
  size_t directory_length = strlen(batch->directory);
  int directory_fd = open(batch->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int directory_errno = directory_fd < 0 ? errno : 0;
  size_t capacity = 4096;
  char *value = malloc(XATTR_SIZE_MAX);
  char *path = malloc(PATH_MAX);
  batch->records = malloc(capacity);
  if (value == NULL || path == NULL || batch->records == NULL) {
    batch->failed_errno = ENOMEM;
    goto done;
  }
  memcpy(path, batch->directory, directory_length);
  path[directory_length] = '/';
  const char *name = batch->names;
  for (size_t index = 0; index < batch->count; index += 1) {
    size_t name_length = strlen(name);
    struct stat stats;
    batch->record_errors[index] = NOT_READ;
    batch->record_lengths[index] = 0;
    if (directory_errno != 0) {
      batch->stat_errors[index] = directory_errno;
    } else if (fstatat(directory_fd, name, &stats, 0) != 0) {
      batch->stat_errors[index] = errno;
    } else if (!S_ISREG(stats.st_mode)) {
      batch->stat_errors[index] = NOT_REGULAR;
    } else {
      batch->stat_errors[index] = 0;
      batch->sizes[index] = (double)stats.st_size;
      batch->access_ns[index] = ns_of(ATIME(stats));
      batch->modify_ns[index] = ns_of(MTIME(stats));
      int wanted = batch->mode == READ_ALL || (batch->mode == READ_EMPTY && stats.st_size == 0);
      if (wanted && directory_length + 1 + name_length + 1 > PATH_MAX) {
        batch->record_errors[index] = ENAMETOOLONG;
      } else if (wanted) {
        size_t prefix = directory_length + 1;
        // One call for the usual record (no size probe first); a larger value takes a second.
        ssize_t length = read_attribute_at(directory_fd, name, path, prefix, batch->attribute,
                                           value, ATTRIBUTE_FIRST_READ);
        if (length < 0 && errno == ERANGE)
          length = read_attribute_at(directory_fd, name, path, prefix, batch->attribute, value,
                                     XATTR_SIZE_MAX);
        if (length < 0) {
          batch->record_errors[index] = errno;
        } else {
          int appended = append_record(batch, &capacity, value, (size_t)length);
          if (appended != 0) {
            batch->failed_errno = appended;
            goto done;
          }
          batch->record_errors[index] = 0;
          batch->record_lengths[index] = (int32_t)length;
        }
      }
    }
    name += name_length + 1;
  }
done:
  if (directory_fd >= 0) close(directory_fd);
  free(value);
  free(path);
}

/** A typed array over a fresh copy of `bytes`. */
static napi_status typed_copy(napi_env env, napi_typedarray_type type, const void *source,
                              size_t length, size_t element_size, napi_value *result) {
  void *target;
  napi_value buffer;
  napi_status status = napi_create_arraybuffer(env, length * element_size, &target, &buffer);
  if (status != napi_ok) return status;
  if (length > 0) memcpy(target, source, length * element_size);
  return napi_create_typedarray(env, type, length, buffer, 0, result);
}

static void complete(napi_env env, napi_status status, void *data) {
  Batch *batch = data;
  napi_value result, value, error, code, message;
  if (status != napi_ok || batch->failed_errno != 0) {
    const char *text = status != napi_ok ? "stat batch cancelled" : strerror(batch->failed_errno);
    CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message));
    CHECK(napi_create_string_utf8(env, "ENOMEM", NAPI_AUTO_LENGTH, &code));
    CHECK(napi_create_error(env, code, message, &error));
    CHECK(napi_reject_deferred(env, batch->deferred, error));
    goto cleanup;
  }
  size_t count = batch->count;
  CHECK(napi_create_object(env, &result));
  CHECK(typed_copy(env, napi_float64_array, batch->sizes, count, 8, &value));
  CHECK(napi_set_named_property(env, result, "sizes", value));
  CHECK(typed_copy(env, napi_int32_array, batch->stat_errors, count, 4, &value));
  CHECK(napi_set_named_property(env, result, "statErrors", value));
  CHECK(typed_copy(env, napi_bigint64_array, batch->access_ns, count, 8, &value));
  CHECK(napi_set_named_property(env, result, "accessNs", value));
  CHECK(typed_copy(env, napi_bigint64_array, batch->modify_ns, count, 8, &value));
  CHECK(napi_set_named_property(env, result, "modifyNs", value));
  CHECK(typed_copy(env, napi_int32_array, batch->record_errors, count, 4, &value));
  CHECK(napi_set_named_property(env, result, "recordErrors", value));
  CHECK(typed_copy(env, napi_int32_array, batch->record_lengths, count, 4, &value));
  CHECK(napi_set_named_property(env, result, "recordLengths", value));
  CHECK(napi_create_buffer_copy(env, batch->records_length, batch->records, NULL, &value));
  CHECK(napi_set_named_property(env, result, "records", value));
  CHECK(napi_resolve_deferred(env, batch->deferred, result));
cleanup:
  napi_delete_async_work(env, batch->work);
  batch_free(batch);
  return;
fail:
  // Out of JavaScript heap or a broken environment: nothing sensible remains to do.
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot build the result", NAPI_AUTO_LENGTH);
}

int stat_into(int fd, int64_t *at) {
  struct stat stats;
  if (fstat(fd, &stats) != 0) return errno;
  at[0] = (int64_t)stats.st_dev;
  at[1] = (int64_t)stats.st_ino;
  at[2] = (int64_t)stats.st_size;
  at[3] = ns_of(ATIME(stats));
  at[4] = ns_of(MTIME(stats));
  at[5] = ns_of(CTIME(stats));
  return 0;
}

napi_status settle_empty(napi_env env, napi_deferred deferred, napi_status status,
                         const char *cancelled) {
  napi_value result, code, message;
  napi_status outcome;
  if (status == napi_ok) {
    outcome = napi_get_undefined(env, &result);
    return outcome != napi_ok ? outcome : napi_resolve_deferred(env, deferred, result);
  }
  if ((outcome = napi_create_string_utf8(env, cancelled, NAPI_AUTO_LENGTH, &message)) != napi_ok ||
      (outcome = napi_create_string_utf8(env, "ECANCELED", NAPI_AUTO_LENGTH, &code)) != napi_ok ||
      (outcome = napi_create_error(env, code, message, &result)) != napi_ok)
    return outcome;
  return napi_reject_deferred(env, deferred, result);
}

void queue_job(napi_env env, const char *name, napi_async_execute_callback execute,
               napi_async_complete_callback complete, void *data, napi_async_work *work) {
  napi_value resource_name;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute, complete, data, work) != napi_ok ||
      napi_queue_async_work(env, *work) != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
}

char *string_argument(napi_env env, napi_value value, size_t *length) {
  size_t size;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &size) != napi_ok) return NULL;
  char *text = malloc(size + 1);
  if (text == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, text, size + 1, &size) != napi_ok) {
    free(text);
    return NULL;
  }
  if (length != NULL) *length = size;
  return text;
}

/**
 * statBatch(directory, names, attribute, mode): names are the entries of `directory` joined by
 * NUL characters (file names cannot contain one). Resolves to typed arrays indexed like names.
 */
static napi_value stat_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4], promise, resource_name;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "statBatch(directory, names, attribute, mode)");
    return NULL;
  }
  Batch *batch = calloc(1, sizeof(Batch));
  int32_t mode;
  size_t names_length = 0;
  if (batch == NULL) goto invalid;
  batch->directory = string_argument(env, args[0], NULL);
  batch->names = string_argument(env, args[1], &names_length);
  batch->attribute = string_argument(env, args[2], NULL);
  if (batch->directory == NULL || batch->names == NULL || batch->attribute == NULL) goto invalid;
  if (napi_get_value_int32(env, args[3], &mode) != napi_ok || mode < READ_NONE || mode > READ_ALL)
    goto invalid;
  batch->mode = mode;
  batch->count = 1;
  for (size_t index = 0; index < names_length; index += 1)
    if (batch->names[index] == '\0') batch->count += 1;
  size_t count = batch->count;
  batch->sizes = calloc(count, sizeof(double));
  batch->stat_errors = calloc(count, sizeof(int32_t));
  batch->access_ns = calloc(count, sizeof(int64_t));
  batch->modify_ns = calloc(count, sizeof(int64_t));
  batch->record_errors = calloc(count, sizeof(int32_t));
  batch->record_lengths = calloc(count, sizeof(int32_t));
  if (batch->sizes == NULL || batch->stat_errors == NULL || batch->access_ns == NULL ||
      batch->modify_ns == NULL || batch->record_errors == NULL || batch->record_lengths == NULL)
    goto invalid;
  if (napi_create_promise(env, &batch->deferred, &promise) != napi_ok) goto invalid;
  if (napi_create_string_utf8(env, "cairn:stat-batch", NAPI_AUTO_LENGTH, &resource_name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute, complete, batch, &batch->work) !=
          napi_ok ||
      napi_queue_async_work(env, batch->work) != napi_ok) {
    // The promise exists and will never settle; the caller's await would hang, so crash instead.
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
  }
  return promise;
invalid:
  if (batch != NULL) batch_free(batch);
  napi_throw_type_error(env, NULL, "statBatch: invalid arguments or out of memory");
  return NULL;
}

/** Entry types reported by readDirectory. */
enum { TYPE_OTHER = 0, TYPE_DIRECTORY = 1, TYPE_FILE = 2 };

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *directory;
  /** Entry names, each followed by a NUL except the last. */
  char *names;
  size_t names_length;
  size_t names_capacity;
  uint8_t *types;
  /** Where each name starts in `names`. */
  size_t *offsets;
  size_t count;
  size_t types_capacity;
  /** The names are in the order of their keys (see compare_keys). */
  int sorted;
  int error;
} Listing;

static void listing_free(Listing *listing) {
  free(listing->directory);
  free(listing->names);
  free(listing->types);
  free(listing->offsets);
  free(listing);
}

static int listing_grow(Listing *listing, size_t name_length) {
  size_t needed = listing->names_length + name_length + 1;
  if (needed > listing->names_capacity) {
    size_t capacity = listing->names_capacity * 2;
    while (capacity < needed) capacity *= 2;
    char *names = realloc(listing->names, capacity);
    if (names == NULL) return ENOMEM;
    listing->names = names;
    listing->names_capacity = capacity;
  }
  if (listing->count == listing->types_capacity) {
    uint8_t *types = realloc(listing->types, listing->types_capacity * 2);
    if (types == NULL) return ENOMEM;
    listing->types = types;
    size_t *offsets = realloc(listing->offsets, listing->types_capacity * 2 * sizeof(size_t));
    if (offsets == NULL) return ENOMEM;
    listing->offsets = offsets;
    listing->types_capacity *= 2;
  }
  return 0;
}

/** A name to sort, by its key: the name, plus '/' for a directory. */
typedef struct {
  const unsigned char *name;
  size_t length;
  uint8_t type;
} SortEntry;

/** Byte `index` of an entry's key; -1 past its end. */
static int key_byte(const SortEntry *entry, size_t index) {
  if (index < entry->length) return entry->name[index];
  if (index == entry->length && entry->type == TYPE_DIRECTORY) return '/';
  return -1;
}

/**
 * Orders keys as JavaScript compares strings: by UTF-16 code units. For valid UTF-8 that is byte
 * order except between a four-byte sequence (a surrogate pair in UTF-16, 0xD800-0xDFFF) and a
 * three-byte one for U+E000-U+FFFF (lead byte 0xEE or 0xEF): the pair sorts first. After equal
 * bytes, the first differing byte is a lead byte in both keys or a continuation byte in both.
 */
static int compare_keys(const void *left, const void *right) {
  const SortEntry *a = left, *b = right;
  // Names in one directory share long prefixes (`object-00012...`): memcmp skips the equal bytes
  // at once (byte by byte this was the target's largest user-space cost in a listing).
  size_t shorter = a->length < b->length ? a->length : b->length;
  size_t index = 0;
  if (shorter > 0 && memcmp(a->name, b->name, shorter) == 0) {
    index = shorter;
  } else {
    while (a->name[index] == b->name[index]) index += 1;
  }
  for (;; index += 1) {
    int x = key_byte(a, index), y = key_byte(b, index);
    if (x == y) {
      if (x < 0) return 0;
      continue;
    }
    if (x < 0) return -1;
    if (y < 0) return 1;
    int x_pair = x >= 0xF0, y_pair = y >= 0xF0;
    int x_high = x == 0xEE || x == 0xEF, y_high = y == 0xEE || y == 0xEF;
    if (x_pair && y_high) return -1;
    if (x_high && y_pair) return 1;
    return x < y ? -1 : 1;
  }
}

/** Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static int is_valid_utf8(const unsigned char *text, size_t length) {
  size_t index = 0;
  while (index < length) {
    unsigned char lead = text[index];
    size_t extra;
    unsigned int value;
    if (lead < 0x80) {
      index += 1;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
      value = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      value = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      value = lead & 0x07;
    } else {
      return 0;
    }
    if (index + extra >= length) return 0;
    for (size_t next = 1; next <= extra; next += 1) {
      unsigned char byte = text[index + next];
      if ((byte & 0xC0) != 0x80) return 0;
      value = (value << 6) | (byte & 0x3F);
    }
    if ((extra == 2 && value < 0x800) || (extra == 3 && value < 0x10000) || value > 0x10FFFF ||
        (value >= 0xD800 && value <= 0xDFFF))
      return 0;
    index += extra + 1;
  }
  return 1;
}

/**
 * Puts the names in key order, as the walk needs them, when they are all valid UTF-8 (JavaScript
 * sees any other name with replacement characters, so only JavaScript can sort those the same way).
 * Returns 0 or ENOMEM.
 */
static int sort_listing(Listing *listing) {
  size_t count = listing->count;
  SortEntry *entries = malloc((count == 0 ? 1 : count) * sizeof(SortEntry));
  char *names = malloc(listing->names_length + 1);
  uint8_t *types = malloc(count == 0 ? 1 : count);
  if (entries == NULL || names == NULL || types == NULL) {
    free(entries);
    free(names);
    free(types);
    return ENOMEM;
  }
  for (size_t index = 0; index < count; index += 1) {
    size_t start = listing->offsets[index];
    size_t end = index + 1 < count ? listing->offsets[index + 1] - 1 : listing->names_length;
    entries[index].name = (const unsigned char *)listing->names + start;
    entries[index].length = end - start;
    entries[index].type = listing->types[index];
    if (!is_valid_utf8(entries[index].name, entries[index].length)) {
      free(entries);
      free(names);
      free(types);
      return 0;
    }
  }
  qsort(entries, count, sizeof(SortEntry), compare_keys);
  size_t length = 0;
  for (size_t index = 0; index < count; index += 1) {
    if (index > 0) names[length++] = '\0';
    memcpy(names + length, entries[index].name, entries[index].length);
    length += entries[index].length;
    types[index] = entries[index].type;
  }
  free(entries);
  free(listing->names);
  free(listing->types);
  listing->names = names;
  listing->types = types;
  listing->sorted = 1;
  return 0;
}

static void read_directory_execute(napi_env env, void *data) {
  (void)env;
  Listing *listing = data;
  listing->names_capacity = 16384;
  listing->types_capacity = 1024;
  listing->names = malloc(listing->names_capacity);
  listing->types = malloc(listing->types_capacity);
  listing->offsets = malloc(listing->types_capacity * sizeof(size_t));
  if (listing->names == NULL || listing->types == NULL || listing->offsets == NULL) {
    listing->error = ENOMEM;
    return;
  }
  DIR *directory = opendir(listing->directory);
  if (directory == NULL) {
    listing->error = errno;
    return;
  }
  for (;;) {
    errno = 0;
    struct dirent *entry = readdir(directory);
    if (entry == NULL) {
      listing->error = errno;
      break;
    }
    const char *name = entry->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      // Some file systems do not fill d_type: ask, without following a symbolic link.
      struct stat stats;
      if (fstatat(dirfd(directory), name, &stats, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(stats.st_mode) ? DT_DIR : S_ISREG(stats.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    size_t name_length = strlen(name);
    int grown = listing_grow(listing, name_length);
    if (grown != 0) {
      listing->error = grown;
      break;
    }
    if (listing->count > 0) listing->names[listing->names_length++] = '\0';
    listing->offsets[listing->count] = listing->names_length;
    memcpy(listing->names + listing->names_length, name, name_length);
    listing->names_length += name_length;
    listing->types[listing->count++] =
        type == DT_DIR ? TYPE_DIRECTORY : type == DT_REG ? TYPE_FILE : TYPE_OTHER;
  }
  closedir(directory);
  if (listing->error == 0) listing->error = sort_listing(listing);
}

static void read_directory_complete(napi_env env, napi_status status, void *data) {
  Listing *listing = data;
  napi_value result, value;
  if (status != napi_ok) listing->error = ECANCELED;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, listing->error, &value));
  CHECK(napi_set_named_property(env, result, "error", value));
  size_t count = listing->error == 0 ? listing->count : 0;
  CHECK(napi_create_string_utf8(env, count == 0 ? "" : listing->names,
                                count == 0 ? 0 : listing->names_length, &value));
  CHECK(napi_set_named_property(env, result, "names", value));
  CHECK(typed_copy(env, napi_uint8_array, listing->types, count, 1, &value));
  CHECK(napi_set_named_property(env, result, "types", value));
  CHECK(napi_get_boolean(env, listing->sorted != 0, &value));
  CHECK(napi_set_named_property(env, result, "sorted", value));
  CHECK(napi_resolve_deferred(env, listing->deferred, result));
  napi_delete_async_work(env, listing->work);
  listing_free(listing);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot build the result", NAPI_AUTO_LENGTH);
}

/**
 * readDirectory(directory): resolves to { error, names, types, sorted }: the errno of a failed
 * read (0 when it worked), the entry names (without . and ..) joined by NULs, each entry's type
 * (0 other, 1 directory, 2 regular file; symbolic links are "other"), and whether the names are
 * in key order (compare_keys) rather than in directory order.
 */
static napi_value read_directory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1], promise, resource_name;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1) {
    napi_throw_type_error(env, NULL, "readDirectory(directory)");
    return NULL;
  }
  Listing *listing = calloc(1, sizeof(Listing));
  if (listing == NULL) goto invalid;
  listing->directory = string_argument(env, args[0], NULL);
  if (listing->directory == NULL) goto invalid;
  if (napi_create_promise(env, &listing->deferred, &promise) != napi_ok) goto invalid;
  if (napi_create_string_utf8(env, "cairn:read-directory", NAPI_AUTO_LENGTH, &resource_name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, resource_name, read_directory_execute,
                             read_directory_complete, listing, &listing->work) != napi_ok ||
      napi_queue_async_work(env, listing->work) != napi_ok) {
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
  }
  return promise;
invalid:
  if (listing != NULL) listing_free(listing);
  napi_throw_type_error(env, NULL, "readDirectory: invalid argument or out of memory");
  return NULL;
}

/*
 * The calling convention of this build's functions: raised whenever one changes (an argument added,
 * a result laid out differently), so index.js refuses a stale build at load instead of every call
 * failing (2: readFiles takes offsets; 3: writeFile takes the paths that must be absent; 4: createFile, and commitFile takes the paths that must be absent; 5: commitFile takes a tail
 * and times; 6: writeFile's content may be an array of Buffers; 7: readFiles' `known` 2 reads the identity alone, by lstat).
 */
#define INTERFACE_VERSION 7

static napi_value init(napi_env env, napi_value exports) {
  napi_value function;
  napi_value version;
  if (napi_create_uint32(env, INTERFACE_VERSION, &version) != napi_ok ||
      napi_set_named_property(env, exports, "interfaceVersion", version) != napi_ok)
    return NULL;
  if (napi_create_function(env, "statBatch", NAPI_AUTO_LENGTH, stat_batch, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "statBatch", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "readDirectory", NAPI_AUTO_LENGTH, read_directory, NULL,
                           &function) != napi_ok ||
      napi_set_named_property(env, exports, "readDirectory", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "unlinkFiles", NAPI_AUTO_LENGTH, unlink_files, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "unlinkFiles", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "removeDirectories", NAPI_AUTO_LENGTH, remove_directories, NULL,
                           &function) != napi_ok ||
      napi_set_named_property(env, exports, "removeDirectories", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "syncDirectories", NAPI_AUTO_LENGTH, sync_directories, NULL,
                           &function) != napi_ok ||
      napi_set_named_property(env, exports, "syncDirectories", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "readFiles", NAPI_AUTO_LENGTH, read_files, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "readFiles", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "writeFile", NAPI_AUTO_LENGTH, write_file, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "writeFile", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "commitFile", NAPI_AUTO_LENGTH, commit_file, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "commitFile", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "createFile", NAPI_AUTO_LENGTH, create_file, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "createFile", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "writeFiles", NAPI_AUTO_LENGTH, write_files, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "writeFiles", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "md5Create", NAPI_AUTO_LENGTH, md5_create, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "md5Create", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "md5Update", NAPI_AUTO_LENGTH, md5_update, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "md5Update", function) != napi_ok)
    return NULL;
  if (napi_create_function(env, "md5Digest", NAPI_AUTO_LENGTH, md5_digest, NULL, &function) !=
          napi_ok ||
      napi_set_named_property(env, exports, "md5Digest", function) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
