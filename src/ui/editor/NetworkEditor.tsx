import { memo, useDeferredValue, useId, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { BlockSpec, StageSpec } from '../../model/spec';
import { useAppStore } from '../../state/store';
import {
  addBlock,
  moveBlock,
  removeBlock,
  selectBlock,
  setStageWidth,
  updateBlock,
} from '../../state/editorActions';
import { BLOCK_KIND_LABEL, EDIT_LIMITS, PALETTE } from '../../model/specEdit';
import { familyColor } from '../charts/palette';
import { DRAG_TYPE, decodeDrag, dropIndex, encodeDrag } from './dragData';
import { listedRows } from './stageRows';

function blockSummary(b: BlockSpec): string {
  const k = b.kind === 'residual' ? '' : ` K=${b.branches}`;
  return `${BLOCK_KIND_LABEL[b.kind]}${k} B=${b.layersPerBranch}${b.fuse ? ' fuse' : ''}`;
}

function handleDrop(e: DragEvent, stage: number, index: number): void {
  e.preventDefault();
  const payload = decodeDrag(
    e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData('text/plain'),
  );
  if (!payload) return;
  if (payload.from === 'palette') {
    const item = PALETTE[payload.item];
    if (item) addBlock(stage, item.block, index);
  } else {
    moveBlock({ stage: payload.stage, index: payload.index }, { stage, index });
  }
}

function allowDrop(e: DragEvent): void {
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
}

/** The block palette: drag an entry onto a stage, or add it with the keyboard. */
function Palette() {
  const stages = useAppStore((s) => s.editor.spec.stages.length);
  const selected = useAppStore((s) => s.editor.selected);
  const [target, setTarget] = useState(0);
  const targetId = useId();
  const stage = Math.min(target, stages - 1);
  return (
    <div className="palette" aria-labelledby={`${targetId}-h`}>
      <h3 id={`${targetId}-h`}>Block palette</h3>
      <p className="hint">Drag a block onto a stage, or pick a stage and press its Add button.</p>
      <div className="field field--inline">
        <label htmlFor={targetId}>Add to</label>
        <select id={targetId} value={stage} onChange={(e) => setTarget(Number(e.target.value))}>
          {Array.from({ length: stages }, (_, i) => (
            <option key={i} value={i}>
              Stage {i + 1}
            </option>
          ))}
        </select>
      </div>
      <ul className="palette-items">
        {PALETTE.map((item, i) => (
          <li
            key={item.kind}
            className={`palette-item palette-item--${item.kind}`}
            style={{ borderLeft: `4px solid ${familyColor(item.kind)}` }}
            draggable
            data-testid={`palette-${item.kind}`}
            onDragStart={(e) => {
              e.dataTransfer.setData(DRAG_TYPE, encodeDrag({ from: 'palette', item: i }));
              e.dataTransfer.setData('text/plain', encodeDrag({ from: 'palette', item: i }));
              e.dataTransfer.effectAllowed = 'copyMove';
            }}
            title={item.description}
          >
            <span className="palette-name">{item.label}</span>
            <button
              type="button"
              className="small"
              aria-label={`Add ${item.label} block to stage ${stage + 1}`}
              onClick={() => {
                const at = selected && selected.stage === stage ? selected.index + 1 : undefined;
                addBlock(stage, item.block, at);
              }}
            >
              Add
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The selected block's settings: kind, K, layers per branch, fuse. */
function BlockInspector() {
  const selected = useAppStore((s) => s.editor.selected);
  const block = useAppStore((s) =>
    selected ? s.editor.spec.stages[selected.stage]?.blocks[selected.index] : undefined,
  );
  const ids = { kind: useId(), k: useId(), b: useId(), fuse: useId() };
  if (!selected || !block) {
    return <p className="hint">Select a block (click it, or Tab to it) to configure it.</p>;
  }
  const { stage, index } = selected;
  return (
    <fieldset className="inspector" data-testid="block-inspector">
      <legend>
        Block {index + 1} of stage {stage + 1}
      </legend>
      <div className="field">
        <label htmlFor={ids.kind}>Kind</label>
        <select
          id={ids.kind}
          value={block.kind}
          onChange={(e) => {
            const item = PALETTE.find((p) => p.kind === e.target.value);
            if (item) updateBlock(stage, index, { kind: item.kind });
          }}
        >
          {PALETTE.map((p) => (
            <option key={p.kind} value={p.kind}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      {block.kind !== 'residual' && (
        <div className="field">
          <label htmlFor={ids.k}>K (branches)</label>
          <input
            id={ids.k}
            type="number"
            min={2}
            max={EDIT_LIMITS.maxBranches}
            value={block.branches}
            onChange={(e) => updateBlock(stage, index, { branches: Number(e.target.value) })}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={ids.b}>Layers per branch (B)</label>
        <input
          id={ids.b}
          type="number"
          min={1}
          max={EDIT_LIMITS.maxLayersPerBranch}
          value={block.layersPerBranch}
          onChange={(e) => updateBlock(stage, index, { layersPerBranch: Number(e.target.value) })}
        />
      </div>
      {block.kind === 'mergeAndRun' && (
        <label className="inline-check" htmlFor={ids.fuse}>
          <input
            id={ids.fuse}
            type="checkbox"
            checked={!!block.fuse}
            onChange={(e) => updateBlock(stage, index, { fuse: e.target.checked })}
          />
          Fuse the streams (the authors' last block)
        </label>
      )}
    </fieldset>
  );
}

function StageList({ stage }: { stage: number }) {
  // Deferred: a slider that regenerates 48 blocks updates the counts first, the lists next
  // (memo keeps the urgent render from redrawing the lists with the old network).
  const s = useDeferredValue(useAppStore((st) => st.editor.spec.stages[stage]));
  const widen = useAppStore((st) => st.editor.spec.widen);
  const sel = useAppStore((st) => st.editor.selected);
  const total = useAppStore((st) => st.editor.spec.stages.length);
  if (!s) return null;
  const selectedIndex = sel?.stage === stage ? sel.index : null;
  return (
    <StageListView stage={stage} s={s} widen={widen} selectedIndex={selectedIndex} total={total} />
  );
}

const StageListView = memo(function StageListView({
  stage,
  s,
  widen,
  selectedIndex,
  total,
}: {
  stage: number;
  s: StageSpec;
  widen: number;
  selectedIndex: number | null;
  total: number;
}) {
  const [over, setOver] = useState<number | null>(null);
  const [showAll, setShowAll] = useState(false);
  const widthId = useId();
  const headingId = useId();
  const listId = useId();
  const n = s.blocks.length;
  const listed = listedRows(n, selectedIndex, showAll);

  const move = (index: number, dir: -1 | 1, keepFocus = false) => {
    let moved = false;
    if (dir === -1) {
      if (index > 0) moved = moveBlock({ stage, index }, { stage, index: index - 1 });
      else if (stage > 0) {
        const prevLen = stageLength(stage - 1);
        moved = moveBlock({ stage, index }, { stage: stage - 1, index: prevLen });
      }
    } else if (index < n - 1) moved = moveBlock({ stage, index }, { stage, index: index + 2 });
    else if (stage < total - 1) moved = moveBlock({ stage, index }, { stage: stage + 1, index: 0 });
    // Keyboard moves keep the focus on the moved block, wherever it went.
    if (moved && keepFocus) focusSelectedBlock();
  };

  const onKey = (e: KeyboardEvent, index: number) => {
    if (e.altKey && e.key === 'ArrowUp') {
      e.preventDefault();
      move(index, -1, true);
    } else if (e.altKey && e.key === 'ArrowDown') {
      e.preventDefault();
      move(index, 1, true);
    } else if (e.key === 'Delete') {
      e.preventDefault();
      removeBlock(stage, index);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      selectBlock({ stage, index });
    }
  };

  return (
    <section className="stage" aria-labelledby={headingId} data-testid={`stage-${stage}`}>
      <div className="stage-head">
        <h4 id={headingId}>
          Stage {stage + 1}{' '}
          <span className="muted">
            · {n} blocks · stride {s.stride}
          </span>
        </h4>
        <div className="field field--inline">
          <label htmlFor={widthId}>Width</label>
          <input
            id={widthId}
            type="number"
            min={EDIT_LIMITS.minWidth}
            max={EDIT_LIMITS.maxWidth}
            value={s.width}
            onChange={(e) => setStageWidth(stage, Number(e.target.value))}
          />
          <span className="muted">× {widen}</span>
        </div>
      </div>
      <ol
        className={`stage-blocks${over !== null ? ' stage-blocks--over' : ''}`}
        id={listId}
        aria-label={`Blocks of stage ${stage + 1}`}
        data-testid={`stage-${stage}-blocks`}
        onDragOver={(e) => {
          allowDrop(e);
          if (e.target === e.currentTarget) setOver(n);
        }}
        onDragLeave={() => setOver(null)}
        onDrop={(e) => {
          if (e.target === e.currentTarget) handleDrop(e, stage, n);
          setOver(null);
        }}
      >
        {s.blocks.slice(0, listed).map((b, i) => {
          const isSel = selectedIndex === i;
          const name = `block ${i + 1} of stage ${stage + 1}`;
          return (
            <li
              key={i}
              className={`block-item block-item--${b.kind}${isSel ? ' block-item--selected' : ''}${over === i ? ' block-item--drop' : ''}`}
              draggable
              data-testid="block-item"
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, encodeDrag({ from: 'block', stage, index: i }));
                e.dataTransfer.setData(
                  'text/plain',
                  encodeDrag({ from: 'block', stage, index: i }),
                );
                e.dataTransfer.effectAllowed = 'copyMove';
              }}
              onDragOver={(e) => {
                allowDrop(e);
                setOver(i);
              }}
              onDrop={(e) => {
                e.stopPropagation();
                const r = e.currentTarget.getBoundingClientRect();
                handleDrop(e, stage, dropIndex(i, e.clientY - r.top, r.height));
                setOver(null);
              }}
            >
              <button
                type="button"
                className="block-select"
                data-block={`${stage}:${i}`}
                aria-pressed={isSel}
                aria-label={`${blockSummary(b)}, ${name}. Alt+Up or Alt+Down moves it, Delete removes it`}
                onClick={() => selectBlock({ stage, index: i })}
                onKeyDown={(e) => onKey(e, i)}
              >
                <span className="block-index">{i + 1}</span> {blockSummary(b)}
              </button>
              <span className="block-tools">
                <button
                  type="button"
                  className="icon"
                  aria-label={`Move ${name} up`}
                  disabled={stage === 0 && i === 0}
                  onClick={() => move(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="icon"
                  aria-label={`Move ${name} down`}
                  disabled={stage === total - 1 && i === n - 1}
                  onClick={() => move(i, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="icon danger"
                  aria-label={`Remove ${name}`}
                  disabled={n === 1}
                  onClick={() => removeBlock(stage, i)}
                >
                  ×
                </button>
              </span>
            </li>
          );
        })}
      </ol>
      {(listed < n || showAll) && n > listedRows(n, null, false) && (
        <button
          type="button"
          className="small ghost stage-more"
          aria-controls={listId}
          aria-expanded={showAll}
          onClick={() => setShowAll(!showAll)}
        >
          {showAll
            ? `List the first ${listedRows(n, null, false)} blocks only`
            : `List all ${n} blocks (${n - listed} more)`}
        </button>
      )}
    </section>
  );
});

function focusSelectedBlock(): void {
  requestAnimationFrame(() => {
    const sel = useAppStore.getState().editor.selected;
    if (!sel) return;
    document.querySelector<HTMLButtonElement>(`[data-block="${sel.stage}:${sel.index}"]`)?.focus();
  });
}

function stageLength(stage: number): number {
  return useAppStore.getState().editor.spec.stages[stage]?.blocks.length ?? 0;
}

/** Palette, the stages' block lists (drag and drop, or keyboard) and the block inspector. */
export function NetworkEditor() {
  const stages = useAppStore((s) => s.editor.spec.stages.length);
  return (
    <div className="network-editor">
      <Palette />
      <div className="stages">
        {Array.from({ length: stages }, (_, i) => (
          <StageList key={i} stage={i} />
        ))}
      </div>
      <BlockInspector />
    </div>
  );
}
