/**
 * A scriptable HTTP stub on 127.0.0.1:0 for protocol edge cases a real registry will not
 * produce on demand (pagination with Link, redirects to another host, corrupted bytes, token
 * expiry). It records every request; `stop()` closes it and its connections.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../src/registry/server/http.js';

/** A request as the stub saw it. */
export interface StubRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the stub answers. */
export interface StubReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** A running stub. */
export interface HttpStub {
  /** `127.0.0.1:PORT` */
  host: string;
  requests: StubRequest[];
  stop(): Promise<void>;
}

/** Starts a stub answering with `handler`; unhandled errors become 500s. */
export async function startStub(handler: (req: StubRequest) => StubReply | Promise<StubReply>): Promise<HttpStub> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: StubRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://stub'), headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(r);
      Promise.resolve()
        .then(() => handler(r))
        .then(
          (reply) => {
            const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
            res.writeHead(reply.status, { 'content-length': String(body.length), ...reply.headers });
            res.end(r.method === 'HEAD' ? undefined : body);
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(err));
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () => closeServer(server),
  };
}
