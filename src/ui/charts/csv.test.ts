import { describe, expect, it } from 'vitest';
import { fileNameFor, seriesToCsv, toCsv } from './csv';

describe('chart CSV', () => {
  it('quotes separators and neutralizes formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['=cmd()', 1.5],
          [null, Number.NaN],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=cmd(),1.5\r\n,\r\n');
  });
  it('writes series as a long table', () => {
    expect(
      seriesToCsv('epoch', 'loss', [
        { id: '1', label: 'DMRNet', color: '#000', points: [{ x: 1, y: 2 }] },
      ]),
    ).toBe('series,epoch,loss\r\nDMRNet,1,2\r\n');
  });
  it('names files after the chart', () => {
    expect(fileNameFor('Test error vs average path length (Figure 6)', 'png')).toBe(
      'test-error-vs-average-path-length-figure-6.png',
    );
  });
});
