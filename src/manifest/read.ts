/**
 * Reading one manifest file from disk into a YamlReader, turning I/O errors into problems
 * (a missing or unreadable file is bad input, not a crash).
 */
import { readFile } from 'node:fs/promises';
import type { Problem } from '../errors.js';
import { YamlReader } from './yaml.js';

/** Reads and parses `file`; on an I/O error returns the problem instead. */
export async function readYamlFile(file: string, what: string): Promise<YamlReader | Problem> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { file, message: `cannot read ${what}: ${ioReason(err)}` };
  }
  return YamlReader.parse(file, text);
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
