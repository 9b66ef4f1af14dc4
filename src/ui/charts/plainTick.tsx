import type { BaseTickContentProps } from 'recharts';

/** How far a one-line label moves down from its anchor point (recharts' Text does the same). */
const DY = { start: '0.71em', middle: '0.355em', end: undefined } as const;

/**
 * An axis tick label as one SVG text element. recharts' default tick is its Text component,
 * which measures each new label in the DOM (a forced layout) to wrap words; tick labels here are
 * short numbers that never wrap, and a live chart gets new ones on every redraw.
 */
export function plainTick({
  x,
  y,
  payload,
  index,
  tickFormatter,
  textAnchor,
  verticalAnchor,
  fill,
  className,
}: BaseTickContentProps) {
  const value: unknown = payload.value;
  const text = tickFormatter ? tickFormatter(value, index) : String(value);
  return (
    <text
      x={x}
      y={y}
      dy={DY[verticalAnchor]}
      textAnchor={textAnchor}
      fill={fill}
      stroke="none"
      className={className}
    >
      {text}
    </text>
  );
}
