import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeImagesFile, decodeThinManifest } from './decode.js';
import { parsePlainManifest } from './plain.js';
import { YamlReader } from './yaml.js';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

describe('strict YAML decoding', () => {
  it('rejects unknown keys at every level, naming the key, its position and the allowed keys', () => {
    const text = [
      'registries:',
      '- name: gcr.io/a',
      '  src: true',
      '  srcc: true',
      'images:',
      '- name: app',
      '  tags: [x]',
      '  dmap:',
      `    "${D1}": []`,
      'extra: 1',
    ].join('\n');
    const got = parsePlainManifest('m.yaml', text).problems;
    const msgs = got.map((p) => `${p.line}:${p.column}: ${p.message}`);
    assert.deepEqual(msgs, [
      '10:1: unknown key "extra" in a manifest; allowed keys: registries, images',
      '4:3: unknown key "srcc" in a registries entry; allowed keys: name, service-account, src',
      '7:3: unknown key "tags" in an images entry; allowed keys: name, dmap',
    ]);
  });

  it('rejects duplicate keys with their position', () => {
    const text = `registries:\n- name: gcr.io/a\n  src: true\n  name: gcr.io/b\nimages: []\n`;
    const got = parsePlainManifest('m.yaml', text).problems;
    assert.equal(got.length, 1);
    assert.equal(got[0]!.line, 4);
    assert.match(got[0]!.message, /duplicate key name: each key may appear only once/);
  });

  it('rejects a duplicated digest inside one dmap', () => {
    const r = YamlReader.parse('i.yaml', `- name: app\n  dmap:\n    "${D1}": [a]\n    "${D1}": [b]\n`);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.line, 4);
    assert.ok(r.problems[0]!.message.startsWith(`duplicate key "${D1}": `), r.problems[0]!.message);
  });

  it('reports a syntax error with its position and does not decode further', () => {
    const r = parsePlainManifest('m.yaml', 'registries:\n- name: [unclosed\n');
    assert.ok(r.problems.length >= 1);
    assert.match(r.problems[0]!.message, /^invalid YAML: /);
    assert.equal(r.manifest, undefined);
  });

  it('keeps tags as written (1.10 is not the number 1.1), merges repeated tags, reads null and [] as tagless', () => {
    const r = YamlReader.parse('i.yaml', `- name: app\n  dmap:\n    "${D1}": [1.10, 1.10, v2]\n    "${D2}":\n- name: b\n  dmap: {"${D1}": []}\n`);
    const images = decodeImagesFile(r);
    assert.deepEqual(r.problems, []);
    assert.deepEqual([...images[0]!.dmap.entries()], [
      [D1, ['1.10', 'v2']],
      [D2, []],
    ]);
    assert.deepEqual([...images[1]!.dmap.values()], [[]]);
    assert.equal(images[0]!.digestPos.get(D2 as never)?.line, 4);
  });

  it('accepts and ignores the deprecated imagesPath key of a thin manifest', () => {
    const r = YamlReader.parse('p.yaml', `registries:\n- name: gcr.io/a\n  src: true\nimagesPath: "../../images/x/images.yaml"\n`);
    const { registries } = decodeThinManifest(r);
    assert.deepEqual(r.problems, []);
    assert.equal(registries.length, 1);
  });

  it('rejects images in a thin promoter manifest (they belong in images.yaml)', () => {
    const r = YamlReader.parse('p.yaml', `registries: []\nimages: []\n`);
    decodeThinManifest(r);
    assert.match(r.problems[0]!.message, /unknown key "images" in a thin promoter manifest; allowed keys: registries, imagesPath/);
  });

  it('reports wrong shapes with what was found', () => {
    const got = parsePlainManifest('m.yaml', `registries: gcr.io/a\nimages:\n- name: app\n  dmap: ["${D1}"]\n`).problems;
    assert.match(got[0]!.message, /^registries must be a list, found "gcr.io\/a"/);
    assert.match(got[1]!.message, /^images: dmap must be a mapping \(key: value\), found a list/);
  });

  it('keeps the service-account of a registry and comments do not matter', () => {
    const r = parsePlainManifest('m.yaml', `# c\nregistries:\n# c\n- name: gcr.io/a # c\n  src: true\n\n- name: us.gcr.io/b\n  service-account: sa@x.iam.gserviceaccount.com\nimages: []\n`);
    assert.deepEqual(r.problems, []);
    assert.equal(r.manifest!.registries[1]!.serviceAccount, 'sa@x.iam.gserviceaccount.com');
    assert.equal(r.manifest!.registries[1]!.pos.line, 7);
  });

  it('reads src as yaml.v2 does: YAML 1.1 booleans in their exact spellings, unquoted', () => {
    const manifest = (src: string): string =>
      `registries:\n- name: gcr.io/a\n  src: ${src}\n- name: gcr.io/b\nimages:\n- name: app\n  dmap: {"${D1}": [v1]}\n`;
    for (const yes of ['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON']) {
      const r = parsePlainManifest('m.yaml', manifest(yes));
      assert.deepEqual(r.problems, [], yes);
      assert.equal(r.manifest!.registries[0]!.src, true, yes);
    }
    for (const no of ['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF']) {
      const r = YamlReader.parse('p.yaml', `registries:\n- name: gcr.io/a\n  src: ${no}\n`);
      const { registries } = decodeThinManifest(r);
      assert.deepEqual(r.problems, [], no);
      assert.equal(registries[0]!.src, false, no);
    }
    // yaml.v2 reads these as strings, which a bool field refuses
    for (const bad of ['"yes"', "'true'", 'yEs', 'oN', '1', 'enabled']) {
      const got = parsePlainManifest('m.yaml', manifest(bad)).problems;
      assert.equal(got[0]?.line, 3, bad);
      assert.match(got[0]!.message, /^registries: src must be true or false, found /, bad);
    }
  });

  it('ignores leading and trailing document markers and the empty documents they make', () => {
    const body = `registries:\n- name: gcr.io/a\n  src: true\n- name: gcr.io/b\nimages:\n- name: app\n  dmap: {"${D1}": [v1]}\n`;
    for (const text of [`---\n${body}`, `${body}---\n`, `---\n${body}---\n`, `${body}...\n`, `--- # c\n${body}...\n---\n`, `---\n---\n${body}`]) {
      const r = parsePlainManifest('m.yaml', text);
      assert.deepEqual(r.problems, [], JSON.stringify(text));
      assert.equal(r.manifest!.images.length, 1);
    }
    const images = YamlReader.parse('i.yaml', `---\n- name: app\n  dmap: {"${D1}": []}\n---\n`);
    assert.deepEqual(images.problems, []);
    assert.equal(decodeImagesFile(images).length, 1);
  });

  it('rejects a second document with content (yaml.v2 would silently drop it), at its line', () => {
    const text = `registries:\n- name: gcr.io/a\n  src: true\nimages: []\n---\nimages:\n- name: lost\n`;
    const got = parsePlainManifest('m.yaml', text).problems;
    assert.equal(got.length, 1);
    assert.equal(got[0]!.line, 6);
    assert.match(got[0]!.message, /^a second YAML document: a manifest file holds one document/);
    assert.doesNotMatch(got[0]!.message, /parseAllDocuments/);
  });

  it('positions line numbers from the start of the file when a document marker comes first', () => {
    const got = parsePlainManifest('m.yaml', `---\nregistries:\n- name: gcr.io/a\n  src: true\n  bogus: 1\nimages: []\n`).problems;
    assert.equal(got[0]!.line, 5);
  });
});
