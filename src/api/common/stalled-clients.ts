// Clients that go silent mid-exchange. `requestTimeout` is off (a large upload or download may take
// hours), so a client that starts an upload and then sends nothing, or stops reading an answer,
// would hold its connection, the request's buffers and an open file for ever; enough of them
// exhaust a node. As S3 does (`RequestTimeout` after about 20 s of silence), such an exchange is
// dropped once the client has been silent for the idle timeout: an upload's request stream fails
// with RequestTimeout (the write path removes what it started), a download's connection is reset.
// Only the client's silence counts: a body the server has stopped reading (back-pressure from a
// slow disk or peer), an answer the server is slow to produce, and a client waiting for
// `100 Continue` before it was sent are never timed out. A trickle (a byte now and then) counts as
// silence: it would hold the exchange as surely.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StoreError } from '../../errors/index.js';

/** Fewer bytes than this moved by the client in a whole period is silence (a trickle). */
export const tricklePerPeriodBytes = 1024;
/** A sweep this many periods after the last one finds the process, not its clients, was stalled. */
const lateSweepFactor = 1.2;

/** An exchange being watched, as `track` hands it out (opaque to the caller). */
export type WatchedExchange = object;

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** The connection, kept from the start: node:http sets `request.socket` to null once it is done. */
  readonly socket: Socket;
  /**
   * True until the first sweep after the exchange began: that sweep may come right after it (the
   * client has not sent its body yet), so it only takes the counts a whole period is measured from.
   */
  fresh: boolean;
  /** False while the client waits for `100 Continue`: its silence is ours until we answer. */
  told: boolean;
  bytesRead: number;
  bytesWritten: number;
  /** Bytes libuv held for the kernel at the last sweep (see `queuedForKernel`). */
  queued: number | undefined;
  /** Body bytes left unread at the last sweep (the server, not the client, was behind). */
  unread: boolean;
  /** Answer bytes the kernel would not take at the last sweep. */
  unsent: boolean;
}

/**
 * The exchanges in progress on one server, swept every `idleMs`: one whose client moved under
 * `tricklePerPeriodBytes` over a whole period, while the server waited on it at both ends of that
 * period, is dropped. Periods are counted from the first sweep after an exchange began, so a silent
 * client goes after one to two periods.
 */
export class StalledClients {
  readonly #exchanges = new Set<Exchange>();
  readonly #timer: NodeJS.Timeout;
  #lastSweepMs = performance.now();
  #pending: NodeJS.Immediate | undefined;

  constructor(readonly idleMs: number) {
    // Checked after the event loop's next poll: after a pause, libuv first hands the kernel what
    // the client made room for, and only then is the client's progress counted.
    this.#timer = setInterval(() => {
      this.#pending ??= setImmediate(() => {
        this.#pending = undefined;
        this.#sweep();
      }).unref();
    }, idleMs);
    this.#timer.unref();
  }

  /**
   * Watches an exchange, without a listener of its own: the caller calls `release` with what this
   * answers when the response closes (the server has one `close` listener per request for this
   * and the request stats).
   */
  track(request: IncomingMessage, response: ServerResponse): WatchedExchange {
    // The counts are taken by the first sweep (the exchange is fresh till then), not here: reading
    // them (`bytesWritten` copies the socket's write queue) cost every request for nothing.
    const { expect } = request.headers;
    const exchange: Exchange = {
      request,
      response,
      socket: request.socket,
      fresh: true,
      told: expect === undefined || !/100-continue/i.test(expect),
      bytesRead: 0,
      bytesWritten: 0,
      queued: undefined,
      unread: false,
      unsent: false,
    };
    this.#exchanges.add(exchange);
    return exchange;
  }

  /** Stops watching an exchange `track` started (its response closed). */
  release(exchange: WatchedExchange): void {
    this.#exchanges.delete(exchange as Exchange);
  }

  /** Exchanges being watched (for tests: none may stay once their connections are gone). */
  get watching(): number {
    return this.#exchanges.size;
  }

  close(): void {
    clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    this.#exchanges.clear();
  }

  #sweep(): void {
    // A sweep that comes late means this process did not run for a while (CPU starvation, a long
    // pause): it could not move the clients' bytes either (libuv writes in the event loop), so the
    // period proves nothing about them and only restarts their counts.
    const now = performance.now();
    const late = now - this.#lastSweepMs > this.idleMs * lateSweepFactor;
    this.#lastSweepMs = now;
    for (const exchange of this.#exchanges) {
      if (late) exchange.fresh = true;
      // A fault here would be thrown from a timer and end the process: the exchange is left alone.
      try {
        this.#check(exchange);
      } catch (error) {
        this.#exchanges.delete(exchange);
        process.emitWarning(`stalled-client check failed: ${String(error)}`);
      }
    }
  }

  #check(exchange: Exchange): void {
    const { request, response, socket } = exchange;
    // A connection closed under responses still queued behind others (pipelined requests)
    // never emits their 'close'.
    if (socket.destroyed) {
      this.#exchanges.delete(exchange);
      return;
    }
    const read = socket.bytesRead - exchange.bytesRead;
    // `bytesWritten` counts what Node handed to libuv, so a large write in flight freezes it
    // while the kernel takes its bytes: what libuv still holds is the other half of progress.
    const queued = queuedForKernel(socket);
    const sent =
      socket.bytesWritten -
      exchange.bytesWritten +
      Math.max(0, (exchange.queued ?? 0) - (queued ?? 0));
    const unread = request.readableLength > 0;
    const unsent = socket.writableLength > 0;
    if (exchange.fresh) exchange.fresh = false;
    else if (!exchange.told) exchange.told = sent > 0;
    else if (!request.complete && read < tricklePerPeriodBytes && !unread && !exchange.unread) {
      this.#exchanges.delete(exchange);
      // A handler that has not started on the body has no 'error' listener yet: node:http then
      // destroys the request without emitting the error (no uncaught exception; tested).
      request.destroy(
        new StoreError(
          'RequestTimeout',
          `the request body stalled: under ${tricklePerPeriodBytes} bytes in ${this.idleMs} ms; the upload was dropped`,
        ),
      );
      return;
    } else if (
      !response.writableFinished &&
      sent < tricklePerPeriodBytes &&
      unsent &&
      exchange.unsent &&
      // Without libuv's count a large write in flight cannot be told from a stalled reader.
      queued !== undefined
    ) {
      this.#exchanges.delete(exchange);
      // Nobody reads this answer any more: an error status cannot reach the client either.
      socket.destroy();
      return;
    }
    exchange.bytesRead = socket.bytesRead;
    exchange.bytesWritten = socket.bytesWritten;
    exchange.queued = queued;
    exchange.unread = unread;
    exchange.unsent = unsent;
  }
}

/**
 * The bytes libuv still holds for the kernel on this connection (`writeQueueSize` of the TCP
 * handle, which Node's own `net` reads; for TLS, the raw socket's under it, as the TLS handle's
 * stays put); undefined where there is no such count.
 */
function queuedForKernel(socket: Socket): number | undefined {
  const raw = (socket as { _parent?: unknown })._parent ?? socket;
  const size = (raw as { _handle?: { writeQueueSize?: unknown } | null })._handle?.writeQueueSize;
  return typeof size === 'number' ? size : undefined;
}
