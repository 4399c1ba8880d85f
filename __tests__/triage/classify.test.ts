// Table-driven cases for the shipped classifier. Every issue text here is invented for the
// tests (none comes from the labeled data), written the way converter issues are written.
import { describe, expect, it } from '@jest/globals';
import {
  CAUSES,
  COMPONENTS,
  FIELD_THRESHOLDS,
  SYMPTOMS,
  classifyIssue,
  isApplied,
} from '../../src/triage/index.js';
import { classifyWith } from '../../src/triage/classify.js';
import type { Field } from '../../src/triage/labels.js';
import { rulesOnlyModel } from '../../src/triage/train.js';
import { BODY_HEAD_CHARS, BODY_TAIL_CHARS, MAX_TITLE_CHARS, prepareText } from '../../src/triage/text.js';

const fence = (s: string): string => `\`\`\`\n${s}\n\`\`\``;

const UNSUPPORTED_OP = {
  title: 'torch.onnx.export fails on aten::unique_consecutive',
  body: `Exporting my tokenizer model breaks.\n\n${fence(
    [
      'Traceback (most recent call last):',
      '  File "export.py", line 12, in <module>',
      '    torch.onnx.export(model, x, "m.onnx", opset_version=16)',
      '  File "/usr/lib/python3/site-packages/torch/onnx/utils.py", line 506, in export',
      '  File "/usr/lib/python3/site-packages/torch/onnx/symbolic_opset16.py", line 88, in unique_consecutive',
      "torch.onnx.errors.UnsupportedOperatorError: Exporting the operator 'aten::unique_consecutive' to ONNX opset version 16 is not supported.",
    ].join('\n'),
  )}`,
};

const OUTPUT_MISMATCH = {
  title: 'LayerNorm export gives different results in onnxruntime',
  body: 'The conversion runs without errors, but comparing outputs: max abs diff 0.37, Mismatched elements: 1200 / 3072. I expected the ONNX model to match PyTorch within 1e-5.',
};

const IMPORT_ERROR = {
  title: 'ImportError after pip install tf2onnx',
  body: `${fence(">>> import tf2onnx\nImportError: cannot import name 'mapping' from 'onnx'")}\nInstalled today with pip into a fresh venv.`,
};

const SLOW_MODEL = {
  title: 'Converted model is 3x slower than the TensorFlow original',
  body: 'After conversion every Conv is wrapped in redundant Transpose nodes; inference time goes from 10 ms to 30 ms.',
};

const HANG = {
  title: 'torch.onnx.export hangs on a model with a large Loop',
  body: 'The export gets stuck and never finishes; after an hour I killed it. CPU stays at 100%.',
};

const OPSET_REQUEST = {
  title: 'Feature request: support opset 18',
  body: 'It would be nice if the converter could target opset 18 so we can use the new Reduce ops.',
};

const WRONG_DTYPE = {
  title: 'Exported Cast produces tensor(double) instead of float',
  body: 'The output dtype of the exported model is double although the PyTorch model returns float32. The Cast node has the wrong `to` attribute.',
};

const DYNAMIC_SHAPE = {
  title: 'Reshape with dynamic batch axis: output shape fixed to [1, 256]',
  body: "I export with dynamic_axes={'x': {0: 'batch'}} but the ONNX Reshape keeps a hard-coded shape, so batch 4 fails at runtime with a shape mismatch.",
};

// Rewrite logic only: an axis named in the title would (deliberately) point at shape-problem.
const OPTIMIZER_LOGIC = {
  title: 'Transpose optimizer cancels two Transposes that do not cancel',
  body: 'After optimize_transpose two Transpose nodes with different perms are both removed; the optimizer logic matches the wrong pattern and outputs are different from TF.',
};

const USAGE_QUESTION = {
  title: 'How do I set the input names when converting a saved model?',
  body: 'I am new to tf2onnx. I ran python -m tf2onnx.convert --saved-model m --output m.onnx and the input/output names are wrong. What am I doing wrong?',
};

const FLAKY_TEST = {
  title: 'test_lstm_bidirectional is flaky in CI',
  body: 'The CI job fails about once in five runs with a tolerance error; the test was disabled by #1234 until fixed.',
};

const FOLDING_FAILURE = {
  title: 'Constant folding fails on Where with empty input',
  body: fence(
    [
      'WARNING - Failed to apply optimize_transpose',
      'Traceback (most recent call last):',
      '  File "tf2onnx/optimizer/transpose_optimizer.py", line 210, in _optimize',
      'IndexError: list index out of range',
    ].join('\n'),
  ),
};

