/**
 * File-promotion manifests (upstream `api/files`): `filestores: [{base, service-account, src}]`
 * and `files: [{name, sha256}]`, in one file or split across a filestores file and files files.
 * Validation keeps upstream's messages. Pure: texts in, problems out.
 */
import type { Problem } from '../errors.js';
import { YamlReader } from './yaml.js';

/** One filestore. */
export interface Filestore {
  base: string;
  src: boolean;
  serviceAccount?: string;
}

/** One file to promote. */
export interface FileEntry {
  name: string;
  sha256: string;
}

/** A decoded file manifest (either part may be empty). */
export interface FileManifest {
  filestores: Filestore[];
  files: FileEntry[];
}

const SCHEMES = ['gs://', 's3://'];

/** Decodes one file-manifest text; shape problems are returned with their lines. */
export function decodeFileManifest(file: string, text: string): { manifest: FileManifest; problems: Problem[] } {
  const r = YamlReader.parse(file, text);
  const manifest: FileManifest = { filestores: [], files: [] };
  if (r.unreadable) return { manifest, problems: r.problems };
  const top = r.map(r.doc.contents, 'a file manifest');
  if (top) {
    const f = r.fields(top, 'a file manifest', ['filestores', 'files']);
    for (const item of r.seq(f.get('filestores')?.value, 'filestores')?.items ?? []) {
      const m = r.map(item, 'a filestores entry');
      if (!m) continue;
      const g = r.fields(m, 'a filestores entry', ['base', 'service-account', 'src']);
      const sa = g.get('service-account');
      manifest.filestores.push({
        base: r.text(g.get('base')?.value, 'base', r.pos(m)) ?? '',
        src: r.bool(g.get('src')?.value, 'src', r.pos(m)) ?? false,
        ...(sa ? { serviceAccount: r.text(sa.value, 'service-account', r.pos(m)) } : {}),
      });
    }
    for (const item of r.seq(f.get('files')?.value, 'files')?.items ?? []) {
      const m = r.map(item, 'a files entry');
      if (!m) continue;
      const g = r.fields(m, 'a files entry', ['name', 'sha256']);
      manifest.files.push({ name: r.text(g.get('name')?.value, 'name', r.pos(m)) ?? '', sha256: r.text(g.get('sha256')?.value, 'sha256', r.pos(m)) ?? '' });
    }
  }
  return { manifest, problems: r.problems };
}

/** Upstream's filestore checks (`ValidateFilestores`). */
export function validateFilestores(stores: readonly Filestore[]): string[] {
  if (stores.length === 0) return ['at least one filestore must be specified'];
  const out: string[] = [];
  for (const s of stores) {
    if (!s.base) out.push('filestore did not have base set');
    else if (!SCHEMES.some((p) => s.base.startsWith(p))) out.push(`filestore has unsupported scheme in base "${s.base}"`);
  }
  const sources = stores.filter((s) => s.src);
  if (sources.length > 1) out.push('found multiple source filestores');
  if (sources.length === 0) out.push('source filestore not found');
  if (stores.length - sources.length === 0) out.push('no destination filestores found');
  return out;
}

/** Upstream's file checks (`ValidateFiles`). */
export function validateFiles(files: readonly FileEntry[]): string[] {
  if (files.length === 0) return ['at least one file must be specified'];
  const out: string[] = [];
  for (const f of files) {
    if (!f.name) out.push('name is required for file');
    if (!f.sha256) out.push(`sha256 is required for file${f.name ? ` "${f.name}"` : ''}`);
    else if (!/^[0-9a-fA-F]*$/.test(f.sha256)) out.push(`sha256 was not valid (not hex) for file "${f.name}"`);
    else if (f.sha256.length !== 64) out.push(`sha256 was not valid (bad length) for file "${f.name}"`);
  }
  return out;
}
