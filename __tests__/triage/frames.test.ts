// Traceback structure and the dynamo-era exporter messages, on invented tracebacks.
import { describe, expect, it } from '@jest/globals';
import { extract } from '../../src/triage/features.js';
import { readFrames } from '../../src/triage/frames.js';
import { classifyIssue } from '../../src/triage/index.js';

const frame = (path: string, fn: string): string =>
  `  File "/venv/lib/python3.11/site-packages/${path}", line 12, in ${fn}`;

describe('readFrames', () => {
  it('maps converter frames to stages and keeps the deepest', () => {
    const tb = [
      'Traceback (most recent call last):',
      '  File "export.py", line 3, in <module>',
      frame('torch/onnx/utils.py', '_export'),
      frame('torch/onnx/utils.py', '_run_symbolic_function'),
      frame('torch/onnx/symbolic_opset11.py', 'index_put'),
      frame('torch/onnx/utils.py', '_jit_pass_onnx_graph_shape_type_inference'),
      'RuntimeError: shape inference failed',
    ].join('\n');
    const f = readFrames(tb);
    expect([...f.stages.keys()].sort()).toEqual(['node-conversion', 'validation']);
    expect(f.deepest).toEqual({
      stage: 'validation',
      frame: 'onnx/utils.py in _jit_pass_onnx_graph_shape_type_inference',
    });
  });

  it('reads IPython frames and ignores user and generic exporter frames', () => {
    const text = [
      '/usr/lib/python3/site-packages/tf2onnx/optimizer/transpose_optimizer.py in _optimize(self)',
      '  File "train.py", line 9, in forward',
      frame('torch/onnx/utils.py', 'export'),
    ].join('\n');
    expect(readFrames(text).deepest?.stage).toBe('graph-optimization');
    expect(readFrames(frame('torch/onnx/utils.py', '_optimize_graph')).deepest).toBeUndefined();
  });

  // Linear time on such input is measured by `npm run bench:triage`, not asserted here.
  it('finds no frame in broken frame lines', () => {
    const f = readFrames(`${'  File "'.repeat(40_000)}\n${'x.py in '.repeat(40_000)}`);
    expect(f.deepest).toBeUndefined();
    expect(f.stages.size).toBe(0);
  });
});

describe('stage signals', () => {
  it('reads a failed torch.export step as graph capture (tracer)', () => {
    const body = [
      'torch.onnx._internal.exporter._errors.TorchExportError: Failed to export the model with torch.export. This is step 1/3 of exporting the model to ONNX.',
      "<class 'torch._dynamo.exc.UserError'>: Could not guard on data-dependent expression",
    ].join('\n');
    const t = classifyIssue({ title: 'dynamo=True export of my detector fails', body });
    expect(t.component.label).toBe('tracer');
    expect(t.component.evidence.join('\n')).toMatch(/capturing the graph/);
  });

  it('reads the deepest frame of a checker failure as validation', () => {
    const body = [
      'Traceback (most recent call last):',
      frame('torch/onnx/utils.py', '_export'),
      frame('onnx/checker.py', 'check_model'),
      "onnx.onnx_cpp2py_export.checker.ValidationError: Field 'type' of 'value_info' is required but missing.",
    ].join('\n');
    const ex = extract({ title: 'exported model is rejected', body });
    expect(ex.signals.get('deepest-frame-validation')).toBe('onnx/checker.py in check_model');
    expect(classifyIssue({ title: 'exported model is rejected', body }).component.label).toBe('validation');
  });

  it('does not read a protobuf version pin as serialization', () => {
    const t = classifyIssue({
      title: 'pip cannot install tf2onnx next to tensorflow',
      body: 'ERROR: tensorflow 2.16 requires protobuf>=4.21, but you have protobuf 3.20.3 which is incompatible.',
    });
    expect(t.symptom.label).toBe('build-failure');
    expect(t.component.label).toBe('unknown');
  });
});