const TRACER = {
  title: 'Trace sanity check failed for model with data-dependent control flow',
  body: 'torch.jit.TracerWarning: Output nr 1. of the traced function does not match the corresponding output of the Python function. ERROR: Graphs differed across invocations! The trace sanity check failed.',
};

const DYNAMO_CAPTURE = {
  title: 'torch.onnx.export(dynamo=True) fails: Failed to export the model with torch.export',
  body: fence(
    [
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3/site-packages/torch/onnx/_internal/exporter/_capture_strategies.py", line 120, in __call__',
      '  File "/usr/lib/python3/site-packages/torch/export/_trace.py", line 1000, in _export',
      'torch._dynamo.exc.Unsupported: graph break on data-dependent control flow',
    ].join('\n'),
  ),
};

const CHECKER = {
  title: 'onnx.checker.check_model rejects exported model',
  body: fence(
    "onnx.onnx_cpp2py_export.checker.ValidationError: Field 'shape' of type is required but missing.",
  ),
};

const TOO_BIG = {
  title: 'Cannot save models larger than 2GB',
  body: fence('ValueError: Message onnx.ModelProto exceeds maximum protobuf size of 2GB: 2612345678'),
};

const CI_INSTALL = {
  title: 'tf2onnx CI job cannot install onnxruntime nightly',
  body: 'ERROR: ResolutionImpossible: the conflict is caused by ort-nightly depends on numpy>=1.24',
};

type Case = [name: string, issue: { title: string; body: string | null }, expected: string];

const cases: Record<Field, Case[]> = {
  symptom: [
    ['crash: unsupported operator traceback in a code fence', UNSUPPORTED_OP, 'crash'],
    ['wrong-model: numeric mismatch after export', OUTPUT_MISMATCH, 'wrong-model'],
    ['wrong-model: wrong dtype emitted', WRONG_DTYPE, 'wrong-model'],
    ['build-failure: import error after install', IMPORT_ERROR, 'build-failure'],
    ['build-failure: dependency conflict in CI', CI_INSTALL, 'build-failure'],
    ['bad-performance: slow and bloated model', SLOW_MODEL, 'bad-performance'],
    ['hang: export never finishes', HANG, 'hang'],
    ['unreported: opset feature request', OPSET_REQUEST, 'unreported'],
  ],
  cause: [
    ['incompatibility: operator not supported', UNSUPPORTED_OP, 'incompatibility'],
    ['type-problem: dtype of Cast', WRONG_DTYPE, 'type-problem'],
    ['shape-problem: dynamic batch axis', DYNAMIC_SHAPE, 'shape-problem'],
    ['algorithmic-error: optimizer rewrite logic', OPTIMIZER_LOGIC, 'algorithmic-error'],
    ['api-misuse: usage question', USAGE_QUESTION, 'api-misuse'],
    ['other: flaky test in CI', FLAKY_TEST, 'other'],
  ],
  component: [
    ['node-conversion: symbolic function of an op', UNSUPPORTED_OP, 'node-conversion'],
    ['graph-optimization: optimizer pass fails', FOLDING_FAILURE, 'graph-optimization'],
    ['graph-optimization: optimizer rewrites wrongly', OPTIMIZER_LOGIC, 'graph-optimization'],
    // docs/triage-codebook.md: graph capture by dynamo / torch.export is the tracer stage;
    // TorchScript tracing problems and checker failures of an exported model are placed in
    // node conversion, as the paper's annotators place them (the rules alone say otherwise:
    // see the next describe block).
    ['tracer: torch.export capture fails', DYNAMO_CAPTURE, 'tracer'],
    ['node-conversion: TorchScript trace sanity check', TRACER, 'node-conversion'],
    ['node-conversion: checker rejects an exported model', CHECKER, 'node-conversion'],
    ['serialization: protobuf 2GB limit', TOO_BIG, 'serialization'],
    ['unknown: CI installation problem', CI_INSTALL, 'unknown'],
  ],
};

describe('classifyIssue: one case per label', () => {
  for (const field of ['symptom', 'cause', 'component'] as const) {
    describe(field, () => {
      it.each(cases[field])('%s', (_name, issue, expected) => {
        const t = classifyIssue(issue);
        expect(t[field].label).toBe(expected);
        expect(t[field].evidence.length).toBeGreaterThan(0);
      });
    });
  }

  it('covers every label of every field (hang included, which the dev data lacks)', () => {
    const covered = (f: Field) =>
      new Set([...cases[f], ...(f === 'component' ? rulesOnlyCases : [])].map((c) => c[2]));
    for (const s of SYMPTOMS) expect(covered('symptom')).toContain(s);
    for (const c of CAUSES) expect(covered('cause')).toContain(c);
    for (const c of COMPONENTS) expect(covered('component')).toContain(c);
  });
});

