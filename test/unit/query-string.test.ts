import { describe, expect, it } from 'vitest';
import { parseQueryString } from '../../src/http/query-string.js';

const plain = (raw: string) => JSON.parse(JSON.stringify(parseQueryString(raw)));

describe('parseQueryString', () => {
  it('folds x[]=, repeated x= and x[0]= into one array', () => {
    expect(plain('x%5B%5D=a&x%5B%5D=b')).toEqual({ x: ['a', 'b'] });
    expect(plain('x=a&x=b')).toEqual({ x: ['a', 'b'] });
    expect(plain('x[0]=a&x[1]=b')).toEqual({ x: ['a', 'b'] });
  });
  it('keeps a lone x=a a string and reads a[b]= as an object', () => {
    expect(plain('x=a')).toEqual({ x: 'a' });
    expect(plain('effective_at[gte]=1&effective_at[lt]=5')).toEqual({ effective_at: { gte: '1', lt: '5' } });
  });
  it('treats empty values as absent and has no limit on the number of values', () => {
    expect(plain('after=&limit=3')).toEqual({ limit: '3' });
    const many = Array.from({ length: 50 }, (_, i) => `ids[]=${i}`).join('&');
    expect(plain(many).ids).toHaveLength(50);
  });
  it('gives a name used as an object and a scalar the object', () => {
    expect(plain('x[k]=1&x=2')).toEqual({ x: { k: '1' } });
  });
});
