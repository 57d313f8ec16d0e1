/**
 * RFC 6962 leaf and node hashes for `verify`, without per-leaf hash objects: one-shot crypto.hash over
 * scratch buffers that are reused from leaf to leaf.
 *
 * `auditLeaf` also has a fast way to an audit leaf's data: the stored body with its object members
 * sorted by key, recursively, working on the UTF-8 bytes (no JSON.parse, no re-serialization). A
 * stored body is JSON.stringify output: no whitespace, strings escaped and numbers printed as
 * ECMAScript does, which is what RFC 8785 asks too, so its canonical form (auditLeafData) is the same
 * text with members reordered. Keys are compared by their UTF-8 bytes, which is JCS's UTF-16 order for
 * keys without escapes or characters beyond U+FFFF. For other input (whitespace, an escaped key, a
 * duplicate key, another number form) the sorted bytes may differ from auditLeafData: the caller
 * trusts them only when they hash to the logged leaf hash (then, SHA-256 being collision resistant,
 * they are the logged leaf data, and the body parses to the same object), and otherwise recomputes
 * auditLeafData (`leaf(auditLeafData(body))`).
 *
 * `canonicalAuditLeaf` is the insert path's leaf hash, always equal to leaf(auditLeafData(body)): it
 * sorts in strict mode, which accepts only text that is JSON.stringify output with keys whose byte
 * order is their UTF-16 order (no whitespace, no duplicate key, numbers in ECMAScript's form, only
 * the escapes JSON.stringify writes, keys without escapes or characters from U+E000 up, no lone
 * surrogate); for that text the sorted bytes are auditLeafData(body) exactly. Anything else (a
 * mirrored upstream body with whitespace, say) goes through auditLeafData.
 */
import { hash } from 'node:crypto';
import { auditLeafData } from './leaf-data.js';

/** String.prototype.isWellFormed (ES2024, Node 20): false when the string holds a lone surrogate. */
const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

const FAIL = Symbol('not handled');

export class LeafHasher {
  private src = Buffer.alloc(1 << 16);
  private dst = Buffer.alloc((1 << 16) + 1);
  private readonly tmp = Buffer.alloc(1 << 16);
  private readonly pair = Buffer.alloc(65);
  /** Member spans of the objects being sorted, as a stack: [keyStart, keyEnd, valueStart, valueEnd]. */
  private spans = new Int32Array(4096);

  constructor() {
    this.pair[0] = 1;
  }

  /** SHA-256(0x00 || data). */
  leaf(data: string): Buffer {
    this.fit(data);
    this.dst[0] = 0;
    const n = this.dst.write(data, 1, 'utf8');
    return hash('sha256', this.dst.subarray(0, n + 1), 'buffer') as unknown as Buffer;
  }

  /** SHA-256(0x01 || left || right), each side 32 bytes read at its offset. */
  node(left: Buffer, leftAt: number, right: Buffer, rightAt: number): Buffer {
    // A byte loop: Buffer.copy's checks cost more than copying 32 bytes.
    const pair = this.pair;
    for (let k = 0; k < 32; k++) {
      pair[1 + k] = left[leftAt + k] as number;
      pair[33 + k] = right[rightAt + k] as number;
    }
    return hash('sha256', this.pair, 'buffer') as unknown as Buffer;
  }

  /** SHA-256(0x00 || the body's members sorted by key); null when the body's text is not handled. */
  auditLeaf(body: string): Buffer | null {
    return this.sorted(body, false);
  }

  /** leaf(auditLeafData(body)), by the strict byte sorter when the body is plain JSON.stringify output. */
  canonicalAuditLeaf(body: string): Buffer {
    return (wellFormed(body) ? this.sorted(body, true) : null) ?? this.leaf(auditLeafData(body));
  }

  /**
   * canonicalAuditLeaf of the body stored as bytes[start, end), which must be valid UTF-8 (the caller
   * checks; text read back from a store is). The strict sorter works on the bytes as they are.
   */
  canonicalAuditLeafBytes(bytes: Buffer, start: number, end: number): Buffer {
    this.fitBytes(end - start);
    return this.sortedOn(bytes, start, end, true) ?? this.leaf(auditLeafData(bytes.toString('utf8', start, end)));
  }

  /** SHA-256(0x00 || bytes[start, end)). */
  leafBytes(bytes: Buffer, start: number, end: number): Buffer {
    this.fitBytes(end - start);
    this.dst[0] = 0;
    bytes.copy(this.dst, 1, start, end);
    return hash('sha256', this.dst.subarray(0, end - start + 1), 'buffer') as unknown as Buffer;
  }

  private sorted(body: string, strict: boolean): Buffer | null {
    this.fit(body);
    return this.sortedOn(this.src, 0, this.src.write(body, 0, 'utf8'), strict);
  }

