import { describe, expect, it } from 'vitest';
import { escapeControls, fittingColumns, formatBytes, formatMoney, table } from '../../src/cli/output.js';

describe('CLI tables', () => {
  it('keeps the leading columns that fit the width and names the dropped ones', () => {
    expect(fittingColumns([5, 5, 5], 19)).toBe(3);
    expect(fittingColumns([5, 5, 5], 18)).toBe(2);
    expect(fittingColumns([50, 5], 10)).toBe(1);
    let dropped: string[] = [];
    const out = table([{ a: 'xxxxx', b: 'yyyyy', c: 'zzzzz' }], ['a', 'b', 'c'], { width: 12, onDropped: (d) => (dropped = d) });
    expect(dropped).toEqual(['c']);
    expect(out.split('\n')[1]).toBe('xxxxx  yyyyy');
    expect(table([{ a: 'xxxxx', b: 'yyyyy', c: 'zzzzz' }], ['a', 'b', 'c'], {}).split('\n')[1]).toBe('xxxxx  yyyyy  zzzzz');
  });

  it('formats and escapes cells', () => {
    expect(escapeControls('\u001b[31m\u007f\u009b')).toBe('\\x1b[31m\\x7f\\x9b');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatMoney(1234.567)).toBe('$1,234.57');
    const out = table([{ input_tokens: 1234567 }, { input_tokens: 5 }], ['input_tokens'], {});
    expect(out.split('\n')).toEqual(['Input tokens', '   1,234,567', '           5']);
  });
});
