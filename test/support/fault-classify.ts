/** Which request a distribution-API call is, and which faults a request can be given. */
import type { RequestKind } from '../../src/net/transport.js';
import type { FaultKind } from './fault-proxy-types.js';

/** Classifies a distribution-API request like the client's RequestKind. */
export function classify(method: string, path: string, query: URLSearchParams): RequestKind {
  if (!path.startsWith('/v2/')) return /token|auth/.test(path) ? 'token' : 'other';
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (/\/tags\/list$/.test(path)) return 'tags';
  if (/\/referrers\/[^/]+$/.test(path)) return 'referrers';
  if (/\/manifests\/[^/]+$/.test(path)) {
    if (method === 'HEAD') return 'manifest-head';
    if (method === 'GET') return 'manifest-get';
    if (method === 'PUT') return 'manifest-put';
    return 'other';
  }
  if (/\/blobs\/uploads\/?/.test(path)) {
    if (method === 'POST') return query.has('mount') ? 'blob-mount' : 'upload-start';
    if (method === 'PATCH') return 'upload-patch';
    if (method === 'PUT') return 'upload-put';
    return 'other';
  }
  if (/\/blobs\/[^/]+$/.test(path)) {
    if (method === 'HEAD') return 'blob-head';
    if (method === 'GET') return 'blob-get';
  }
  return 'other';
}

/** Which faults make sense for a request: body faults only where a body comes back. */
export function eligible(fault: FaultKind, kind: RequestKind, method: string): boolean {
  if (fault === 'flip') return kind === 'blob-get';
  if (fault === 'truncate') return method === 'GET' && (kind === 'blob-get' || kind === 'manifest-get');
  if (fault === 'trickle') return method === 'GET';
  if (fault === 'lose') return kind === 'manifest-put';
  return true;
}