  /** The sorted leaf of src[start, end) (dst must hold end - start + 1 bytes). */
  private sortedOn(src: Buffer, start: number, end: number, strict: boolean): Buffer | null {
    this.dst[0] = 0;
    for (;;) {
      try {
        const out = new Sorter(src, start, end, this.dst, this.spans, this.tmp, strict).run();
        return hash('sha256', this.dst.subarray(0, out), 'buffer') as unknown as Buffer;
      } catch (err) {
        if (err === FAIL) return null;
        // Deeper or wider than the span stack: grow it (up to a bound) and sort again.
        if (!(err instanceof RangeError) || this.spans.length >= 1 << 20) throw err;
        this.spans = new Int32Array(this.spans.length * 4);
      }
    }
  }

  private fit(s: string): void {
    if (s.length * 3 + 1 <= this.src.length) return;
    this.fitBytes(Buffer.byteLength(s, 'utf8'));
  }

  private fitBytes(length: number): void {
    if (length + 1 <= this.src.length) return;
    this.src = Buffer.alloc((length + 1) * 2);
    this.dst = Buffer.alloc((length + 1) * 2 + 1);
  }
}

/**
 * One pass over one body: copies `src[start, len)` to `dst` from offset 1, each object's members sorted by
 * key. Members are copied as they come (nested objects sorted first); an object whose keys came out of
 * order is then rewritten in key order from a copy of its members.
 */
class Sorter {
  private i = 0;
  private out = 1;
  private top = 0;
  private tmp: Buffer;

  constructor(
    private readonly src: Buffer,
    start: number,
    /** Where the text ends in src (it starts at `start`). */
    private readonly len: number,
    private readonly dst: Buffer,
    private readonly spans: Int32Array,
    tmp: Buffer,
    /** Accept only JSON.stringify output whose keys sort by bytes as by UTF-16 (see canonicalAuditLeaf). */
    private readonly strict: boolean,
  ) {
    this.tmp = tmp;
    this.i = start;
  }

  run(): number {
    this.value();
    if (this.i !== this.len) throw FAIL;
    return this.out;
  }

  /** Copies the string at i (src[i] is its opening quote) and moves past it. */
  private string(): void {
    const src = this.src;
    const dst = this.dst;
    const len = this.len;
    let i = this.i;
    let out = this.out;
    dst[out++] = src[i++] as number;
    for (;;) {
      if (i >= len) throw FAIL;
      const c = src[i++] as number;
      dst[out++] = c;
      if (c === 34) break;
      if (c === 92) {
        if (i >= len) throw FAIL;
        const e = src[i++] as number;
        dst[out++] = e;
        if (this.strict && !SHORT_ESCAPES.has(e)) {
          if (e !== 117 || !controlEscape(src, i, len)) throw FAIL;
          src.copy(dst, out, i, i + 4);
          out += 4;
          i += 4;
        }
      } else if (c < 32 && this.strict) throw FAIL;
    }
    this.i = i;
    this.out = out;
  }

  /** Copies the value at i (objects sorted) and moves past it. */
  private value(): void {
    if (this.i >= this.len) throw FAIL;
    const c = this.src[this.i] as number;
    if (c === 34) this.string();
    else if (c === 123) this.object();
    else if (c === 91) this.array();
    else this.primitive();
  }

  /** Copies a number, true, false or null (anything up to the next , } or ]). */
  private primitive(): void {
    const src = this.src;
    const dst = this.dst;
    const start = this.i;
    let i = start;
    let out = this.out;
    while (i < this.len) {
      const d = src[i] as number;
      if (d === 44 || d === 125 || d === 93) break;
      dst[out++] = d;
      i++;
    }
    if (i === start) throw FAIL;
    if (this.strict && !canonicalPrimitive(src, start, i)) throw FAIL;
    this.i = i;
    this.out = out;
  }

  private next(): number {
    if (this.i >= this.len) throw FAIL;
    return this.src[this.i++] as number;
  }

  private array(): void {
    this.dst[this.out++] = 91;
    this.i++;
    if (this.i < this.len && this.src[this.i] === 93) {
      this.i++;
      this.dst[this.out++] = 93;
      return;
    }
    for (;;) {
      this.value();
      const c = this.next();
      this.dst[this.out++] = c;
      if (c === 93) return;
      if (c !== 44) throw FAIL;
    }
  }

  /** The sign of key a - key b (member spans at a and b), compared by their bytes without quotes. */
  private compareKeys(a: number, b: number): number {
    const s = this.spans;
    const src = this.src;
    let i = (s[a] as number) + 1;
    const aEnd = (s[a + 1] as number) - 1;
    let j = (s[b] as number) + 1;
    const bEnd = (s[b + 1] as number) - 1;
    for (; i < aEnd && j < bEnd; i++, j++) {
      const d = (src[i] as number) - (src[j] as number);
      if (d !== 0) return d;
    }
    return aEnd - i - (bEnd - j);
  }

