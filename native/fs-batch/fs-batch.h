// What the addon's source files share: argument and error helpers, the attribute read size.
#ifndef CAIRN_FS_BATCH_H
#define CAIRN_FS_BATCH_H
#include <fcntl.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

/** A stat's times, and close-on-exec where open() takes it, on Linux and macOS. */
#ifdef __APPLE__
#define O_CLOEXEC_IF 0
#define MTIME(stats) ((stats).st_mtimespec)
#define ATIME(stats) ((stats).st_atimespec)
#define CTIME(stats) ((stats).st_ctimespec)
#else
#define O_CLOEXEC_IF O_CLOEXEC
#define MTIME(stats) ((stats).st_mtim)
#define ATIME(stats) ((stats).st_atim)
#define CTIME(stats) ((stats).st_ctim)
#endif

/** A stat time in nanoseconds. */
static inline int64_t ns_of(struct timespec time) {
  return (int64_t)time.tv_sec * 1000000000 + (int64_t)time.tv_nsec;
}

/** The metadata attribute set through a descriptor (macOS takes a position argument). */
#ifdef __APPLE__
#define set_attribute(fd, name, value, size) fsetxattr(fd, name, value, size, 0, 0)
#else
#define set_attribute(fd, name, value, size) fsetxattr(fd, name, value, size, 0)
#endif

/**
 * fstat of `fd` into six consecutive slots from `at`: device, inode, size, then access,
 * modification and change times in nanoseconds (the layout of writeFile's and commitFile's
 * numbers). Returns 0, or the errno with the slots untouched.
 */
int stat_into(int fd, int64_t *at);

/**
 * Settles the promise of a job that resolves to nothing: undefined, or an ECANCELED error saying
 * `cancelled` when libuv cancelled the job. napi_ok, or the status of the call that failed.
 */
napi_status settle_empty(napi_env env, napi_deferred deferred, napi_status status,
                         const char *cancelled);

/** Queues a thread-pool job named `name` (ends the process when N-API cannot: out of memory). */
void queue_job(napi_env env, const char *name, napi_async_execute_callback execute,
               napi_async_complete_callback complete, void *data, napi_async_work *work);

/**
 * First read size of an attribute: Cairn's records are at most 4000 bytes. Linux allocates (and
 * zeroes) a kernel buffer of the size asked for, so asking for XATTR_SIZE_MAX every time costs
 * more than the read.
 */
#define ATTRIBUTE_FIRST_READ 4096

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) goto fail;                                                              \
  } while (0)

/** A copy of a string argument as UTF-8 (embedded NULs kept); sets *length when not NULL. */
char *string_argument(napi_env env, napi_value value, size_t *length);

/** A Buffer argument's data, referenced until the job completes; 0 when it is not a Buffer. */
int buffer_argument(napi_env env, napi_value value, napi_ref *ref, const char **data,
                    size_t *length);

/** The data of a BigInt64Array argument of `length` elements (not a copy); NULL when it is not one. */
int64_t *bigint_array(napi_env env, napi_value value, size_t length);

/** readFiles (read-file.c). */
napi_value read_files(napi_env env, napi_callback_info info);

/** unlinkFiles, removeDirectories and syncDirectories (unlink-files.c). */
napi_value unlink_files(napi_env env, napi_callback_info info);
napi_value remove_directories(napi_env env, napi_callback_info info);
napi_value sync_directories(napi_env env, napi_callback_info info);

/** md5Create, md5Update and md5Digest (md5-hash.c). */
napi_value md5_create(napi_env env, napi_callback_info info);
napi_value md5_update(napi_env env, napi_callback_info info);
napi_value md5_digest(napi_env env, napi_callback_info info);

/** writeFile (write-file.c). */
napi_value write_file(napi_env env, napi_callback_info info);

/** One small-file write: its arguments as writeFile takes them (write-file.c). */
typedef struct FileWrite FileWrite;
/** How many arguments writeFile takes (and each of writeFiles' entries). */
#define WRITE_FILE_ARGS 9
/** A write of writeFile's arguments (references held); NULL when invalid or out of memory. */
FileWrite *file_write_new(napi_env env, napi_value *args);
/** Runs the write (in a thread-pool job); its outcome is in its `numbers`. */
void file_write_run(FileWrite *job);
void file_write_free(napi_env env, FileWrite *job);

/**
 * Whether any of the NUL-joined `paths` (`length` bytes) exists; a failure other than "no such
 * entry" counts too (write-file.c).
 */
int any_present(const char *paths, size_t length);

/** commitFile (commit-file.c). */
napi_value commit_file(napi_env env, napi_callback_info info);

/** The most Buffers createFile and commitFile take in one array. */
#define MAX_BUFFERS 1024

/**
 * The Buffers of an array argument (at most MAX_BUFFERS) as `*count` vectors (allocated: the
 * caller frees `*vectors`, also on failure), the array referenced (and with it each Buffer) in
 * `*ref` until the job completes. 1, or 0 when it is no such array or memory ran out.
 */
int buffers_argument(napi_env env, napi_value value, napi_ref *ref, struct iovec **vectors,
                     size_t *count);

/** Writes every vector (a short write is continued; EINTR retried). 0, or the errno (create-file.c). */
int write_vectors(int fd, struct iovec *vectors, size_t count);

/** createFile (create-file.c). */
napi_value create_file(napi_env env, napi_callback_info info);

/** writeFiles (write-files.c). */
napi_value write_files(napi_env env, napi_callback_info info);

#endif