// Labels the labelled data almost never uses (validation: 1 of the 337 training issues) are decided by the
// trained weights, which follow the data; the hand-written rules still encode the taxonomy's
// definition of every stage.
const rulesOnlyCases: Case[] = [
  ['tracer: trace sanity check', TRACER, 'tracer'],
  ['validation: checker rejects model', CHECKER, 'validation'],
];

describe('the hand-written rules alone (no training)', () => {
  it.each(rulesOnlyCases)('%s', (_name, issue, expected) => {
    expect(classifyWith(rulesOnlyModel(), issue).component.label).toBe(expected);
  });
});

describe('classifyIssue: evidence and confidence', () => {
  it('names the phrases that decided the label', () => {
    const t = classifyIssue(UNSUPPORTED_OP);
    expect(t.cause.evidence.join('\n')).toContain('UnsupportedOperatorError');
    expect(t.symptom.evidence.join('\n')).toMatch(/traceback/i);
  });

  it('gives confidences in (0, 1], high for a clear report', () => {
    const t = classifyIssue(UNSUPPORTED_OP);
    for (const f of ['symptom', 'cause', 'component'] as const) {
      expect(t[f].confidence).toBeGreaterThan(0);
      expect(t[f].confidence).toBeLessThanOrEqual(1);
    }
    expect(t.symptom.confidence).toBeGreaterThanOrEqual(FIELD_THRESHOLDS.symptom);
  });

  it('is deterministic', () => {
    expect(classifyIssue(OPTIMIZER_LOGIC)).toEqual(classifyIssue(OPTIMIZER_LOGIC));
  });

  it('ignores comments after a "--- comment ---" line (the app sees the description only)', () => {
    const body = `${OUTPUT_MISMATCH.body}\n--- comment ---\nRuntimeError: this op is not supported, fixed in #932`;
    const t = classifyIssue({ title: OUTPUT_MISMATCH.title, body });
    expect(t.symptom.label).toBe('wrong-model');
    expect(JSON.stringify(t)).not.toContain('fixed in #932');
  });
});

describe('classifyIssue: what tells the causes apart', () => {
  const reproducer = fence(
    [
      'import torch',
      'x = torch.randn(2, 3, dtype=torch.float32)',
      'torch.onnx.export(model, (x,), "m.onnx", opset_version=13)',
    ].join('\n'),
  );

  it('reads a dtype named where the failure is stated as a type problem', () => {
    const t = classifyIssue({
      title: 'Exported Where node outputs int64 instead of float32',
      body: `The model exports, but the output type is wrong.\n${reproducer}`,
    });
    expect(t.cause.label).toBe('type-problem');
    expect(t.cause.evidence.join('\n')).toMatch(/data type named where the failure is stated/);
  });

  it('does not read a dtype that only appears in the reproducer as a type problem', () => {
    const t = classifyIssue({
      title: 'tf2onnx cannot convert my model: op Bucketize is not supported',
      body: `Conversion stops.\n${reproducer}`,
    });
    expect(t.cause.label).toBe('incompatibility');
    expect(t.cause.evidence.join('\n')).not.toMatch(/failure is stated/);
  });

  it('reads a shape or axis named in the error as a shape problem', () => {
    const t = classifyIssue({
      title: 'Export of gather breaks with dynamic batch',
      body: `${reproducer}\nRuntimeError: index out of range: axis 2 is beyond the rank of the input`,
    });
    expect(t.cause.label).toBe('shape-problem');
  });

  it('reads other phrasings of "not supported" as an incompatibility', () => {
    for (const title of [
      "torch.istft isn't supported by the ONNX exporter",
      'tf2onnx does not support the RaggedTensorToTensor op',
      'torch.nn.Fold is not ONNX exportable',
    ]) {
      expect(classifyIssue({ title, body: '' }).cause.label).toBe('incompatibility');
    }
  });

  it('reads an unsupported attribute of a converted operator as a type problem, not a missing operator', () => {
    const t = classifyIssue({
      title: 'ConvTranspose export: output_padding is not supported',
      body: 'RuntimeError: symbolic for conv_transpose2d: attribute output_padding is not supported.',
    });
    expect(t.cause.label).toBe('type-problem');
  });

  it('reads a missed optimization as an algorithmic error', () => {
    const t = classifyIssue({
      title: 'Conv sandwiched between transposes could be folded',
      body: 'The optimizer leaves a Transpose -> Conv -> Transpose sequence; the two transposes should be eliminated.',
    });
    expect(t.cause.label).toBe('algorithmic-error');
  });
});

