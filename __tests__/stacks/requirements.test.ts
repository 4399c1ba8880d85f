import { describe, expect, it } from '@jest/globals';
import { loadCorpusFile, CorpusError } from '../../src/corpus/load.js';
import { normaliseVersion, unmetRequirements } from '../../src/run/requirements.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../helpers.js';

describe('case requirements', () => {
  it('normalises PEP 440 versions to semver', () => {
    expect(normaliseVersion('2.13.0+cpu')).toBe('2.13.0');
    expect(normaliseVersion('1.13.0a0')).toBe('1.13.0');
    expect(normaliseVersion('0.28.0+cu130')).toBe('0.28.0');
    expect(normaliseVersion('2.4')).toBe('2.4.0');
    expect(normaliseVersion('2.4.6.1')).toBe('2.4.6');
    expect(normaliseVersion('0.7.2.dev20250101')).toBe('0.7.2');
    expect(normaliseVersion('1!2.0')).toBe('2.0.0');
    expect(normaliseVersion('unimportable (ImportError)')).toBeNull();
  });

  it('lists what a build lacks, one line per package', () => {
    const packages = { torch: '1.13.0a0', onnx: '1.12.0', transformers: null };
    expect(unmetRequirements({ torch: '>=2.4' }, packages)).toEqual(['torch >=2.4: have 1.13.0a0']);
    expect(unmetRequirements({ transformers: '>=5' }, packages)).toEqual(['transformers >=5: not installed']);
    expect(unmetRequirements({ timm: '*' }, packages)).toEqual(['timm *: not installed']);
    expect(unmetRequirements({ torch: '>=1.13 <2', onnx: '*' }, packages)).toEqual([]);
    expect(unmetRequirements({ torch: '>=2.13' }, { torch: '2.13.0+cpu' })).toEqual([]);
    expect(unmetRequirements(undefined, packages)).toEqual([]);
  });

  it('rejects a corpus whose requirement is not a semver range, naming the field', async () => {
    const dir = await tempDir('requires');
    const file = path.join(dir, 'cases.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'bad',
        cases: [
          {
            id: 'a',
            family: 'f',
            model: { factory: 'm:f' },
            inputs: [{ name: 'x', dtype: 'float32', shape: [1] }],
            requires: { torch: 'two point five' },
          },
        ],
      }),
    );
    await expect(loadCorpusFile(file)).rejects.toThrow(CorpusError);
    await expect(loadCorpusFile(file)).rejects.toThrow(/cases\.0\.requires\.torch: a semver range/);
  });
});
