import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePlainManifest } from './plain.js';

const D1 = 'sha256:' + 'a'.repeat(64);

/** A plain manifest with one source, one destination and one image. */
function manifest(opts: { registries?: string; name?: string; dmap?: string } = {}): string {
  const registries = opts.registries ?? '- name: gcr.io/staging\n  src: true\n- name: us.gcr.io/prod';
  const dmap = opts.dmap ?? `"${D1}": ["v1"]`;
  return `registries:\n${registries}\nimages:\n- name: ${opts.name ?? 'app'}\n  dmap:\n    ${dmap}\n`;
}

function problems(text: string): string[] {
  return parsePlainManifest('m.yaml', text).problems.map((p) => `${p.line ?? '-'}:${p.message}`);
}

describe('validateManifest: digests (upstream table)', () => {
  const cases: [string, string, boolean][] = [
    ['sha256 + 64 lowercase hex', D1, true],
    ['uppercase hex', 'sha256:' + 'A'.repeat(64), false],
    ['63 hex', 'sha256:' + 'a'.repeat(63), false],
    ['65 hex', 'sha256:' + 'a'.repeat(65), false],
    ['sha512 is not allowed in manifests', 'sha512:' + 'a'.repeat(128), false],
    ['no algorithm', 'a'.repeat(64), false],
    ['non-ASCII', 'sha256:안녕', false],
    ['empty', '', false],
  ];
  for (const [name, d, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => {
      const p = problems(manifest({ dmap: `${JSON.stringify(d)}: ["v1"]` }));
      if (ok) assert.deepEqual(p, []);
      else {
        assert.equal(p.length, 1, p.join('\n'));
        assert.match(p[0]!, /^8:invalid digest: /);
        assert.ok(p[0]!.includes(JSON.stringify(d)), 'names the offending value');
        assert.match(p[0]!, /64 lowercase hexadecimal/, 'says what is allowed');
      }
    });
  }
});

describe('validateManifest: tags (upstream table)', () => {
  const cases: [string, string, boolean][] = [
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['one character', 'a', true],
    ['underscore first', '_x', true],
    ['dots and dashes inside', 'v1.2.3-rc.0_b', true],
    ['non-ASCII 안녕', '안녕', false],
    ['a space: a b', 'a b', false],
    ['leading .', '.a', false],
    ['leading -', '-a', false],
    ['empty', '', false],
    ['slash', 'a/b', false],
  ];
  for (const [name, t, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => {
      const p = problems(manifest({ dmap: `"${D1}": [${JSON.stringify(t)}]` }));
      if (ok) assert.deepEqual(p, []);
      else {
        assert.equal(p.length, 1, p.join('\n'));
        assert.ok(p[0]!.startsWith(`8:invalid tag: ${JSON.stringify(t)}`), p[0]);
        assert.match(p[0]!, /\^\\w\[\\w\.-\]\{0,127\}\$/, 'shows the allowed pattern');
      }
    });
  }
});