  private object(): void {
    const dst = this.dst;
    dst[this.out++] = 123;
    this.i++;
    if (this.i < this.len && this.src[this.i] === 125) {
      this.i++;
      dst[this.out++] = 125;
      return;
    }
    // Member spans on the span stack: [key start, key end] in src, [start, end) of the member in dst.
    const base = this.top;
    const bodyStart = this.out;
    let count = 0;
    let sorted = true;
    for (;;) {
      const at = base + count * 4;
      if (at + 4 > this.spans.length) throw new RangeError('span stack');
      if (this.i >= this.len || this.src[this.i] !== 34) throw FAIL;
      const memberStart = this.out;
      this.spans[at] = this.i;
      this.string();
      this.spans[at + 1] = this.i;
      if (this.strict && !plainKey(this.src, this.spans[at] as number, this.i)) throw FAIL;
      if (this.next() !== 58) throw FAIL;
      dst[this.out++] = 58;
      this.top = at + 4;
      this.value();
      this.spans[at + 2] = memberStart;
      this.spans[at + 3] = this.out;
      if (count > 0) {
        const order = this.compareKeys(at - 4, at);
        if (order >= 0) sorted = false;
        // A duplicate key: JSON.parse keeps the last value, so the canonical text is not a reordering.
        if (order === 0 && this.strict) throw FAIL;
      }
      count++;
      const c = this.next();
      if (c === 125) break;
      if (c !== 44) throw FAIL;
      dst[this.out++] = 44;
    }
    if (!sorted) this.reorder(base, count, bodyStart);
    dst[this.out++] = 125;
    this.top = base;
  }

  /** Rewrites the members of one object (dst[bodyStart, out)) in key order. */
  private reorder(base: number, count: number, bodyStart: number): void {
    const spans = this.spans;
    const order = base + count * 4;
    if (order + count > spans.length) throw new RangeError('span stack');
    for (let m = 0; m < count; m++) {
      let k = m;
      while (k > 0 && this.compareKeys(base + m * 4, base + (spans[order + k - 1] as number) * 4) < 0) {
        spans[order + k] = spans[order + k - 1] as number;
        k--;
      }
      spans[order + k] = m;
    }
    const size = this.out - bodyStart;
    if (this.tmp.length < size) this.tmp = Buffer.alloc(size * 2);
    const tmp = this.tmp;
    const dst = this.dst;
    copyBytes(dst, bodyStart, this.out, tmp, 0);
    let w = bodyStart;
    for (let k = 0; k < count; k++) {
      const at = base + (spans[order + k] as number) * 4;
      if (k > 0) dst[w++] = 44;
      w += copyBytes(tmp, (spans[at + 2] as number) - bodyStart, (spans[at + 3] as number) - bodyStart, dst, w);
    }
  }
}

/** Copies from[start, end) to `to` at `at`; returns the bytes copied. Short runs (most members) by a byte loop, cheaper than Buffer.copy's checks. */
function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): number {
  const n = end - start;
  if (n > 64) return from.copy(to, at, start, end);
  for (let k = 0; k < n; k++) to[at + k] = from[start + k] as number;
  return n;
}

/** The escapes JSON.stringify writes in short form: \" \\ \b \f \n \r \t. */
const SHORT_ESCAPES = new Set([34, 92, 98, 102, 110, 114, 116]);
/** The value of a lowercase hex digit, -1 for any other byte. */
const hexDigit = (b: number): number => (b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : -1);

/** src[i, i + 4) is the 4 lowercase hex digits JSON.stringify writes after \u: a control character without a short form. */
function controlEscape(src: Buffer, i: number, len: number): boolean {
  if (i + 4 > len || src[i] !== 48 || src[i + 1] !== 48) return false;
  const hi = hexDigit(src[i + 2] as number);
  const lo = hexDigit(src[i + 3] as number);
  if (hi < 0 || lo < 0 || hi > 1) return false;
  const code = hi * 16 + lo;
  return code !== 8 && code !== 9 && code !== 10 && code !== 12 && code !== 13;
}

/** A key (src[start, end), quotes included) without escapes or bytes from 0xEE up: its UTF-8 byte order is its UTF-16 order. */
function plainKey(src: Buffer, start: number, end: number): boolean {
  for (let k = start + 1; k < end - 1; k++) {
    const b = src[k] as number;
    if (b === 92 || b >= 0xee) return false;
  }
  return true;
}

/** true, false, null, or a finite number printed as ECMAScript prints it (JSON.stringify's form). */
function canonicalPrimitive(src: Buffer, start: number, end: number): boolean {
  const first = src[start] as number;
  const n = end - start;
  if (first === 116) return n === 4 && src[start + 1] === 114 && src[start + 2] === 117 && src[start + 3] === 101;
  if (first === 102) return n === 5 && src.toString('latin1', start, end) === 'false';
  if (first === 110) return n === 4 && src[start + 1] === 117 && src[start + 2] === 108 && src[start + 3] === 108;
  // A plain integer up to 15 digits, without leading zeros or -0, prints as itself.
  let k = first === 45 ? start + 1 : start;
  const digits = end - k;
  if (digits >= 1 && digits <= 15 && (src[k] !== 48 || (digits === 1 && first !== 45))) {
    for (; k < end; k++) {
      const d = src[k] as number;
      if (d < 48 || d > 57) break;
    }
    if (k === end) return true;
  }
  const text = src.toString('latin1', start, end);
  const value = Number(text);
  return Number.isFinite(value) && String(value) === text;
}
