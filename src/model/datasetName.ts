/**
 * Names for datasets: the one a person types, or one made from a file name or URL. A name is
 * the dataset's key and a label in narrow tables, so it has a length limit; a long file name
 * is shortened to fit rather than refused (issue #19: an 81-character file name could not be
 * imported at all).
 */

export const DATASET_NAME_MAX = 80;

const DATA_EXTENSION = /\.(bin|gz|tgz|tar|mat|parquet)$/i;
const ELLIPSIS = '…';

/** The last path segment of a file name or URL, without query, fragment or data extensions. */
export function baseDatasetName(fileOrUrl: string): string {
  let last = fileOrUrl.split(/[?#]/)[0]!.split(/[/\\]/).filter(Boolean).pop() ?? '';
  try {
    last = decodeURIComponent(last);
  } catch {
    // a stray % in a file name: keep it as it is
  }
  while (DATA_EXTENSION.test(last)) last = last.replace(DATA_EXTENSION, '');
  return last.trim() || 'dataset';
}

/**
 * At most `max` characters: the start and the end kept (batch numbers and split names are
 * often at the end), the middle replaced by an ellipsis.
 */
export function shortenDatasetName(name: string, max = DATASET_NAME_MAX): string {
  const chars = Array.from(name.trim());
  if (chars.length <= max) return chars.join('');
  const tail = Math.floor((max - 1) / 3);
  const head = max - 1 - tail;
  return `${chars.slice(0, head).join('').trimEnd()}${ELLIPSIS}${chars.slice(-tail).join('').trimStart()}`;
}

/** A name for a new dataset from its first file or URL: shortened, unique among `taken`. */
export function datasetNameFor(fileOrUrl: string, taken: ReadonlySet<string>): string {
  const base = baseDatasetName(fileOrUrl);
  for (let i = 1; ; i++) {
    const suffix = i === 1 ? '' : ` (${i})`;
    const candidate = shortenDatasetName(base, DATASET_NAME_MAX - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}