describe('validateManifest: registries and images', () => {
  const cases: { name: string; text: string; want: RegExp[] }[] = [
    { name: 'valid', text: manifest(), want: [] },
    { name: 'registry with port and path', text: manifest({ registries: '- name: localhost:5000/a/b\n  src: true\n- name: 127.0.0.1:5001/c' }), want: [] },
    { name: 'no registries', text: `images: []\n`, want: [/'registries' field cannot be empty/] },
    { name: 'empty registries', text: `registries: []\n`, want: [/'registries' field cannot be empty/] },
    {
      name: 'two sources',
      text: manifest({ registries: '- name: gcr.io/a\n  src: true\n- name: gcr.io/b\n  src: true\n- name: us.gcr.io/p' }),
      want: [/^4:cannot have more than 1 source registry: "gcr.io\/a" \(line 2\), "gcr.io\/b" \(line 4\)/],
    },
    { name: 'no source', text: manifest({ registries: '- name: gcr.io/a\n- name: gcr.io/b' }), want: [/source registry must be set/] },
    { name: 'empty registry name', text: manifest({ registries: '- name: gcr.io/a\n  src: true\n- name: ""' }), want: [/^4:registries: 'name' field cannot be empty/] },
    { name: 'missing registry name', text: manifest({ registries: '- name: gcr.io/a\n  src: true\n- src: false' }), want: [/^4:registries: 'name' field cannot be empty/] },
    { name: 'scheme in registry name', text: manifest({ registries: '- name: https://gcr.io/a\n  src: true\n- name: gcr.io/b' }), want: [/^2:invalid registry name "https:\/\/gcr.io\/a"/] },
    { name: 'uppercase path', text: manifest({ registries: '- name: gcr.io/A\n  src: true\n- name: gcr.io/b' }), want: [/invalid registry name "gcr.io\/A"/] },
    { name: 'src not a boolean', text: manifest({ registries: '- name: gcr.io/a\n  src: "yes"\n- name: gcr.io/b' }), want: [/^3:registries: src must be true or false, found "yes"/, /source registry must be set/] },
    { name: 'empty image name', text: manifest({ name: '""' }), want: [/^6:images: 'name' field cannot be empty/] },
    { name: 'bad image name', text: manifest({ name: 'App' }), want: [/^6:invalid image name "App"/] },
    { name: 'empty dmap', text: `registries:\n- name: gcr.io/a\n  src: true\nimages:\n- name: app\n  dmap: {}\n`, want: [/^5:images: 'dmap' field cannot be empty of image "app"/] },
    { name: 'missing dmap', text: `registries:\n- name: gcr.io/a\n  src: true\nimages:\n- name: app\n`, want: [/images: 'dmap' field cannot be empty/] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = problems(c.text);
      assert.equal(got.length, c.want.length, got.join('\n'));
      c.want.forEach((re, i) => assert.match(got[i]!, re));
    });
  }

  it('reports every problem of a manifest, not only the first', () => {
    const text = `registries:\n- name: gcr.io/a\n  src: true\n- name: ""\nimages:\n- name: app\n  dmap:\n    "sha256:bad": ["a b", ".x"]\n- name: ""\n  dmap: {}\n`;
    const got = parsePlainManifest('m.yaml', text).problems;
    assert.equal(got.length, 6, got.map((p) => p.message).join('\n'));
    assert.ok(got.every((p) => p.file === 'm.yaml' && typeof p.line === 'number'));
  });
});

describe('validateManifest: length limits (distribution spec)', () => {
  const long = (n: number) => 'a'.repeat(n);
  const cases: { name: string; text: string; want: RegExp[] }[] = [
    {
      name: 'a reference of exactly 255 characters',
      text: manifest({ registries: '- name: gcr.io/s\n  src: true\n- name: us.gcr.io/p', name: long(255 - 'us.gcr.io/p/'.length) }),
      want: [],
    },
    {
      name: 'an image name making the reference 256 characters',
      text: manifest({ registries: '- name: gcr.io/s\n  src: true\n- name: us.gcr.io/p', name: long(256 - 'us.gcr.io/p/'.length) }),
      want: [/^6:image name "a+"… \(244 characters\) is too long: under registry "us\.gcr\.io\/p" the reference is 256 characters; .* at most 255$/],
    },
    {
      name: 'a registry name over 255 characters',
      text: manifest({ registries: `- name: gcr.io/s\n  src: true\n- name: gcr.io/${long(300)}` }),
      want: [/^4:registry name "gcr\.io\/a+"… \(307 characters\) is too long: 307 characters; .* at most 255$/, /^6:image name "app" is too long/],
    },
    {
      name: 'a DNS label over 63 characters',
      text: manifest({ registries: `- name: gcr.io/s\n  src: true\n- name: ${long(64)}.io/p` }),
      want: [/^4:registry name "a{64}\.io\/p" is too long: its host has a 64-character label; a DNS label may have at most 63$/],
    },
    {
      name: 'a 10,000-character tag, quoted cut short',
      text: manifest({ dmap: `"${D1}": ["${long(10_000)}"]` }),
      want: [/^8:invalid tag: "a{200}"… \(10000 characters\) \(image "app"\): 10000 characters, at most 128; /],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = problems(c.text);
      assert.equal(got.length, c.want.length, got.join('\n'));
      c.want.forEach((re, i) => assert.match(got[i]!, re));
      assert.ok(got.every((p) => p.length < 600), 'messages stay short');
    });
  }
});
