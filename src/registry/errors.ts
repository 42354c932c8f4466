/**
 * The one error type of the registry client. It carries what the spec and an operator need:
 * the HTTP status, the spec's error codes from the body, the operation, the reference (never
 * credentials), which side of a copy failed, and whether retrying may help (ggcr's
 * transport.Error and Temporary() tables are the model).
 */
import { KpromoError } from '../errors.js';
import type { Side } from './types.js';

/** One entry of a distribution-spec error body `{errors:[{code,message,detail}]}`. */
export interface Diagnostic {
  code: string;
  message?: string;
  detail?: unknown;
}

/** What a RegistryError knows besides its message. */
export interface RegistryErrorInit {
  op: string;
  /** `host/repository[:tag|@digest]`, or the redacted URL; never credentials. */
  reference: string;
  status?: number;
  diagnostics?: Diagnostic[];
  side?: Side;
  retryable?: boolean;
  cause?: unknown;
}

/** Statuses worth retrying: request timeout, rate limited, server-side failures. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Spec error codes that say "try again later". */
const RETRYABLE_CODES = new Set(['TOOMANYREQUESTS', 'UNAVAILABLE']);
/** Node/undici error codes of dropped, reset or stalled connections. */
const TRANSIENT_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** A failed registry request or a response that failed verification. */
export class RegistryError extends KpromoError<'REGISTRY_ERROR'> {
  readonly op: string;
  readonly reference: string;
  readonly status: number | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly side: Side | undefined;
  readonly retryable: boolean;
  constructor(message: string, init: RegistryErrorInit) {
    const diags = init.diagnostics ?? [];
    const status = init.status;
    const codes = diags.map((d) => d.code).filter(Boolean);
    const parts = [`${init.op} ${init.reference}`];
    if (init.side) parts.push(`(${init.side})`);
    const head = parts.join(' ');
    const detail = [status !== undefined ? `HTTP ${status}` : '', codes.length ? codes.join(',') : '']
      .filter(Boolean)
      .join(' ');
    super('REGISTRY_ERROR', `${head}: ${message}${detail ? ` [${detail}]` : ''}`, { cause: init.cause });
    this.op = init.op;
    this.reference = init.reference;
    this.status = status;
    this.diagnostics = diags;
    this.side = init.side;
    this.retryable =
      init.retryable ??
      ((status !== undefined && (RETRYABLE_STATUS.has(status) || status >= 500)) ||
        codes.some((c) => RETRYABLE_CODES.has(c)));
  }
  /** The spec error codes from the body, e.g. `MANIFEST_UNKNOWN`. */
  get codes(): string[] {
    return this.diagnostics.map((d) => d.code);
  }
}

/** Whether an error is worth retrying: a retryable RegistryError or a dropped/stalled connection. */
export function isTransient(err: unknown): boolean {
  if (err instanceof RegistryError) return err.retryable;
  return isNetworkError(err);
}

/** Whether an error is a connection reset, refusal or timeout (Node or undici). */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NET_CODES.has(code)) return true;
  }
  return false;
}

/** Whether an error comes from an aborted signal. */
export function isAbortError(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === 'AbortError' || (err as { code?: unknown })?.code === 'ABORT_ERR';
}

/** Parses a spec error body (already capped by the caller); [] when it is not one. */
export function parseDiagnostics(text: string): Diagnostic[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(body?.errors)) return [];
    return body.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: String(e.code ?? ''),
        message: typeof e.message === 'string' ? e.message : undefined,
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}
