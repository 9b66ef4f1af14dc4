/**
 * Reads the metrics an exported train.py writes (metrics.csv or metrics.json) into the
 * playground's run history, so a PyTorch run's curves sit beside the browser runs. Pure.
 *
 * CSV: a header row, then one row per epoch (the last may be partial):
 *   epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_sec,elapsed_s
 * an empty test_loss/test_error means the epoch was not evaluated. `train_acc`/`test_acc`
 * columns are accepted instead of the errors (error = 1 - accuracy).
 * JSON: {"format": "dmrnet-playground-metrics", "version": 1, ...facts, "rows": [rows as above]}.
 */
import { DECAY_RULES, PAD_FILLS, type DecayRule, type PadFill } from '../model/recipe';
import { validateSpec } from '../model/schema';
import type { NetworkSpec } from '../model/spec';
import type { RunHistory, TestPoint, TrainPoint } from '../model/run';

export const METRICS_FORMAT = 'dmrnet-playground-metrics';

export class MetricsImportError extends Error {
  override name = 'MetricsImportError';
}

/** What train.py says about the run (JSON only; CSV carries just the rows). */
export interface ImportedRunFacts {
  network: string | null;
  dataset: string | null;
  params: number | null;
  worldSize: number | null;
  batchSize: number | null;
  amp: boolean | null;
  device: string | null;
  epochs: number | null;
  /** train.py's --decay, --pad-fill and --bn-batch (null in files written before them). */
  decay: DecayRule | null;
  padFill: PadFill | null;
  bnBatch: number | null;
}

export interface ImportedMetrics {
  /** A label for the run: the network's name (JSON) or the file name. */
  name: string;
  source: 'pytorch';
  facts: ImportedRunFacts;
  /** The network train.py trained (JSON only; null for CSV or an invalid spec). */
  spec: NetworkSpec | null;
  history: RunHistory;
}

type Row = Record<string, string | number | null | undefined>;

function num(row: Row, key: string, where: string, required: boolean): number | null {
  const v = row[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw new MetricsImportError(`${where}: ${key} is missing`);
    return null;
  }
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    throw new MetricsImportError(`${where}: ${key} is "${String(v)}", not a number`);
  }
  return n;
}

function error(
  row: Row,
  prefix: 'train' | 'test',
  where: string,
  required: boolean,
): number | null {
  const e = num(row, `${prefix}_error`, where, false);
  if (e !== null) return e;
  const acc = num(row, `${prefix}_acc`, where, false);
  if (acc !== null) return 1 - acc;
  if (required) throw new MetricsImportError(`${where}: ${prefix}_error is missing`);
  return null;
}

function toHistory(rows: Row[], label: (i: number) => string): RunHistory {
  if (rows.length === 0) throw new MetricsImportError('the file has no metric rows');
  const train: TrainPoint[] = [];
  const test: TestPoint[] = [];
  rows.forEach((row, i) => {
    const where = label(i);
    const step = num(row, 'step', where, true) as number;
    const epoch = num(row, 'epoch', where, true) as number;
    train.push({
      step,
      epoch,
      loss: num(row, 'train_loss', where, true) as number,
      error: error(row, 'train', where, true) as number,
      lr: num(row, 'lr', where, false) ?? 0,
      imagesPerSecond: num(row, 'images_per_sec', where, false) ?? 0,
    });
    const testError = error(row, 'test', where, false);
    const testLoss = num(row, 'test_loss', where, false);
    if (testError !== null && testLoss !== null)
      test.push({ step, epoch, loss: testLoss, error: testError });
  });
  return { train, test };
}

/** Splits one CSV line (RFC 4180 quotes; train.py writes none, spreadsheets might). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

function parseCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = csvFields(lines[0] ?? '');
  for (const need of ['step', 'epoch', 'train_loss']) {
    if (!header.includes(need)) {
      throw new MetricsImportError(
        `not a train.py metrics CSV: the header has no "${need}" column (it has: ${header.join(', ') || 'nothing'})`,
      );
    }
  }
  return lines.slice(1).map((line, i) => {
    const fields = csvFields(line);
    if (fields.length !== header.length) {
      throw new MetricsImportError(
        `line ${i + 2}: ${fields.length} fields, the header has ${header.length}`,
      );
    }
    return Object.fromEntries(header.map((h, j) => [h, fields[j]]));
  });
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Parses metrics.csv or metrics.json text; throws MetricsImportError saying what is wrong. */
export function parseMetrics(text: string, fileName = 'metrics'): ImportedMetrics {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.(csv|json)$/i, '');
  const empty: ImportedRunFacts = {
    network: null,
    dataset: null,
    params: null,
    worldSize: null,
    batchSize: null,
    amp: null,
    device: null,
    epochs: null,
    decay: null,
    padFill: null,
    bnBatch: null,
  };
  const trimmed = text.trim();
  if (trimmed === '') throw new MetricsImportError(`${fileName} is empty`);
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (e) {
      throw new MetricsImportError(`${fileName} is not valid JSON (${(e as Error).message})`);
    }
    const d = doc as Record<string, unknown>;
    if (d.format !== METRICS_FORMAT || !Array.isArray(d.rows)) {
      throw new MetricsImportError(
        `${fileName} is not a train.py metrics file (expected "format": "${METRICS_FORMAT}" and "rows")`,
      );
    }
    if (d.version !== 1) {
      throw new MetricsImportError(
        `${fileName} has metrics version ${String(d.version)}; this app reads version 1`,
      );
    }
    const rows = d.rows as unknown[];
    rows.forEach((r, i) => {
      if (typeof r !== 'object' || r === null) {
        throw new MetricsImportError(`${fileName}, row ${i + 1}: not an object`);
      }
    });
    const recipe =
      typeof d.recipe === 'object' && d.recipe !== null
        ? (d.recipe as Record<string, unknown>)
        : {};
    const facts: ImportedRunFacts = {
      network: str(d.network),
      dataset: str(d.dataset),
      params: int(d.params),
      worldSize: int(d.world_size),
      batchSize: int(d.batch_size),
      amp: typeof d.amp === 'boolean' ? d.amp : null,
      device: str(d.device),
      epochs: int(d.epochs),
      decay: DECAY_RULES.find((r) => r === recipe.decay) ?? null,
      padFill: PAD_FILLS.find((f) => f === recipe.pad_fill) ?? null,
      bnBatch: int(recipe.bn_batch),
    };
    const checked = d.spec === undefined ? null : validateSpec(d.spec);
    return {
      name: facts.network || base,
      source: 'pytorch',
      facts,
      spec: checked?.ok ? checked.spec : null,
      history: toHistory(rows as Row[], (i) => `${fileName}, row ${i + 1}`),
    };
  }
  const rows = parseCsv(trimmed);
  return {
    name: base,
    source: 'pytorch',
    facts: empty,
    spec: null,
    history: toHistory(rows, (i) => `${fileName}, line ${i + 2}`),
  };
}
