/**
 * The bundled real corpus checks what it declares: every input axis it exports as dynamic is
 * checked at a second size (an input set that changes it), so a converter that bakes the export
 * size into the graph fails there instead of passing.
 */
import { describe, expect, it } from '@jest/globals';
import { loadCorpus } from '../../src/corpus/load.js';

describe('real corpus', () => {
  it('every dynamic input axis is checked at a second size', async () => {
    const corpus = await loadCorpus('real');
    const unchecked: string[] = [];
    let dynamic = 0;
    for (const c of corpus.cases) {
      for (const input of c.inputs) {
        const axes = c.export?.dynamicAxes?.[input.name];
        if (!axes) continue;
        for (const axis of Object.keys(axes)) {
          dynamic++;
          const base = input.shape[Number(axis)];
          const varied = (c.inputSets ?? []).some(
            (set) => set[input.name] && set[input.name]![Number(axis)] !== base,
          );
          if (!varied) unchecked.push(`${c.id}: ${input.name} axis ${axis}`);
        }
      }
    }
    expect(dynamic).toBeGreaterThan(10);
    expect(unchecked).toEqual([]);
  });

  it('feeds other memory layouts too', async () => {
    const corpus = await loadCorpus('real');
    const layouts = new Set(corpus.cases.flatMap((c) => c.inputs.map((i) => i.layout ?? 'contiguous')));
    expect([...layouts].sort()).toEqual(['channels-last', 'contiguous', 'non-contiguous']);
  });
});
