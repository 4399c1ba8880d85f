// Traceback structure: which converter files and functions an issue's traceback passes
// through, mapped to the converter stage that owns them (the taxonomy's "component"). The
// deepest converter frame is where the failure surfaced, so it counts most.
//
// Frames are read from Python tracebacks (`File "…/x.py", line N, in f`) and IPython ones
// (`…/x.py in f(…)`). Patterns are bounded alternations: linear time on any input.

import type { Component } from './labels.js';

export type FrameStage = Exclude<Component, 'unknown'>;

const FRAME_LINE =
  /^[ \t>]{0,20}(?:File "([^"\n]{1,400})", line \d{1,7}, in ([\w<>.]{1,120})|(\S{1,400}\.py) in ([\w<>.]{1,120})\()/gm;

/**
 * Stage of a converter frame by its file path and function name, or undefined for frames of
 * the user's code, the source framework's model code and the standard library. Ordered:
 * the first matching rule wins.
 */
const FRAME_RULES: readonly { stage: FrameStage; path?: RegExp; fn?: RegExp }[] = [
  // serialization: protobuf, writing the model file, external data
  { stage: 'serialization', path: /google[\\/]protobuf|external_data_helper|onnx[\\/]serialization\.py/ },
  {
    stage: 'serialization',
    fn: /^(?:save_model|_export_onnx|SerializeToString|ParseFromString|load_model_from_string|_save_onnx_model)$/,
  },
  // validation: the ONNX checker and shape inference
  { stage: 'validation', path: /onnx[\\/]checker\.py|onnx[\\/]shape_inference\.py/ },
  {
    stage: 'validation',
    fn: /^(?:check_model|_check_onnx_proto|_jit_pass_onnx_graph_shape_type_inference|infer_shapes|infer_onnx_shape_dtype)$/,
  },
  // graph optimization: optimizer and rewrite passes
  {
    stage: 'graph-optimization',
    path: /tf2onnx[\\/]optimizer[\\/]|onnxscript[\\/](?:rewriter|optimizer)[\\/]|onnxoptimizer|[\\/]passes[\\/]/,
  },
  {
    stage: 'graph-optimization',
    fn: /^(?:_jit_pass_(?:peephole|onnx_peephole|constant_fold|onnx_constant_fold|dce|fuse|onnx_remove_\w+|onnx_eval_peephole|lint)\w*|optimize_graph|fold_constants?\w*|_optimize_transpose\w*|optimize)$/,
  },
  // tracer: capturing the source graph (TorchScript tracing, dynamo / torch.export, TF loading)
  {
    stage: 'tracer',
    path: /torch[\\/]jit[\\/]_trace\.py|torch[\\/]_dynamo[\\/]|torch[\\/]export[\\/]|dynamo_graph_extractor|_capture_strategies|torch[\\/]fx[\\/]_symbolic_trace|tf2onnx[\\/]tf_loader\.py|tensorflow[\\/]python[\\/](?:framework[\\/]convert_to_constants|saved_model[\\/]load)/,
  },
  {
    stage: 'tracer',
    fn: /^(?:_get_trace_graph|_create_jit_graph|_trace_and_get_graph_from_model|generate_fx|from_function|from_trackable|from_saved_model\w*|from_keras\w*|freeze_session|convert_variables_to_constants\w*)$/,
  },
  // node conversion: per-operator symbolic functions and op handlers, FX-to-ONNX translation
  {
    stage: 'node-conversion',
    path: /symbolic_opset\d*\.py|symbolic_helper\.py|symbolic_registry|registration\.py|tf2onnx[\\/](?:onnx_opset|tflite_handlers|tfjs_handlers|custom_opsets)[\\/]|tf2onnx[\\/]tfonnx\.py|function_libs[\\/]torch_lib|fx_onnx_interpreter|onnxfunction_dispatcher|exporter[\\/]_(?:building|core|dispatching|decomp)\w*\.py/,
  },
  {
    stage: 'node-conversion',
    fn: /^(?:_run_symbolic_function|_run_symbolic_method|tensorflow_onnx_mapping|process_tf_graph|_translate_fx_graph|_handle_call_function_node\w*)$/,
  },
];

export interface FrameSummary {
  /** Stage of the deepest converter frame, with its text. */
  deepest?: { stage: FrameStage; frame: string };
  /** Every stage some converter frame belongs to, with the first such frame's text. */
  stages: Map<FrameStage, string>;
}

function stageOf(path: string, fn: string): FrameStage | undefined {
  for (const r of FRAME_RULES) {
    if ((r.path && r.path.test(path)) || (r.fn && r.fn.test(fn))) return r.stage;
  }
  return undefined;
}

/** The converter stages a text's tracebacks pass through, and the deepest one. */
export function readFrames(text: string): FrameSummary {
  const stages = new Map<FrameStage, string>();
  let deepest: FrameSummary['deepest'];
  for (const m of text.matchAll(FRAME_LINE)) {
    const path = m[1] ?? m[3] ?? '';
    const fn = m[2] ?? m[4] ?? '';
    const stage = stageOf(path, fn);
    if (!stage) continue;
    const frame = `${path.split(/[\\/]/).slice(-2).join('/')} in ${fn}`;
    if (!stages.has(stage)) stages.set(stage, frame);
    deepest = { stage, frame };
  }
  return { deepest, stages };
}
