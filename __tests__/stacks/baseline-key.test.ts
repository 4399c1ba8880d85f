import { describe, expect, it } from '@jest/globals';
import { baselineKey, environmentKey, type BaselineIdentity } from '../../src/gate/store.js';

describe('baseline key and the converter build', () => {
  const base: BaselineIdentity = {
    corpusHash: 'c0ffee',
    tool: '0.1.0-abc',
    atol: 1e-3,
    rtol: 1e-3,
    opset: null,
    adapter: 'torch.onnx.dynamo',
    filter: null,
  };
  const env = {
    python: { executable: '/x/bin/python', version: '3.11.7' },
    exporter: 'dynamo',
    packages: { torch: '2.13.0+cpu', onnxscript: '0.7.2', onnx: '1.23.1' },
    workarounds: ['machine-specific text is not part of the key'],
  };

  it('takes Python, exporter and package versions from results or ready messages', () => {
    expect(environmentKey(env)).toEqual({
      python: '3.11.7',
      exporter: 'dynamo',
      packages: { onnx: '1.23.1', onnxscript: '0.7.2', torch: '2.13.0+cpu' },
    });
    expect(environmentKey({})).toEqual({ python: null, exporter: null, packages: {} });
  });

  it('changes when a package version or the exporter changes, not when only the interpreter path does', () => {
    const key = (e: Record<string, unknown>) =>
      baselineKey({ ...base, environment: environmentKey(e) }, 'sha1');
    const k = key(env);
    expect(key({ ...env, python: { executable: '/elsewhere/python', version: '3.11.7' } })).toBe(k);
    expect(key({ ...env, packages: { ...env.packages, onnxscript: '0.7.3' } })).not.toBe(k);
    expect(key({ ...env, exporter: 'torchscript' })).not.toBe(k);
    expect(baselineKey(base, 'sha1')).not.toBe(k);
    expect(k.endsWith('-sha1')).toBe(true);
  });
});
