/**
 * A fault-injecting reverse proxy (node:http on 127.0.0.1:0) in front of one registry, for
 * tests and the benchmark. It classifies and counts requests like RequestKind, counts bytes,
 * and injects seeded faults: 429 with or without Retry-After, 503, a reset before the
 * response, a truncated body, a flipped byte in a blob, round-trip latency with jitter (half on
 * the way in, half on the way out), a bandwidth cap per connection (bodies paced both ways), a per-host quota
 * (requests per window → 429 with Retry-After) and a `down` mode. It is bounded (a hard cap on
 * requests) and stops itself after its lifetime. A `lose` fault answers a manifest PUT 201
 * without storing it and without a `Docker-Content-Digest` (a registry that drops a write and
 * proves nothing), for testing verification after the copy.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RequestKind } from '../../src/net/transport.js';
import { classify } from './fault-classify.js';
import { FaultDice } from './fault-dice.js';
import { emptyCounters, type Announcement, type Arrival, type FaultKind, type FaultProxy, type FaultProxyOptions } from './fault-proxy-types.js';
import { Pacer, QuotaWindow } from './fault-throttle.js';

export { classify } from './fault-classify.js';
export type { Announcement, Arrival, FaultKind, FaultProxy, FaultProxyOptions, FaultRates, NthFault, ProxyCounters } from './fault-proxy-types.js';

/** Starts a proxy in front of `opts.target`. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  let plan = { ...opts };
  const dice = new FaultDice(opts.seed ?? 1);
  const maxRequests = opts.maxRequests ?? 200_000;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  let arrivals: Arrival[] = [];
  let announcements: Announcement[] = [];
  let counters = emptyCounters();
  const now = opts.now ?? Date.now;
  const quota = new QuotaWindow(now());
  const watchers = new Set<() => void>();
  const changed = (): void => {
    for (const w of [...watchers]) w();
  };
  let origin = '';
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pacer = new Pacer(now);
  const pace = (socket: Socket, dir: 'in' | 'out', n: number): number => pacer.pace(plan.bandwidth, socket, dir, n);

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s) => {
    if (plan.down) return void s.destroy();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const kind = classify(req.method ?? 'GET', url.pathname, url.searchParams);
    const method = req.method ?? 'GET';
    counters.requests++;
    counters.byKind[kind] = (counters.byKind[kind] ?? 0) + 1;
    const arrival: Arrival = { at: now(), kind, method, path: url.pathname, outcome: 0 };
    const index = arrivals.push(arrival) - 1;
    res.on('finish', changed);
    res.on('close', changed);
    changed();
    req.on('data', (c: Buffer) => (counters.bytesFromClient += c.length));
    if (counters.requests > maxRequests) return reply(res, arrival, 503, 'proxy request cap reached');
    const quotaEnd = quota.exceeded(plan.quota, arrival.at);
    if (quotaEnd !== undefined) {
      const seconds = Math.max(1, Math.ceil((quotaEnd - arrival.at) / 1000));
      const headers: Record<string, string> = { 'retry-after': String(seconds) };
      const q = plan.quota!;
      if (q.announce !== false) headers['ratelimit-policy'] = `${q.limit};w=${Math.round((q.windowMs ?? 60_000) / 1000)}`;
      announcements.push({ at: arrival.at, notBefore: arrival.at + seconds * 1000, index });
      count(arrival, 'quota');
      return reply(res, arrival, 429, 'quota exceeded', headers);
    }
    const fault = dice.pick(plan, counters, kind, method, url.pathname);
    if (fault) count(arrival, fault);
    if (fault === 'throttle') {
      const s = plan.retryAfterSeconds ?? 1;
      announcements.push({ at: arrival.at, notBefore: arrival.at + s * 1000, index });
      return reply(res, arrival, 429, 'injected throttle', { 'retry-after': String(s) });
    }
    if (fault === 'throttle-no-retry-after') return reply(res, arrival, 429, 'injected throttle');
    if (fault === 'unavailable') return reply(res, arrival, 503, 'injected unavailable');
    if (fault === 'reset') {
      arrival.outcome = 'reset';
      req.resume();
      req.socket.destroy();
      return changed();
    }
    if (fault === 'lose') return lose(req, res, url, arrival);
    const half = dice.halfTrip(plan);
    if (half > 0) {
      // hold the request body while waiting (the byte counter's 'data' listener made it flow): the forwarder resumes it
      req.pause();
      await sleep(half);
    }
    forward(req, res, url, kind, arrival, fault, half);
  }

  function count(arrival: Arrival, f: FaultKind | 'quota'): void {
    arrival.fault = f;
    counters.faults[f] = (counters.faults[f] ?? 0) + 1;
  }

  function reply(res: ServerResponse, arrival: Arrival, status: number, msg: string, headers: Record<string, string> = {}): void {
    arrival.outcome = status;
    const code = status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
    const body = JSON.stringify({ errors: [{ code, message: msg }] });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function forward(req: IncomingMessage, res: ServerResponse, url: URL, kind: RequestKind, arrival: Arrival, fault: FaultKind | undefined, half: number): void {
    const socket = req.socket;
    const up = httpRequest(
      { agent, host: target.hostname, port: target.port, method: req.method, path: url.pathname + url.search, headers: req.headers },
      (ur) => {
        if (half > 0) {
          // the way back: the response starts half a round trip later
          ur.pause();
          void sleep(half).then(() => respond(ur));
        } else respond(ur);
      },
    );
    function respond(ur: IncomingMessage): void {
      arrival.outcome = ur.statusCode ?? 502;
      const headers = { ...ur.headers };
      if (typeof headers.location === 'string' && headers.location.startsWith(target.origin)) {
        headers.location = origin + headers.location.slice(target.origin.length);
      }
      res.writeHead(ur.statusCode ?? 502, headers);
      if (fault === 'trickle') {
        trickle(ur, res, kind);
        return void ur.resume();
      }
      const total = Number(ur.headers['content-length'] ?? NaN);
      let sent = 0;
      let flipped = false;
      /** Sends a chunk; false when the client's buffer is full and `ur` waits for its drain. */
      const deliver = (chunk: Buffer): boolean => {
        if (fault === 'truncate') {
          const keep = Number.isFinite(total) ? Math.max(0, Math.floor(total / 2) - sent) : 0;
          if (chunk.length >= keep) {
            if (keep > 0) res.write(chunk.subarray(0, keep));
            countOut(kind, keep);
            ur.destroy();
            res.socket?.destroy();
            return false;
          }
        }
        if (fault === 'flip' && !flipped && chunk.length > 0) {
          chunk = Buffer.from(chunk);
          chunk[Math.floor(chunk.length / 2)]! ^= 0xff;
          flipped = true;
        }
        sent += chunk.length;
        countOut(kind, chunk.length);
        if (!res.write(chunk)) {
          ur.pause();
          res.once('drain', () => ur.resume());
          return false;
        }
        return true;
      };
      ur.on('data', (chunk: Buffer) => {
        const wait = pace(socket, 'out', chunk.length);
        if (wait <= 0) return void deliver(chunk);
        // paced: the next chunk is read once this one has crossed the connection
        ur.pause();
        void sleep(wait).then(() => {
          if (!res.destroyed && deliver(chunk)) ur.resume();
        });
      });
      ur.on('end', () => res.end());
      ur.on('error', () => res.destroy());
      ur.resume();
    }
    up.on('error', () => {
      if (!res.headersSent) reply(res, arrival, 502, 'upstream unreachable');
      else res.destroy();
    });
    if (!plan.bandwidth) return void req.pipe(up);
    // paced upload: each chunk reaches the registry once it has crossed the connection
    req.on('data', (chunk: Buffer) => {
      const wait = pace(socket, 'in', chunk.length);
      req.pause();
      void sleep(wait).then(() => {
        if (up.write(chunk)) req.resume();
        else up.once('drain', () => req.resume());
      });
    });
    req.on('end', () => up.end());
    req.resume();
  }

  /** Sends the upstream body one byte every `trickleMs` until it is sent or the client gives up. */
  function trickle(ur: IncomingMessage, res: ServerResponse, kind: RequestKind): void {
    const parts: Buffer[] = [];
    ur.on('data', (c: Buffer) => parts.push(c));
    ur.on('end', () => {
      const body = Buffer.concat(parts);
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        countOut(kind, 1);
        res.write(body.subarray(at, ++at));
      }, plan.trickleMs ?? 2000);
      res.on('close', () => clearInterval(timer));
    });
  }

  /** Answers a manifest PUT 201 with a Location (no digest header, so nothing proves the write), and forwards nothing. */
  function lose(req: IncomingMessage, res: ServerResponse, url: URL, arrival: Arrival): void {
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => {
      const digest = `sha256:${hash.digest('hex')}`;
      arrival.outcome = 201;
      const location = url.pathname.replace(/\/manifests\/[^/]+$/, `/manifests/${digest}`);
      res.writeHead(201, { location, 'content-length': 0 });
      res.end();
    });
  }

  function countOut(kind: RequestKind, n: number): void {
    counters.bytesToClient += n;
    if (kind === 'blob-get') counters.blobBytesToClient += n;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  origin = `http://${host}`;

  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  server.once('close', () => markClosed());
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      for (const s of sockets) s.destroy();
      agent.destroy();
      server.close(() => resolve());
    });
    return stopped;
  };
  const lifetime = setTimeout(() => void stop(), opts.lifetimeMs ?? 15 * 60_000);
  lifetime.unref();

  return {
    host,
    url: origin,
    get arrivals() {
      return arrivals;
    },
    get announcements() {
      return announcements;
    },
    counters: () => structuredClone(counters),
    until(condition, what, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!condition()) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`fault proxy ${host}: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    reset() {
      arrivals = [];
      announcements = [];
      counters = emptyCounters();
      quota.reset(now());
    },
    configure(next) {
      plan = { ...plan, ...next };
      if (next.down) for (const s of sockets) s.destroy();
    },
    stop,
    closed,
  };
}

