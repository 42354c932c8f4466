/**
 * `--manifest-based-snapshot-of REG`: what REG should hold once the manifests are promoted,
 * computed offline (upstream `EdgesToRegInvImage`). Every destination at or under REG contributes
 * its images, named relative to REG. Unlike upstream, thin manifests feed it too, and REG matches
 * whole path components only (`gcr.io/a` does not match `gcr.io/ab`).
 */
import { digest as asDigest, tag as asTag } from '../image/ref.js';
import type { PromoterManifest } from '../manifest/schema.js';
import { addToInventory, type ImageInventory } from './inventory.js';

/** The image-name prefix `dst` puts under `reg` ('' = reg itself), or undefined when it is outside. */
export function pathUnder(reg: string, dst: string): string | undefined {
  const r = reg.replace(/\/+$/, '');
  const d = dst.replace(/\/+$/, '');
  if (d === r) return '';
  return d.startsWith(`${r}/`) ? d.slice(r.length + 1) : undefined;
}

/** The expected inventory of `registry` after promoting `manifests` (destinations only). */
export function manifestSnapshot(manifests: readonly PromoterManifest[], registry: string): ImageInventory {
  const inv: ImageInventory = new Map();
  for (const m of manifests) {
    for (const dst of m.registries) {
      if (dst.src) continue;
      const prefix = pathUnder(registry, dst.name);
      if (prefix === undefined) continue;
      for (const img of m.images) {
        const name = prefix ? `${prefix}/${img.name}` : String(img.name);
        for (const [d, tags] of img.dmap) {
          if (tags.length === 0) addToInventory(inv, name, asDigest(d), null);
          for (const t of tags) addToInventory(inv, name, asDigest(d), asTag(t));
        }
      }
    }
  }
  return inv;
}
