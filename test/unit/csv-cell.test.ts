/** CSV cells a spreadsheet will not execute (OWASP CSV injection): exports and the console's CSV download share csvCell. */
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../src/cli/sink.js';
import { costsCsv } from '../../src/console/costs-csv.js';
import { csvCell } from '../../src/lib/csv-cell.js';

describe('csvCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['proj_1', 'proj_1'],
    ['a\u0000b', 'ab'],
    ['\u0000=1', "'=1"],
  ])('%j -> %s', (input, out) => {
    expect(csvCell(input)).toBe(out);
  });

  it('numbers stay numbers (a credit is negative)', () => {
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvLine(['=x', -2, null, true])).toBe("'=x,-2,,true");
  });

  it("the console's costs CSV neutralises group keys", () => {
    const csv = costsCsv(
      [
        {
          object: 'bucket',
          start_time: 1767225600,
          end_time: 1767312000,
          results: [{ project_id: '=cmd|calc', amount: { value: -3, currency: 'usd' } }],
        } as never,
      ],
      'project_id',
    );
    expect(csv.split('\r\n')[1]).toBe("2026-01-01,1767225600,1767312000,'=cmd|calc,-3,usd");
  });
});
