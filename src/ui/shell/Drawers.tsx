import { useId, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface Drawer {
  id: string;
  label: string;
  content: ReactNode;
}

/**
 * Details one click away (datasets, export, device, the explainer): tabs over one panel. Every
 * panel stays mounted (an import in progress, the sample's installation, go on while another
 * tab shows); Left and Right move between tabs, as the ARIA tabs pattern has it.
 */
export function Drawers({ drawers, label }: { drawers: Drawer[]; label: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const base = useId();
  const onKey = (e: KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = drawers[(i + step + drawers.length) % drawers.length]!;
    setOpen(next.id);
    document.getElementById(`${base}-tab-${next.id}`)?.focus();
  };
  return (
    <div className="drawers">
      <div role="tablist" aria-label={label} className="drawer-tabs">
        {drawers.map((d, i) => (
          <button
            key={d.id}
            id={`${base}-tab-${d.id}`}
            type="button"
            role="tab"
            aria-selected={open === d.id}
            aria-controls={`${base}-panel-${d.id}`}
            tabIndex={open === d.id || (open === null && i === 0) ? 0 : -1}
            onClick={() => setOpen(open === d.id ? null : d.id)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {d.label}
          </button>
        ))}
      </div>
      {drawers.map((d) => (
        <div
          key={d.id}
          id={`${base}-panel-${d.id}`}
          role="tabpanel"
          aria-labelledby={`${base}-tab-${d.id}`}
          hidden={open !== d.id}
          className="drawer-panel"
        >
          {d.content}
        </div>
      ))}
    </div>
  );
}