describe('classifyIssue: issues in other languages', () => {
  it.each<[string, { title: string; body: string }, Partial<Record<Field, string>>]>([
    [
      'Chinese report of an unsupported operator',
      {
        title: '导出ONNX时报错：不支持 grid_sampler 算子',
        body: `使用 torch.onnx.export 导出模型时报错，提示 grid_sampler 不支持。\n${fence('RuntimeError: Exporting the operator grid_sampler to ONNX opset version 11 is not supported.')}`,
      },
      { symptom: 'crash', cause: 'incompatibility', component: 'node-conversion' },
    ],
    [
      'Japanese report of different results',
      {
        title: '変換後のモデルの結果が異なる',
        body: 'tf2onnx で変換したモデルの出力が TensorFlow の結果と異なります。誤差が大きいです。',
      },
      { symptom: 'wrong-model' },
    ],
    [
      'Spanish report of an unsupported operator',
      {
        title: 'exportar modelo falla: operador no soportado',
        body: 'Al exportar el modelo con torch.onnx.export el operador aten::stft no es compatible.',
      },
      { symptom: 'crash', cause: 'incompatibility' },
    ],
    [
      'Chinese report of a hang',
      { title: 'tf2onnx 转换卡住', body: '转换 saved model 的时候一直卡住，没有任何输出，等了两个小时。' },
      { symptom: 'hang' },
    ],
    [
      'terse non-native English',
      {
        title: 'convert fail',
        body: 'when i use tf2onnx convert my pb, it show error ValueError: tensorflow op NonMaxSuppressionV5 is not supported. please help',
      },
      { symptom: 'crash', cause: 'incompatibility' },
    ],
  ])('%s', (_name, issue, expected) => {
    const t = classifyIssue(issue);
    for (const [field, label] of Object.entries(expected)) expect(t[field as Field].label).toBe(label);
  });
});

describe('classifyIssue: empty and very long bodies', () => {
  it('handles a null body and an empty body', () => {
    for (const body of [null, '']) {
      const t = classifyIssue({ title: 'Squeeze export crash', body });
      expect(t.symptom.label).toBe('crash');
      expect(t.cause.evidence.length).toBeGreaterThan(0);
    }
  });

  it('leaves an issue with no text to a human', () => {
    const t = classifyIssue({ title: '', body: null });
    for (const f of ['symptom', 'cause', 'component'] as const) {
      // Only the base rate speaks: never applied, whatever the confidence (policy.ts).
      expect(t[f].contributions).toEqual([]);
      expect(isApplied(t[f], FIELD_THRESHOLDS[f])).toBe(false);
      expect(t[f].evidence[0]).toMatch(/no specific cue/);
    }
  });

  it('reads a title-only feature request', () => {
    expect(classifyIssue({ title: 'Opset 17 support', body: '' }).symptom.label).toBe('unreported');
  });

  // Speed (ms per issue, linear time on hostile input) is measured by `npm run bench:triage`,
  // never asserted here: wall times on a loaded machine say nothing about the code.
  it('cuts a multi-megabyte body to its head and tail and still sees the final exception', () => {
    const log = 'I0101 12:00:00.000 converter.cc:42] processing node conv_block/weights\n'.repeat(70_000);
    const body = `${log}Traceback (most recent call last):\n  File "convert.py", line 3, in <module>\nValueError: tensorflow op Bucketize is not supported`;
    expect(body.length).toBeGreaterThan(4_000_000);
    const t = classifyIssue({ title: 'conversion error', body });
    expect(t.symptom.label).toBe('crash');
    expect(t.cause.label).toBe('incompatibility');
    expect(t.symptom.evidence.join('\n')).toContain('truncated');
  });

  it('scans at most the head and tail of pathological input, whatever its length', () => {
    const inputs = [
      'a'.repeat(200_000),
      ' '.repeat(200_000),
      'Error: '.repeat(30_000),
      '```\n'.repeat(50_000),
      '"'.repeat(100_000),
    ];
    for (const body of inputs) {
      const p = prepareText('x'.repeat(5_000), body);
      expect(p.truncated).toBe(true);
      expect(p.body.length).toBeLessThanOrEqual(BODY_HEAD_CHARS + BODY_TAIL_CHARS + 10);
      expect(p.title.length).toBe(MAX_TITLE_CHARS);
      // Classifying it gives a well-formed verdict for every field (a runaway pattern would
      // exceed the test timeout; timings are the bench's job).
      const t = classifyIssue({ title: 'x'.repeat(5_000), body });
      for (const f of ['symptom', 'cause', 'component'] as const) {
        expect(t[f].confidence).toBeGreaterThan(0);
        expect(t[f].confidence).toBeLessThanOrEqual(1);
      }
    }
  });
});
