/**
 * Reading one manifest file from disk into a YamlReader, turning I/O errors into problems
 * (a missing or unreadable file is bad input, not a crash). Only regular files up to
 * MAX_MANIFEST_FILE_BYTES are read: a FIFO or device would block or never end, and parsing
 * costs about 80 bytes of memory per byte of YAML.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Problem } from '../errors.js';
import { YamlReader } from './yaml.js';

/**
 * Largest manifest file read, in bytes (8 MiB). The whole k8s.io promoter corpus (76 manifests,
 * 12,344 digests) is about 1.5 MB; a 32 MiB manifest was measured to take 15 s and 2.6 GB to
 * parse, so 8 MiB keeps one file under about 700 MB.
 */
export const MAX_MANIFEST_FILE_BYTES = 8 * 1024 * 1024;

/** Reads and parses `file`; on an I/O error, a non-regular file or an oversized one returns the problem instead. */
export async function readYamlFile(file: string, what: string): Promise<YamlReader | Problem> {
  const text = await readManifestText(file, what);
  return typeof text === 'string' ? YamlReader.parse(file, text) : text;
}

/**
 * The text of a manifest file, or a problem. Opened non-blocking (a FIFO then neither waits for
 * a writer nor is read), checked with fstat on the open descriptor, read up to the cap only.
 */
export async function readManifestText(file: string, what: string, limit = MAX_MANIFEST_FILE_BYTES): Promise<string | Problem> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { file, message: `cannot read ${what}: ${ioReason(err)}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      return { file, message: `cannot read ${what}: ${st.isDirectory() ? 'is a directory' : `is ${specialKind(st)}`}, expected a regular file` };
    }
    if (st.size > limit) return tooLarge(file, what, st.size, limit);
    // Read one byte past the cap, so a file that grew since fstat is still refused.
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > limit) return tooLarge(file, what, n, limit);
      if (n === buf.length) break;
    }
    return buf.toString('utf8', 0, n);
  } catch (err) {
    return { file, message: `cannot read ${what}: ${ioReason(err)}` };
  } finally {
    await fh.close();
  }
}

function tooLarge(file: string, what: string, size: number, limit: number): Problem {
  const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return { file, message: `${what} is too large: ${size > limit + 1 ? mib(size) : `over ${mib(limit)}`}; the limit is ${mib(limit)} (${limit} bytes)` };
}

/** What kind of special file a stat describes, for messages. */
function specialKind(st: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A short human reason for a filesystem error. */
export function ioReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  if (code === 'ENOTDIR') return 'a parent of this path is not a directory';
  return err instanceof Error ? err.message : String(err);
}
