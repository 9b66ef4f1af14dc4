import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fromPaper, tinyClassroom } from '../model/presets';
import { DEFAULT_HYPERPARAMETERS } from '../model/hyperparameters';
import { decodeShareHash, encodeShareHash, MAX_SHARE_CHARS } from './urlState';

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
function hashOf(payload: unknown): string {
  return `#share=v1.${b64url(deflateSync(strToU8(JSON.stringify(payload))))}`;
}
function decoded(hash: string) {
  const d = decodeShareHash(hash);
  if (d.kind !== 'decoded') throw new Error('expected a decoded share hash');
  return d;
}

describe('share URL codec', () => {
  it('round-trips an L=96 DMRNet and the hyperparameters, compactly', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 96 });
    const hyper = {
      ...DEFAULT_HYPERPARAMETERS,
      epochs: 7,
      learningRate: 0.05,
      augmentation: false,
      decay: 'weights-gamma' as const,
      padFill: 'mean' as const,
      bnBatch: 32,
    };
    const hash = encodeShareHash({ spec, hyper });
    expect(hash.length).toBeLessThan(1200);
    const d = decoded(hash);
    expect(d.messages).toEqual([]);
    expect(d.spec).toEqual(spec);
    expect(d.hyper).toEqual(hyper);
  });

  it('gives an opened link back as the share hash of what it opened, without compressing again', () => {
    // Compressed at level 1 here, where the page compresses at level 9: the same hash back
    // shows that the page reuses the link it opened.
    const hash = hashOf({
      spec: fromPaper({ arch: 'resnet', L: 24 }),
      hyper: DEFAULT_HYPERPARAMETERS,
    });
    const d = decoded(hash);
    expect(d.messages).toEqual([]);
    const state = { spec: d.spec!, hyper: d.hyper! };
    expect(encodeShareHash(state)).toBe(hash);
    // An edited network (a new object) gets its own hash, the same content the same link.
    const edited = { ...state, spec: { ...state.spec, name: 'edited' } };
    expect(encodeShareHash(edited)).not.toBe(hash);
    expect(decoded(encodeShareHash(edited)).spec).toEqual(edited.spec);
    const copy = { spec: { ...state.spec }, hyper: { ...state.hyper } };
    expect(decoded(encodeShareHash(copy)).spec).toEqual(state.spec);
  });

  it('opens a link made before the recipe options with what that link trained with', () => {
    const spec = tinyClassroom();
    const old: Record<string, unknown> = { ...DEFAULT_HYPERPARAMETERS, epochs: 3 };
    delete old.decay;
    delete old.padFill;
    delete old.bnBatch;
    const d = decoded(hashOf({ spec, hyper: old }));
    expect(d.messages).toEqual([]);
    expect(d.hyper).toEqual({
      ...DEFAULT_HYPERPARAMETERS,
      epochs: 3,
      decay: 'weights-gamma',
      padFill: 'zero',
      bnBatch: 0,
    });
  });

  it('round-trips a hand-built network', () => {
    const spec = tinyClassroom();
    spec.stages[1]!.blocks.push({ kind: 'residual', branches: 1, layersPerBranch: 3 });
    const d = decoded(encodeShareHash({ spec, hyper: DEFAULT_HYPERPARAMETERS }));
    expect(d.spec).toEqual(spec);
  });

  it('ignores hashes that hold no share state', () => {
    expect(decodeShareHash('').kind).toBe('none');
    expect(decodeShareHash('#').kind).toBe('none');
    expect(decodeShareHash('#other=1').kind).toBe('none');
  });

  it('refuses a cut-off link with a message', () => {
    const hash = encodeShareHash({
      spec: fromPaper({ arch: 'resnet', L: 12 }),
      hyper: DEFAULT_HYPERPARAMETERS,
    });
    const d = decoded(hash.slice(0, Math.floor(hash.length / 2)));
    expect(d.spec).toBeUndefined();
    expect(d.messages[0]).toMatch(/could not be opened/);
  });

  it('refuses bad base64, unknown versions, non-JSON and over-long input', () => {
    expect(decoded('#share=v1.%%%').messages[0]).toMatch(/base64url/);
    expect(decoded('#share=v9.abc').messages[0]).toMatch(/unknown version/);
    expect(decoded(`#share=v1.${b64url(deflateSync(strToU8('{not json')))}`).messages[0]).toMatch(
      /JSON/,
    );
    expect(decoded(`#share=v1.${'A'.repeat(MAX_SHARE_CHARS + 10)}`).messages[0]).toMatch(
      /too long/,
    );
    expect(decoded(hashOf([1, 2])).messages[0]).toMatch(/not an object/);
  });

  it('stops a deflate bomb before it fills memory', () => {
    const bomb = deflateSync(new Uint8Array(20 * 1024 * 1024), { level: 9 });
    const hash = `#share=v1.${b64url(bomb)}`;
    if (hash.length < MAX_SHARE_CHARS) {
      expect(decoded(hash).messages[0]).toMatch(/more data than any network needs/);
    } else {
      expect(decoded(hash).messages[0]).toMatch(/too long/);
    }
    const smaller = `#share=v1.${b64url(deflateSync(new Uint8Array(2 * 1024 * 1024), { level: 9 }))}`;
    expect(smaller.length).toBeLessThan(MAX_SHARE_CHARS);
    expect(decoded(smaller).messages[0]).toMatch(/more data than any network needs/);
  });

  it('keeps the default network when the shared one breaks the schema, with its reasons', () => {
    const spec = fromPaper({ arch: 'dmrnet', L: 12 });
    const bad = { ...spec, widen: 1000, stages: [{ ...spec.stages[0], blocks: [] }] };
    const d = decoded(hashOf({ spec: bad, hyper: DEFAULT_HYPERPARAMETERS }));
    expect(d.spec).toBeUndefined();
    expect(d.hyper).toEqual(DEFAULT_HYPERPARAMETERS);
    expect(d.messages.join(' ')).toMatch(/network is not valid/);
  });

  it('refuses hostile values: huge networks, prototype keys; keeps a script in a name as text', () => {
    const huge = fromPaper({ arch: 'dmrnet', L: 600, widen: 16 });
    expect(decoded(hashOf({ spec: huge, hyper: DEFAULT_HYPERPARAMETERS })).spec).toBeUndefined();
    const spec = fromPaper({ arch: 'resnet', L: 12 });
    const polluted = JSON.parse(
      JSON.stringify({ spec, hyper: DEFAULT_HYPERPARAMETERS }).replace(
        '{"version"',
        '{"__proto__":{"polluted":true},"version"',
      ),
    ) as unknown;
    const d = decoded(hashOf(polluted));
    // JSON.parse makes "__proto__" an own key, which the schema refuses by name (strict
    // objects); copied with a spread or Object.assign it would have become the prototype.
    expect(JSON.stringify(polluted)).toContain('"__proto__":{"polluted":true}');
    expect(d.spec).toBeUndefined();
    expect(d.messages.join(' ')).toContain('Unrecognized key: "__proto__"');
    expect(d.hyper).toEqual(DEFAULT_HYPERPARAMETERS);
    // A name is text: React renders it escaped, so a script in it is kept as typed, inert.
    const script = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const named = decoded(
      hashOf({ spec: { ...spec, name: script }, hyper: DEFAULT_HYPERPARAMETERS }),
    );
    expect(named.spec?.name).toBe(script);
  });

  it('keeps the shared network but the default for each bad hyperparameter', () => {
    const spec = fromPaper({ arch: 'dilnet', L: 24 });
    const d = decoded(
      hashOf({
        spec,
        hyper: {
          ...DEFAULT_HYPERPARAMETERS,
          epochs: -3,
          learningRate: 'x',
          seed: 1.5,
          batchSize: 32,
        },
      }),
    );
    expect(d.spec).toEqual(spec);
    expect(d.hyper?.epochs).toBe(DEFAULT_HYPERPARAMETERS.epochs);
    expect(d.hyper?.learningRate).toBe(DEFAULT_HYPERPARAMETERS.learningRate);
    expect(d.hyper?.seed).toBe(DEFAULT_HYPERPARAMETERS.seed);
    expect(d.hyper?.batchSize).toBe(32);
    expect(d.messages[0]).toMatch(/Epochs must be a whole number/);
  });
});
