// MD5 of a stream of buffers on libuv's thread pool. S3's ETag is the MD5 of the body: on the
// target that receives a large PUT it was a third of the main thread's busy time (node:crypto
// hashes synchronously), so the event loop moved half as many bytes as it could. Here each batch
// of buffers is hashed by a pool thread while the event loop reads and writes the next ones; the
// digest is OpenSSL's (the one Node links), so it is the same function node:crypto computes.
#include <node_api.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fs-batch.h"

/**
 * One running MD5; `busy` while a pool job updates it (a second update would race it), `spent`
 * once its digest was taken.
 */
typedef struct {
  EVP_MD_CTX *context;
  bool busy;
  bool spent;
} Md5State;

/** One update job: the state and the buffers, referenced until the job completes. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  Md5State *state;
  napi_ref state_ref;
  napi_ref buffers_ref;
  const unsigned char **data;
  size_t *lengths;
  uint32_t count;
  bool failed;
} Md5Update;

static void state_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Md5State *state = data;
  EVP_MD_CTX_free(state->context);
  free(state);
}

/** The Md5State of an argument (an external made by md5Create); NULL when it is not one. */
static Md5State *state_argument(napi_env env, napi_value value) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok)
    return NULL;
  return data;
}

/** md5Create(): a new MD5 state (freed by the collector). */
napi_value md5_create(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value external;
  Md5State *state = calloc(1, sizeof(Md5State));
  if (state != NULL) state->context = EVP_MD_CTX_new();
  if (state == NULL || state->context == NULL ||
      EVP_DigestInit_ex(state->context, EVP_md5(), NULL) != 1 ||
      napi_create_external(env, state, state_finalize, NULL, &external) != napi_ok) {
    if (state != NULL) EVP_MD_CTX_free(state->context);
    free(state);
    napi_throw_error(env, NULL, "md5Create: out of memory or no MD5 in OpenSSL");
    return NULL;
  }
  return external;
}

static void update_free(napi_env env, Md5Update *job) {
  if (job->state_ref != NULL) napi_delete_reference(env, job->state_ref);
  if (job->buffers_ref != NULL) napi_delete_reference(env, job->buffers_ref);
  free(job->data);
  free(job->lengths);
  free(job);
}

static void update_execute(napi_env env, void *data) {
  (void)env;
  Md5Update *job = data;
  for (uint32_t index = 0; index < job->count && !job->failed; index += 1)
    job->failed = EVP_DigestUpdate(job->state->context, job->data[index], job->lengths[index]) != 1;
}

static void update_complete(napi_env env, napi_status status, void *data) {
  Md5Update *job = data;
  napi_value result, error, message;
  job->state->busy = false;
  if (status != napi_ok || job->failed) {
    CHECK(napi_create_string_utf8(env, status != napi_ok ? "md5Update cancelled" : "md5Update failed",
                                  NAPI_AUTO_LENGTH, &message));
    CHECK(napi_create_error(env, NULL, message, &error));
    CHECK(napi_reject_deferred(env, job->deferred, error));
  } else {
    CHECK(napi_get_undefined(env, &result));
    CHECK(napi_resolve_deferred(env, job->deferred, result));
  }
  napi_delete_async_work(env, job->work);
  update_free(env, job);
  return;
fail:
  napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot settle the MD5 update", NAPI_AUTO_LENGTH);
}

/** The job's buffers (an array of Buffers), referenced by `buffers_ref`; 0 when invalid. */
static int take_buffers(napi_env env, napi_value array, Md5Update *job) {
  bool is_array;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &job->count) != napi_ok)
    return 0;
  job->data = calloc(job->count == 0 ? 1 : job->count, sizeof(*job->data));
  job->lengths = calloc(job->count == 0 ? 1 : job->count, sizeof(*job->lengths));
  if (job->data == NULL || job->lengths == NULL) return 0;
  for (uint32_t index = 0; index < job->count; index += 1) {
    napi_value element;
    bool is_buffer;
    void *bytes;
    if (napi_get_element(env, array, index, &element) != napi_ok ||
        napi_is_buffer(env, element, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_buffer_info(env, element, &bytes, &job->lengths[index]) != napi_ok)
      return 0;
    job->data[index] = bytes;
  }
  return napi_create_reference(env, array, 1, &job->buffers_ref) == napi_ok;
}

/**
 * md5Update(state, buffers): hashes `buffers` in order into `state` in one pool job. The buffers
 * must not change until the promise settles; one update at a time per state (else a TypeError).
 */
napi_value md5_update(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], promise, resource_name;
  Md5Update *job = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 2) goto invalid;
  Md5State *state = state_argument(env, args[0]);
  if (state == NULL || state->busy || state->spent) goto invalid;
  job = calloc(1, sizeof(Md5Update));
  if (job == NULL || !take_buffers(env, args[1], job) ||
      napi_create_reference(env, args[0], 1, &job->state_ref) != napi_ok ||
      napi_create_promise(env, &job->deferred, &promise) != napi_ok)
    goto invalid;
  job->state = state;
  if (napi_create_string_utf8(env, "cairn:md5-update", NAPI_AUTO_LENGTH, &resource_name) !=
          napi_ok ||
      napi_create_async_work(env, NULL, resource_name, update_execute, update_complete, job,
                             &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok)
    napi_fatal_error("fs-batch", NAPI_AUTO_LENGTH, "cannot queue work", NAPI_AUTO_LENGTH);
  state->busy = true;
  return promise;
invalid:
  if (job != NULL) update_free(env, job);
  napi_throw_type_error(env, NULL,
                        "md5Update(state, buffers): invalid arguments, an update already running, "
                        "a spent state or out of memory");
  return NULL;
}

/** md5Digest(state): the 16-byte digest; the state is then spent (as node:crypto's digest()). */
napi_value md5_digest(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1], result;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  void *copy;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1) goto invalid;
  Md5State *state = state_argument(env, args[0]);
  if (state == NULL || state->busy || state->spent) goto invalid;
  state->spent = true;
  if (EVP_DigestFinal_ex(state->context, digest, &length) != 1 ||
      napi_create_buffer_copy(env, length, digest, &copy, &result) != napi_ok)
    goto invalid;
  return result;
invalid:
  napi_throw_type_error(env, NULL,
                        "md5Digest(state): invalid argument, an update running or a spent state");
  return NULL;
}
