import { describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEBIAN_PYTHON, defaultStackName, resolveStack, StackError } from '../../src/run/stacks.js';
import { tempDir } from '../helpers.js';

describe('stacks', () => {
  it('defaults to debian until setup made the modern venv (with its stamp), then to modern', async () => {
    const root = await tempDir('stack-root');
    expect(defaultStackName(root)).toBe('debian');
    expect(resolveStack({}, root)).toEqual({
      name: 'debian',
      python: DEBIAN_PYTHON,
      defaultAdapter: 'torch.onnx',
    });
    expect(() => resolveStack({ stack: 'modern' }, root)).toThrow(/modern stack is not installed.*setup\.sh/);
    await mkdir(path.join(root, '.venv', 'modern', 'bin'), { recursive: true });
    await writeFile(path.join(root, '.venv', 'modern', 'bin', 'python'), '');
    expect(defaultStackName(root)).toBe('debian'); // half-made: no stamp yet
    await writeFile(path.join(root, '.venv', 'modern', '.convgate-stamp'), 'x');
    expect(resolveStack({}, root)).toEqual({
      name: 'modern',
      python: path.join(root, '.venv', 'modern', 'bin', 'python'),
      defaultAdapter: 'torch.onnx.dynamo',
    });
    expect(resolveStack({ stack: 'debian' }, root).python).toBe(DEBIAN_PYTHON);
  });

  it('lets --python override the stack, and rejects unknown stack names', () => {
    expect(resolveStack({ python: '/opt/py/bin/python' })).toEqual({
      name: null,
      python: '/opt/py/bin/python',
      defaultAdapter: 'torch.onnx',
    });
    expect(resolveStack({ python: '/x', stack: 'modern' }).defaultAdapter).toBe('torch.onnx.dynamo');
    expect(() => resolveStack({ stack: 'nightly' })).toThrow(StackError);
    expect(() => resolveStack({ stack: 'nightly' })).toThrow(/--stack must be one of modern, debian, tf/);
  });
});
