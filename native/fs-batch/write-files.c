// Many small objects written in one libuv thread-pool job, each as writeFile writes one (create,
// write, attribute, rename, fstat, close: write-file.c). A promote writes many small files at
// once; one job per file woke a pool thread and then the event loop for each of them, and on a
// busy machine those wake-ups cost more than the writes.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

#include "fs-batch.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  FileWrite **writes;
  uint32_t count;
} FileWriteBatch;

static void batch_free(napi_env env, FileWriteBatch *batch) {
  for (uint32_t index = 0; index < batch->count; index += 1)
    if (batch->writes[index] != NULL) file_write_free(env, batch->writes[index]);
  free(batch->writes);
  free(batch);
}

static void write_files_execute(napi_env env, void *data) {
  (void)env;
  FileWriteBatch *batch = data;
  for (uint32_t index = 0; index < batch->count; index += 1) file_write_run(batch->writes[index]);
}

static void write_files_complete(napi_env env, napi_status status, void *data) {
  FileWriteBatch *batch = data;
  napi_value result, error, code, message;
  if (status != napi_ok) {
    CHECK(napi_create_string_utf8(env, "file writes cancelled", NAPI_AUTO_LENGTH, &message));
    CHECK(napi_create_string_utf8(env, "ECANCELED", NAPI_AUTO_LENGTH, &code));
    CHECK(napi_create_error(env, code, message, &error));
    CHECK(napi_reject_deferred(env, batch->deferred, error));
  } else {
    CHECK(napi_get_undefined(env, &result));
    CHECK(napi_resolve_deferred(env, batch->deferred, result));
  }
  napi_delete_async_work(env, batch->work);
  batch_free(env, batch);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot settle the writes", NAPI_AUTO_LENGTH);
}

/**
 * writeFiles([[workPath, content, attribute, record, destination, sync, numbers, supersedes,
 * absent]...]):
 * see index.d.ts. Resolves once the job ran; every write's outcome is in its `numbers`.
 */
napi_value write_files(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value list, promise, resource_name;
  bool is_array;
  uint32_t count;
  FileWriteBatch *batch = NULL;
  if (napi_get_cb_info(env, info, &argc, &list, NULL, NULL) != napi_ok || argc != 1 ||
      napi_is_array(env, list, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, list, &count) != napi_ok)
    goto invalid;
  batch = calloc(1, sizeof(FileWriteBatch));
  if (batch == NULL) goto invalid;
  batch->writes = calloc(count == 0 ? 1 : count, sizeof(FileWrite *));
  if (batch->writes == NULL) goto invalid;
  batch->count = count;
  for (uint32_t index = 0; index < count; index += 1) {
    napi_value entry, args[WRITE_FILE_ARGS];
    uint32_t length;
    if (napi_get_element(env, list, index, &entry) != napi_ok ||
        napi_is_array(env, entry, &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, entry, &length) != napi_ok || length != WRITE_FILE_ARGS)
      goto invalid;
    for (uint32_t arg = 0; arg < WRITE_FILE_ARGS; arg += 1)
      if (napi_get_element(env, entry, arg, &args[arg]) != napi_ok) goto invalid;
    batch->writes[index] = file_write_new(env, args);
    if (batch->writes[index] == NULL) goto invalid;
  }
  if (napi_create_promise(env, &batch->deferred, &promise) != napi_ok) goto invalid;
  if (napi_create_string_utf8(env, "cairn:write-files", NAPI_AUTO_LENGTH, &resource_name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, resource_name, write_files_execute, write_files_complete,
                             batch, &batch->work) != napi_ok ||
      napi_queue_async_work(env, batch->work) != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
  return promise;
invalid:
  if (batch != NULL && batch->writes != NULL) batch_free(env, batch);
  else free(batch);
  napi_throw_type_error(
      env, NULL,
      "writeFiles([[workPath, content, attribute, record, destination, sync, numbers, "
      "supersedes, absent]...]): invalid arguments or out of memory");
  return NULL;
}
