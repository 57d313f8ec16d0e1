/**
 * verify's fast leaf hashes (src/features/ledger/leaf-hasher.ts) against the reference ones
 * (leafHash(auditLeafData(body)), nodeHash): equal on stored bodies (JSON.stringify output) of every
 * shape, and, on text the byte sorter does not reproduce, never equal to a wrong leaf (it either gives
 * up or gives bytes whose hash verify then finds different, and recomputes auditLeafData).
 */
import { describe, expect, it } from 'vitest';
import { auditLeafData } from '../../src/features/ledger/leaf-data.js';
import { LeafHasher } from '../../src/features/ledger/leaf-hasher.js';
import { leafHash, nodeHash } from '../../src/features/ledger/merkle.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KEYS = ['id', 'type', 'a', 'b', 'Z', 'é', 'z', '_', 'ab', 'a b', 'a!', '10', '2', '', 'emoji😀', 'ü', 'object', 'data', 'x.y'];
const STRINGS = [
  '',
  'plain',
  'quote " inside',
  'back\\slash',
  'line\nbreak',
  'tab\t',
  'ctrl \u0001',
  'ünïcödé',
  '😀 astral',
  '\u2028 sep',
  '{"not":"json"}',
  '[1,2]',
  ',:}]',
];

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 4 || pick < 0.35) {
    const p = r();
    if (p < 0.3) return STRINGS[Math.floor(r() * STRINGS.length)];
    if (p < 0.5) return Math.floor(r() * 2e9) - 1e9;
    if (p < 0.6) return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    if (p < 0.7) return r() < 0.5;
    if (p < 0.8) return null;
    return `s-${Math.floor(r() * 1e6)}`;
  }
  if (pick < 0.55) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const obj: Record<string, unknown> = {};
  const n = Math.floor(r() * 7);
  for (let i = 0; i < n; i++) obj[KEYS[Math.floor(r() * KEYS.length)] as string] = randomValue(r, depth + 1);
  return obj;
}

const reference = (body: string) => leafHash(auditLeafData(body));

describe('LeafHasher', () => {
  const hasher = new LeafHasher();

  it('hashes leaves and nodes as RFC 6962 does', () => {
    for (const data of ['', 'a', '{"a":1}', 'ünïcödé 😀', 'x'.repeat(70_000)]) expect(hasher.leaf(data).equals(leafHash(data))).toBe(true);
    const l = leafHash('left');
    const r = leafHash('right');
    const both = Buffer.concat([Buffer.alloc(5), l, r]);
    expect(hasher.node(both, 5, both, 37).equals(nodeHash(l, r))).toBe(true);
  });

  it('gives the canonical leaf of every stored body (JSON.stringify output), at any depth and size', () => {
    const r = rng(7);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const value = { object: 'organization.audit_log', id: `audit_log-${i}`, ...(randomValue(r, 0) as object), nested: randomValue(r, 1) };
      const body = JSON.stringify(value);
      expect(hasher.auditLeaf(body)?.equals(reference(body)), body).toBe(true);
      checked++;
    }
    expect(checked).toBe(3000);
    // a body bigger than the scratch buffers, and one deeper than the first span stack
    const big = JSON.stringify({ z: 'x'.repeat(100_000), a: Array.from({ length: 2000 }, (_, i) => ({ k: i, b: 1, a: 2 })) });
    expect(hasher.auditLeaf(big)?.equals(reference(big))).toBe(true);
    let deep: unknown = { end: true };
    for (let d = 0; d < 800; d++) deep = { z: d, a: deep, m: [deep === null ? 0 : 1] };
    const deepBody = JSON.stringify(deep);
    expect(hasher.auditLeaf(deepBody)?.equals(reference(deepBody))).toBe(true);
  });

  it('on text that is not JSON.stringify output it gives up, or gives a hash that differs from the canonical leaf (verify then recomputes)', () => {
    const differs = [
      '{"b": 1, "a": 2}', // whitespace
      '{\n"a":1}',
      '{"b":1.0,"a":2}', // another number form
      '{"a":1,"a":2}', // a duplicate key (JSON.parse keeps the last)
      '{"\\u0062":1,"a":2}', // an escaped key: sorted by its escape, not its character
      '{"a":"\\u0041"}', // an escaped character JSON.stringify would not escape
      '{"\u{1F600}":1,"\uFB00":2}', // UTF-8 order puts U+FB00 first, JCS's UTF-16 order the astral key
    ];
    for (const body of differs) {
      const fast = hasher.auditLeaf(body);
      expect(fast === null || !fast.equals(reference(body)), body).toBe(true);
    }
    for (const body of ['{"a":1', '{"a":1}}', '{"a":}', '{"a" :1}', '', '[', '[1,', '"unterminated', '{"a":1,}'])
      expect(hasher.auditLeaf(body), body).toBeNull();
    // Members out of order (the stored bodies' normal case) are what it sorts.
    expect(hasher.auditLeaf('{"b":{"d":[{"f":1,"e":2}],"c":3},"a":2}')?.equals(leafHash('{"a":2,"b":{"c":3,"d":[{"e":2,"f":1}]}}'))).toBe(true);
  });

  it('canonicalAuditLeaf (the insert path) is the canonical leaf of any JSON text: stored bodies, mirrored text with whitespace, escapes and duplicates', () => {
    const r = rng(11);
    for (let i = 0; i < 3000; i++) {
      const body = JSON.stringify({ object: 'organization.audit_log', id: `audit_log-${i}`, ...(randomValue(r, 0) as object), nested: randomValue(r, 1) });
      expect(hasher.canonicalAuditLeaf(body).equals(reference(body)), body).toBe(true);
    }
    // Text the strict sorter must not take as it stands (each would hash differently if sorted as bytes).
    const tricky = [
      '{"b": 1, "a": 2}',
      ' {"a":1}',
      '{"a":1} ',
      '{\n"a":1}',
      '{"b":1.0,"a":2}',
      '{"a":1E5}',
      '{"a":1e21}',
      '{"a":100000000000000000000000}',
      '{"a":-0}',
      '{"a":0.10}',
      '{"a":1,"a":2}',
      '{"b":{"x":1,"x":[2]},"a":0}',
      '{"\\u0062":1,"a":2}',
      '{"a\\"b":1,"a":2}',
      '{"a":"\\u0041"}',
      '{"a":"\\u001B"}',
      '{"a":"\\u0008"}',
      '{"a":"\\/"}',
      '{"a":"\\ud800"}',
      '{"a":"\\ud83d\\ude00"}',
      '{"\u{1F600}":1,"\uFB00":2}',
      '{"\uFFFF":1,"\u{10000}":2,"\uE000":3}',
      '{"a":"lone \uD800 surrogate"}',
      '{"a":[true ,false]}',
    ];
    for (const body of tricky) expect(hasher.canonicalAuditLeaf(body).equals(reference(body)), body).toBe(true);
    // Escapes JSON.stringify does write are kept as they are.
    for (const body of [JSON.stringify({ b: '\u001b\u0000"\\\b\f\n\r\t', a: '\u{1F600} ü \u2028' }), '{"z":1,"a":"\\u001f"}'])
      expect(hasher.canonicalAuditLeaf(body).equals(reference(body)), body).toBe(true);
    // Not JSON at all: it throws as auditLeafData does (the insert fails, nothing is stored).
    expect(() => hasher.canonicalAuditLeaf('{"a":1')).toThrow();
  });
});
