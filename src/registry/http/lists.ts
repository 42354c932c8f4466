/**
 * Reading bodies the client parses: capped reads that tell a cut-off body (retryable) from an
 * oversized one (not), and JSON lists paginated with `Link: <…>; rel="next"` (tags, catalog).
 */
import { headerValue, type HttpResponse } from '../../net/transport.js';
import { discard, readCapped, TooLargeError } from '../digest.js';
import { RegistryError } from '../errors.js';
import type { Side } from '../types.js';
import type { Session } from './session.js';
import { nextLink, resolveLocation } from './urls.js';

/** Largest tag or catalog page read. */
const LIST_PAGE_CAP = 16 * 1024 * 1024;
/** Pages followed at most (a registry looping its Link must not hang us). */
const MAX_PAGES = 10_000;

/** Where a read happens, for errors. */
export interface ReadContext {
  op: string;
  reference: string;
  side?: Side;
}

/** Reads a body up to `cap` bytes; a truncated body is a retryable error, an oversized one is not. */
export async function readBody(res: HttpResponse, cap: number, where: ReadContext): Promise<Buffer> {
  try {
    return await readCapped(res.body, cap);
  } catch (err) {
    if (err instanceof TooLargeError) throw new RegistryError(`response is larger than ${cap} bytes`, { ...where, status: res.status, retryable: false });
    throw new RegistryError('response body was cut off', { ...where, status: res.status, retryable: true, cause: err });
  }
}

/** A paginated list request. */
export interface ListCall extends ReadContext {
  host: string;
  scopes: string[];
  signal?: AbortSignal;
}

/** Follows `Link` pages from `first`, collecting what `pick` extracts from each JSON page; 404 is an empty list when `absentIsEmpty`. */
export async function listPages(
  session: Session,
  base: ListCall,
  first: URL,
  pick: (body: unknown) => string[],
  absentIsEmpty = false,
): Promise<string[]> {
  const out: string[] = [];
  await forEachPage(session, base, first, (body) => out.push(...pick(body)), absentIsEmpty);
  return out;
}

/** Calls `visit` with every JSON page from `first` on, following `Link`; a 404 visits nothing when `absentIsEmpty`. */
export async function forEachPage(
  session: Session,
  base: ListCall,
  first: URL,
  visit: (body: unknown) => void,
  absentIsEmpty = false,
): Promise<void> {
  const seen = new Set<string>();
  for (let url: URL | undefined = first, page = 0; url && page < MAX_PAGES; page++) {
    if (seen.has(url.href)) break;
    seen.add(url.href);
    const res = await session.send({ ...base, method: 'GET', url, kind: 'tags', ok: absentIsEmpty ? [404] : [], headers: { accept: 'application/json' } });
    if (res.status === 404) {
      discard(res.body);
      return;
    }
    const text = (await readBody(res, LIST_PAGE_CAP, base)).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new RegistryError('list response is not JSON', { ...base, status: res.status, retryable: true, cause: err });
    }
    visit(body);
    const next = nextLink(headerValue(res, 'link'));
    url = next ? resolveLocation(url, next) : undefined;
  }
}
