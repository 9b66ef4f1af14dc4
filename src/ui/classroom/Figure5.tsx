/**
 * Figure 5: the merge-and-run block as a two-branch block. The two convolutions become group
 * convolutions (G = 2, each 16 -> 16) on a 32-channel input [x_a; x_b], and the skip is the
 * 32 x 32 idempotent matrix M. The block is therefore twice as wide as a residual block.
 */
export function Figure5({ width = 640 }: { width?: number }) {
  return (
    <svg
      viewBox="0 0 640 230"
      width={width}
      role="img"
      aria-label="Figure 5: merge-and-run block drawn as a two-branch block with group convolutions and an idempotent skip M"
    >
      <defs>
        <marker
          id="f5-arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0 0 L10 5 L0 10 Z" fill="#333" />
        </marker>
      </defs>
      <g className="f5">
        <text x="30" y="95" className="f5-label">
          [x_a; x_b]
        </text>
        <text x="30" y="115" className="f5-sub">
          32 channels
        </text>
        <path d="M110 105 H160" markerEnd="url(#f5-arrow)" />
        <rect x="162" y="80" width="120" height="50" rx="6" className="f5-conv" />
        <text x="222" y="102" textAnchor="middle" className="f5-label">
          group conv
        </text>
        <text x="222" y="120" textAnchor="middle" className="f5-sub">
          G=2: (16, 3×3, 16)
        </text>
        <path d="M282 105 H320" markerEnd="url(#f5-arrow)" />
        <rect x="322" y="80" width="120" height="50" rx="6" className="f5-conv" />
        <text x="382" y="102" textAnchor="middle" className="f5-label">
          group conv
        </text>
        <text x="382" y="120" textAnchor="middle" className="f5-sub">
          G=2: (16, 3×3, 16)
        </text>
        <path d="M442 105 H492" markerEnd="url(#f5-arrow)" />
        <circle cx="510" cy="105" r="16" className="f5-sum" />
        <text x="510" y="111" textAnchor="middle" className="f5-label">
          +
        </text>
        <path d="M526 105 H590" markerEnd="url(#f5-arrow)" />
        <text x="560" y="95" className="f5-sub">
          32 ch
        </text>
        <path d="M120 105 V40 H510 V86" className="f5-skip" markerEnd="url(#f5-arrow)" />
        <rect x="262" y="22" width="116" height="36" rx="6" className="f5-m" />
        <text x="320" y="45" textAnchor="middle" className="f5-label">
          M = ½[I I; I I]
        </text>
        <text x="320" y="175" textAnchor="middle" className="f5-sub">
          The dotted skip is the linear map M (32 × 32, idempotent: M² = M).
        </text>
        <text x="320" y="198" textAnchor="middle" className="f5-sub">
          Input, middle and output are all 2d = 32 channels wide: the block is wider than a
        </text>
        <text x="320" y="216" textAnchor="middle" className="f5-sub">
          residual block (d = 16) at the same parameter count.
        </text>
      </g>
    </svg>
  );
}
