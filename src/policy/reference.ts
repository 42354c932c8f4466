/**
 * The attribute reference of docs/policy.md, generated from the schema (a test keeps the
 * document equal to it).
 */
import { ATTRIBUTES, type AttrSpec } from './attributes.js';

/** The markdown table of every attribute: name, CEL type, registry read, meaning. */
export function attributeTable(): string {
  const rows = ['| attribute | CEL type | needs a registry read | meaning |', '| --- | --- | --- | --- |'];
  for (const [group, fields] of Object.entries(ATTRIBUTES as Record<string, Record<string, AttrSpec>>)) {
    for (const [field, spec] of Object.entries(fields)) {
      const name = field === '' ? group : `${group}.${field}`;
      const type = spec.type === 'list<string>' ? 'list(string)' : spec.type;
      rows.push(`| \`${name}\` | ${type} | ${spec.registry ? 'yes (once per digest)' : 'no'} | ${spec.doc} |`);
    }
  }
  return `${rows.join('\n')}\n`;
}
