import { describe, expect, it } from '@jest/globals';
import { classifyCheck, classifyConversion } from '../../src/run/classify.js';

const failed = (stage: 'build' | 'reference' | 'export' | 'serialize' | 'validate') => ({
  kind: 'result' as const,
  reply: {
    type: 'result' as const,
    id: 'c',
    ok: false as const,
    error: { stage, type: 'E', message: 'boom' },
    timingsMs: {},
  },
});

describe('classifyConversion', () => {
  it('blames the converter for export failures only', () => {
    expect(classifyConversion(failed('export'), 10)).toMatchObject({
      done: true,
      outcome: 'conversion-crash',
    });
    expect(classifyConversion(failed('serialize'), 10)).toMatchObject({
      done: true,
      outcome: 'invalid-model',
    });
    expect(classifyConversion(failed('validate'), 10)).toMatchObject({
      done: true,
      outcome: 'invalid-model',
    });
    expect(classifyConversion(failed('build'), 10)).toMatchObject({ done: true, outcome: 'reference-error' });
    expect(classifyConversion(failed('reference'), 10)).toMatchObject({
      done: true,
      outcome: 'reference-error',
    });
  });

  it('a model whose build imports a package the stack lacks is unsupported, not a reference error', () => {
    const missing = failed('build');
    const reply = { ...missing.reply, error: { ...missing.reply.error, missingPackage: 'torchvision' } };
    expect(classifyConversion({ ...missing, reply }, 10)).toMatchObject({
      done: true,
      outcome: 'unsupported',
      unmet: ['torchvision: not installed (building the model imports it)'],
    });
    // Only while building the source: the same field on an export failure changes nothing.
    const exportReply = { ...reply, error: { ...reply.error, stage: 'export' as const } };
    expect(classifyConversion({ ...missing, reply: exportReply }, 10)).toMatchObject({
      outcome: 'conversion-crash',
    });
  });

  it('hands a converted case on to the runtime check', () => {
    const ok = {
      kind: 'result' as const,
      reply: {
        type: 'result' as const,
        id: 'c',
        ok: true as const,
        model: 'model.onnx',
        tensors: 't.json',
        opTypes: [],
        opset: 14,
        inputNames: ['x'],
        outputNames: ['y'],
        warnings: [],
        timingsMs: { export: 12 },
      },
    };
    expect(classifyConversion(ok, 10)).toEqual({ done: false, timingsMs: { export: 12 } });
  });

  it('turns a timeout during export into hang, during the reference into reference-error', () => {
    const v = classifyConversion(
      { kind: 'timeout', stage: 'export', elapsedMs: 9000, limit: 'cpu', cpuMs: 5010 },
      5,
    );
    expect(v).toMatchObject({
      done: true,
      outcome: 'hang',
      error: { stage: 'export', type: 'Timeout', limit: 'cpu' },
    });
    expect(
      classifyConversion({ kind: 'timeout', stage: 'reference', elapsedMs: 5001, limit: 'cpu' }, 5),
    ).toMatchObject({ outcome: 'reference-error' });
  });

  it('says which time limit fired: the CPU-time limit or the wall-time backstop', () => {
    const cpu = classifyConversion(
      { kind: 'timeout', stage: 'export', elapsedMs: 9000, limit: 'cpu', cpuMs: 5010 },
      5,
    );
    const wall = classifyConversion(
      { kind: 'timeout', stage: 'export', elapsedMs: 20_000, limit: 'wall', cpuMs: 120 },
      5,
    );
    if (!cpu.done || !wall.done) throw new Error('both are final');
    expect(cpu.error.message).toMatch(/after 5s of CPU time .*9\.0 s wall/);
    expect(wall.error).toMatchObject({ limit: 'wall' });
    expect(wall.error.message).toMatch(
      /after 20\.0 s of wall time.*5s CPU-time limit \(0\.1 s of CPU time used/,
    );
  });

  it('records a dead worker with its signal and the tail of its stderr', () => {
    const v = classifyConversion(
      {
        kind: 'crashed',
        stage: 'export',
        exitCode: null,
        signal: 'SIGSEGV',
        stderr: 'a\nb\nFatal Python error: Segmentation fault\n',
      },
      5,
    );
    expect(v).toMatchObject({ done: true, outcome: 'conversion-crash', error: { type: 'WorkerCrash' } });
    if (v.done) {
      expect(v.error.message).toContain('signal SIGSEGV');
      expect(v.error.message).toContain('Fatal Python error');
    }
  });

  it('records a memory blow-up as a conversion crash', () => {
    expect(classifyConversion({ kind: 'memory', stage: 'export', rssMb: 9000 }, 5)).toMatchObject({
      outcome: 'conversion-crash',
      error: { type: 'MemoryLimitExceeded' },
    });
  });
});

describe('classifyCheck', () => {
  it('explains a wrong output with the failing output', () => {
    const v = classifyCheck(
      {
        kind: 'checked',
        reply: {
          type: 'checked',
          id: 'c',
          outcome: 'wrong-output',
          timingsMs: { load: 1, run: 1 },
          outputs: [
            { name: 'a', pass: true, maxAbsErr: 0, maxRelErr: 0 },
            { name: 'b', pass: false, maxAbsErr: 0.5, maxRelErr: 0.1, mismatched: 3, total: 10 },
          ],
        },
      },
      5,
    );
    expect(v.outcome).toBe('wrong-output');
    expect(v.error?.message).toBe('b: max abs error 0.5, 3/10 elements outside tolerance');
  });

  it('maps a runtime that dies while loading to invalid-model, while running to runtime-crash', () => {
    expect(
      classifyCheck({ kind: 'crashed', stage: 'load', exitCode: null, signal: 'SIGABRT', stderr: '' }, 5)
        .outcome,
    ).toBe('invalid-model');
    expect(
      classifyCheck({ kind: 'crashed', stage: 'run', exitCode: 1, signal: null, stderr: '' }, 5).outcome,
    ).toBe('runtime-crash');
  });

  it('maps a runtime timeout to hang', () => {
    expect(classifyCheck({ kind: 'timeout', stage: 'run', elapsedMs: 9000 }, 5)).toMatchObject({
      outcome: 'hang',
      error: { stage: 'run' },
    });
  });
});
