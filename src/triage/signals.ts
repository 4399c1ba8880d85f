// Hand-written signals: what a triager looks for in a converter issue. Each signal is a
// pattern plus prior weights (log-odds added to a label's score when it fires). Training
// starts from these priors and is pulled back towards them (see train.ts), so labels the
// dev data barely covers (hang, build-failure, serialization, validation, tracer) are
// decided by the rules, and frequent labels by rules adjusted with data.
//
// Patterns are alternations of bounded pieces (no nested quantifiers), so they run in
// linear time on any input. Non-English cues cover the commonest phrasings of Chinese,
// Japanese, Korean, Spanish/Portuguese and Russian reports.

import type { FrameStage } from './frames.js';
import type { Cause, Component, Symptom } from './labels.js';

export interface SignalPrior {
  symptom?: Partial<Record<Symptom, number>>;
  cause?: Partial<Record<Cause, number>>;
  component?: Partial<Record<Component, number>>;
}

export interface PatternSignal {
  id: string;
  /** What the signal means, shown as evidence. */
  meaning: string;
  pattern: RegExp;
  /**
   * Where to look: the title only, title and body (default), or the title and the body lines
   * that state the failure (see `PreparedText.failure`).
   */
  scope?: 'title' | 'text' | 'failure';
  prior: SignalPrior;
}

/** A signal computed from which pattern signals fired (e.g. "a request, and no failure"). */
export interface DerivedSignal {
  id: string;
  meaning: string;
  /** `textLength`: characters of title + body, so silence can be told from an empty issue. */
  when: (fired: ReadonlySet<string>, textLength: number) => boolean;
  prior: SignalPrior;
}

// Bounded "somewhere on the same line/sentence" gap.
const NEAR = '[^.\\n]{0,40}';
const RUNTIMES = '(?:onnxruntime|ONNXRT|ORT|ONNX Runtime|TensorRT|trtexec)';
const FAILS = '(?:fails?|failed|errors?|refuses?|rejects?|crash\\w*|complains?)';

const DTYPE_PATTERN =
  /\bdtype\b|\bdata ?types?\b|\b(?:float|int|uint)(?:8|16|32|64)\b|\bdouble\b|\bbfloat16\b|\bbool(?:ean)? tensors?\b|\btensor\((?:float|double|int\d+|bool|string)\w*\)|_ref\b|\bCast\b|\btype (?:mismatch|inference|promotion|error)\b|\bTypeError\b|\bwrong type\b|\bimplicit(?:ly)? (?:cast|type)|\bpromot(?:e|ed|ion)\b|\bquantiz\w+/;
const SHAPE_PATTERN =
  /\bshapes?\b|\bdims?\b|\bdimensions?\b|\baxis\b|\baxes\b|\brank\b|\bbroadcast\w*|\breshape\b|\bdynamic[ _](?:axes|shapes?|dims?|sizes?|inputs?|batch|sequence|length)|\b0-sized\b|\bzero-sized\b|\bsize mismatch\b|\bsizes? (?:do(?:es)? not|don't) match\b|\bout of (?:range|bounds)\b|\bIndexError\b|形状|维度|次元|형태|размерност/i;

export const PATTERN_SIGNALS: readonly PatternSignal[] = [
  // ---- how the failure shows ------------------------------------------------------------
  {
    id: 'traceback',
    meaning: 'a Python traceback',
    pattern: /Traceback \(most recent call last\)|^\s*File "[^"\n]{1,300}", line \d+/m,
    prior: { symptom: { crash: 1.0 } },
  },
  {
    id: 'exception-raised',
    meaning: 'an exception message',
    pattern:
      /\b[A-Z][A-Za-z]{1,40}(?:Error|Exception)\b\s*:|^\s*(?:E\s+)?[a-z_.]{0,60}(?:Error|Exception):|\bKeyError\b|\bRuntimeError\b|\bValueError\b|\bAssertionError\b/m,
    prior: { symptom: { crash: 0.8 } },
  },
  {
    id: 'failure-words',
    meaning: 'words of a failed run',
    pattern:
      /\b(?:fail(?:s|ed|ing|ure)?|crash(?:es|ed|ing)?|errors?|can ?not (?:be )?(?:export|convert)\w*|can't (?:export|convert)|couldn't (?:export|convert)|unable to (?:export|convert)|abort(?:s|ed)?|segfault|segmentation fault|core dumped|throws?)\b|报错|错误|失败|エラー|失敗|오류|에러|ошибк|fall[oó]|falla/i,
    prior: { symptom: { crash: 0.8 } },
  },
  {
    id: 'internal-assert',
    meaning: 'an internal assertion of the converter',
    pattern: /INTERNAL ASSERT FAILED|\bassert(?:ion)? (?:failed|error)|\bCheck failed:|make_sure failure/i,
    prior: { symptom: { crash: 1.0 } },
  },
  {
    id: 'title-error',
    meaning: 'the title reports an error',
    scope: 'title',
    pattern:
      /\b(?:errors?|fails?|failed|failure|crash\w*|exception|can't|cannot|unable|not supported|breaks?|broken|does(?:n't| not) work|not working)\b|\w(?:Error|Exception)\b|报错|错误|失败|エラー|오류|ошибк/i,
    prior: { symptom: { crash: 0.7 } },
  },
  {
    id: 'output-mismatch',
    meaning: 'outputs differ from the source model',
    pattern:
      /\bdifferent (?:outputs?|results?|predictions?|values?)|\b(?:outputs?|results?|predictions?) (?:is |are )?(?:different|differs?|inconsistent|mismatch|do(?:es)?n't match|do(?:es)? not (?:match|agree)|not (?:the same|equal|match))|\bdifference (?:of|in|between) (?:the )?(?:predict\w*|outputs?|results?|values?)|\bmismatch(?:ed)? elements|\bmax(?:imum)?[ _](?:abs(?:olute)?[ _])?(?:diff|difference|error)\b|\bnot (?:close|equal) to\b|\bassert_allclose\b|\ballclose\b|\baccuracy (?:drop|loss|degrad\w*|decreas\w*)|\bprecision (?:drop|loss)|\b(?:wrong|incorrect|bad) (?:outputs?|results?|predictions?|values?|answers?)|\bnumerical(?:ly)? (?:mismatch|differen\w+|discrepanc\w+)|\bdiscrepanc(?:y|ies)|\bdoes not agree|\bdiffer(?:s|ent)? from (?:the )?(?:original|pytorch|tensorflow|keras|torch|tf)\b|不一致|结果不同|结果不一样|精度下降|精度损失|誤差|結果が異なる|結果が違う|결과가 다릅|resultados? diferentes?|resultado incorrecto|разные результаты/i,
    prior: { symptom: { 'wrong-model': 2.5 } },
  },
  {
    id: 'wrong-graph',
    meaning: 'the exported graph is wrong (node, attribute, type or shape)',
    pattern:
      /\bexport(?:s|ed)? (?:incorrectly|wrong(?:ly)?)|\b(?:converted|exported|translated) (?:incorrectly|wrong(?:ly)?|improperly)|\bnot (?:converted|exported) (?:properly|correctly)|\bwrong (?:\w+ )?(?:translation|conversion|export|attribute|node|type|dtype|shape|value)s?\b|\bincorrect (?:\w+ )?(?:translation|conversion|export|attribute|node|type|dtype|shape|value)s?\b|\bshould be exported\b|\bdoes not conform\b|\bis not (?:carried|preserved|propagated|set)\b|\bnot (?:carried over|preserved|propagated)\b|\bmistaken(?:ly)? returns?|\bis always\b|\bbut (?:i )?got\b|\bexpected [^.\n]{1,60}\bbut\b|\binstead of\b|\bproduces? (?:an? )?(?:wrong|incorrect|invalid|different)/i,
    prior: { symptom: { 'wrong-model': 1.5 } },
  },
  {
    id: 'title-wrong-result',
    meaning: 'the title reports a wrong or different result',
    scope: 'title',
    pattern:
      /\b(?:wrong|incorrect(?:ly)?|different|differs?|difference|mismatch\w*|inconsistent|inaccurate|discrepanc\w+|not (?:equal|match\w*|correct\w*|the same))\b|不一致|不同|異なる|違う/i,
    prior: { symptom: { 'wrong-model': 1.0 } },
  },
  {
    id: 'runtime-rejects-model',
    meaning: 'a runtime rejects or mis-runs the exported model',
    pattern: new RegExp(
      [
        '\\[ONNXRuntimeError\\]',
        '\\bINVALID_GRAPH\\b',
        '\\bINVALID_ARGUMENT\\b',
        '\\bNOT_IMPLEMENTED\\b',
        '\\bRUNTIME_EXCEPTION\\b',
        '\\bonnxruntime::',
        '\\bLoad model from [^\\n]{1,200} failed',
        '\\bType Error: Type\\b',
        `\\berrors? out in ${RUNTIMES}`,
        `\\b${RUNTIMES}\\b${NEAR}\\b${FAILS}\\b`,
        `\\b(?:unable|fails?|failed|refuses?) to (?:load|run)\\b${NEAR}\\b${RUNTIMES}\\b`,
        '\\bat (?:serving|inference) time\\b',
      ].join('|'),
      'i',
    ),
    prior: { symptom: { 'wrong-model': 3.0 } },
  },
  {
    id: 'feature-request',
    meaning: 'a feature request or proposal',
    pattern:
      /🚀|\bfeature request\b|##\s*feature\b|\bproposal\b|\bwould (?:be|it be) (?:nice|great|helpful|useful|good|better)|\bit would be\b|\bplease (?:add|support)\b|\badd(?:ing)? support\b|\bis there (?:any|a) plan|\bplan(?:s|ned)? to support\b|\brequest(?:ing)? support\b|\benhancement\b|\benable (?:the )?(?:converter|support)|希望支持|请求支持|能否支持|是否支持|サポートしてほしい|対応してほしい|지원 요청|solicitud de (?:soporte|función)|добавить поддержку/i,
    prior: { symptom: { unreported: 1.0 }, cause: { incompatibility: 0.8 } },
  },
  {
    id: 'title-request',
    meaning: 'the title asks for something new',
    scope: 'title',
    pattern:
      /^\s*(?:\[[^\]\n]{0,40}\]\s*)*(?:add|support|enable|allow|implement|make|need|option|feature|request|proposal|provide|expose|improve|upgrade|force)\b|\bsupport(?: for [\w.]+)?\s*\??\s*$|\boption to\b|\bplease support\b|\bis there any plan\b/i,
    prior: { symptom: { unreported: 1.0 } },
  },
  {
    id: 'maintenance-task',
    meaning: 'a maintenance task (refactoring, tests, CI, docs)',
    pattern:
      /\brefactor(?:ing)?\b|\bclean ?up\b|\bupgrade\b[^.\n]{0,30}\b(?:ci|tests?|jobs?)\b|\bdocumentation\b|\bmore readable\b|\bcode quality\b|\bci (?:job|jobs|pipeline|matrix)\b|\bunit ?tests?\b|\bflaky\b|\bdisabled? (?:the )?test/i,
    prior: { symptom: { unreported: 1.0 }, cause: { other: 1.0 }, component: { unknown: 1.0 } },
  },
  {
    id: 'opset-support',
    meaning: 'a request for a new opset or domain',
    pattern:
      /\bopset[- ]?(?:version )?\d+ support\b|\bsupports? (?:for )?(?:onnx )?opset[- ]?(?:version )?\d+|\bsupport (?:the )?[\w.]+ domains?\b/i,
    prior: { symptom: { unreported: 1.5 }, cause: { incompatibility: 1.0 }, component: { unknown: 2.0 } },
  },
  {
    id: 'build-or-install',
    meaning: 'the converter cannot be built, installed or imported',
    pattern:
      /\bNo module named\b|\bModuleNotFoundError\b|\bImportError\b|\bcannot import name\b|\bDLL load failed\b|\bfail(?:s|ed)? to (?:build|compile|install)\b|\bbuild (?:fail(?:s|ed|ure)?|error|broken)\b|\bpip install (?:fail\w*|error)|\bcompil(?:e|ation|er) (?:error|fail\w*)|\bundefined (?:reference|symbol)\b|\blinker (?:error|fail\w*)|\b(?:gcc|cmake|setup\.py|wheel)\b[^.\n]{0,40}\b(?:error|fail\w*|doesn't work|does not work)\b|\bdependency (?:conflict|resolution)|\bconflict is caused by\b|\bResolutionImpossible\b|\bcould not find a version\b|\bcould not be installed\b|安装失败|编译失败|インストールでき|ビルドに失敗/i,
    prior: {
      symptom: { 'build-failure': 4.0, crash: -0.5 },
      cause: { other: 2.0 },
      component: { unknown: 3.0 },
    },
  },
  {
    id: 'performance',
    meaning: 'the model is slow or bloated',
    pattern:
      /\bslow(?:er|ly|down|s)?\b|\bperformance\b|\blatency\b|\binference time\b|\bthroughput\b|\bspeed ?up\b|\bcostly\b|\bredundant\b|\bunnecessary\b|\bsuperfluous\b|\bduplicat(?:e|ed|es)\b|\btoo many (?:nodes|ops|casts|transposes|reshapes)\b|\btoo many \w+ (?:ops|operations|nodes|operators)\b|\btakes? (?:too|very|so) long\b|\bbloat\w*|\bmemory (?:usage|consumption|footprint)\b|\bmodel size\b|很慢|速度慢|变慢|性能|遅い|速度が|느림|lento|медленн/i,
    prior: {
      symptom: { 'bad-performance': 3.5 },
      cause: { 'algorithmic-error': 1.0 },
      component: { 'graph-optimization': 1.0 },
    },
  },
  {
    id: 'hang',
    meaning: 'the run hangs or never ends',
    pattern:
      /\bhang(?:s|ing)?\b|\bhung\b|\bstuck\b|\bnever (?:finish|return|complete|end|terminate)s?\b|\binfinite loop\b|\bdeadlock\w*|\btakes forever\b|\bruns? forever\b|\bno progress\b|\bdoes(?:n't| not) (?:terminate|finish|return)\b|\bfreezes\b|卡住|卡死|无响应|没有响应|フリーズ|止まる|終わらない|멈춤|se cuelga|se queda colgado|завис/i,
    prior: { symptom: { hang: 5.5, crash: -0.5 }, cause: { 'algorithmic-error': 0.5 } },
  },

  // ---- root cause ------------------------------------------------------------------------
  {
    id: 'unsupported-op',
    meaning: 'an operator or feature the converter does not support',
    pattern:
      /\bUnsupportedOperatorError\b|\b(?:is|are) not supported\b|\bnot (?:yet )?supported\b|\b(?:is|are)n't (?:yet |natively |currently )?supported\b|\bdo(?:es)?(?: not|n't) (?:yet |currently )?support\b|\bno support (?:for|of)\b|\bnot (?:onnx[- ])?exportable\b|\bunsupported (?:op|ops|operator|operators|layer|node)\b|\bUnsupported ops\b|\bop \[[^\]\n]{1,200}\] is not supported|\bsymbolic\w*\.\w+ does not exist\b|\bdoes not exist in (?:the )?(?:onnx|opset)|\bcouldn't export (?:python )?operator\b|\bno (?:converter|handler|symbolic)\b|\bexport failed on ATen operator\b|\bnot (?:yet )?implemented\b|\bmissing (?:op|operator)\b|不支持|未支持|暂不支持|サポートされていない|サポートされていません|未対応|지원되지 않|no (?:es )?(?:compatible|soportad[oa])|não (?:é )?suportad|не поддерживается/i,
    prior: {
      symptom: { crash: 0.8 },
      cause: { incompatibility: 2.0 },
      component: { 'node-conversion': 1.0 },
    },
  },
  {
    id: 'dtype',
    meaning: 'data-type vocabulary',
    pattern: DTYPE_PATTERN,
    // Anywhere, including reproducer code (`dtype=torch.float32`): a weak cue.
    prior: { cause: { 'type-problem': 0.5 } },
  },
  {
    id: 'dtype-at-failure',
    meaning: 'a data type named where the failure is stated',
    scope: 'failure',
    pattern: DTYPE_PATTERN,
    prior: { cause: { 'type-problem': 1.2 } },
  },
  {
    id: 'attribute',
    meaning: 'an operator attribute or argument value',
    pattern:
      /\battributes?\b|\bmomentum\b|\bseed\b|\bcoordinate_transformation_mode\b|\balign_corners\b|\b\w+_mask\b|\bdefault (?:value|stride|argument|mode)\b|\bkeepdims?\b|\bceil_mode\b|\boutput[ _]padding\b|\bdilation\w*/i,
    prior: { cause: { 'type-problem': 0.8 } },
  },
  {
    id: 'shape',
    meaning: 'shape, rank or axis vocabulary',
    pattern: SHAPE_PATTERN,
    // Anywhere, including reproducer code (`x.shape`, `dim=1`): a weak cue.
    prior: { cause: { 'shape-problem': 0.5 } },
  },
  {
    id: 'shape-at-failure',
    meaning: 'a shape, rank or axis named where the failure is stated',
    scope: 'failure',
    pattern: SHAPE_PATTERN,
    prior: { cause: { 'shape-problem': 1.5 } },
  },
  {
    id: 'shape-inference-error',
    meaning: 'an ONNX shape-inference error',
    pattern: /ShapeInferenceError|shape inference (?:error|fail\w*)|Shape mismatch/i,
    prior: { symptom: { 'wrong-model': 0.5 }, cause: { 'shape-problem': 1.0 } },
  },
  {
    id: 'optimizer',
    meaning: 'a graph optimization pass (failing, or missing a rewrite)',
    pattern:
      /\btranspose[ _]?optimi[sz]\w*|\boptimize_transpose\b|\boptimizers?\b[^.\n]{0,40}\b(?:fails?|failed|errors?|bugs?|breaks?|wrong)\b|\boptimi[sz]ation (?:fails?|failed|errors?|bugs?|pass)\b|\bfailed to apply optimi[sz]\w*|\bconstant[ _-]?fold(?:ing)? (?:fails?|failed|errors?|bugs?|is wrong|removes?)\b|\bfold(?:ing)? (?:transpose|constant|const)\w*|\b(?:should|could|need to|needs to|can) (?:be )?(?:optimi[sz]e|fuse|merge|eliminate|fold)\w*|\bnot (?:fused|folded|merged|eliminated)\b|\bmerge (?:\w+ )?(?:duplicated|redundant|consecutive)\b|\b(?:framed|surrounded|sandwiched) (?:by|between) (?:\w+ )?(?:transposes|casts|reshapes)\b|\binsert(?:s|ed|ing)? (?:\w+ )?(?:casts?|transposes?|reshapes?|identit(?:y|ies))\b|\binstead of (?:using )?(?:a |the )?(?:single|fused|one)\b|\b_jit_pass_(?:peephole|constant_fold|dce|lint|onnx_peephole|onnx_remove|onnx_eval|erase)\w*|\bpeephole\b/i,
    prior: { cause: { 'algorithmic-error': 1.5 }, component: { 'graph-optimization': 3.0 } },
  },
  {
    id: 'rewrite-logic',
    meaning: 'the logic of a rewrite or pattern match',
    pattern:
      /\brewriters?\b|\brewrite_\w+|\bpattern(?:s| match\w*)\b|\bmatch(?:ed|es|ing)? (?:the |a )?(?:wrong|incorrect)\b|\bdecomposed\b|\bwrong order\b|\bcondition\b[^.\n]{0,30}\b(?:wrong|not checked|too loose|strictly)\b/i,
    prior: { cause: { 'algorithmic-error': 1.2 } },
  },
  {
    id: 'api-usage',
    meaning: 'a question about how to call the converter',
    pattern:
      /\bhow (?:do|can|to|should) i\b|\bi am (?:new|a beginner)\b|\bam i doing\b|\bcorrect way\b|\bright way\b|\bwhat am i\b|\binput\/output names?\b|\b(?:input|output) names? (?:is |are )?(?:wrong|missing|not found|empty)|\bfile does not exist\b|\bno such file\b|\bwrong (?:argument|parameter|usage)\b|\bmissing (?:\d+ )?required (?:positional )?argument\b|\bunexpected keyword argument\b|\bplease help\b|\bany (?:ideas|suggestions)\b/i,
    prior: { cause: { 'api-misuse': 1.5 } },
  },
  {
    id: 'test-or-ci',
    meaning: 'tests or CI infrastructure',
    pattern:
      /\bflaky\b|\bTestONNX\w*|\btest_\w+ (?:is|fails|failed|does not work)|\bcircleci\b|\bCI (?:job|pipeline|failure|fails)\b|\bnightly (?:build|job)\b|\bunittest[- _]matrix\b|\bdisabled by\b/i,
    prior: { cause: { other: 2.0 }, component: { unknown: 2.0 } },
  },

  // ---- converter stage -------------------------------------------------------------------
  {
    id: 'op-conversion-frame',
    meaning: 'a per-operator conversion function in the traceback',
    pattern:
      /symbolic_opset\d*|symbolic_helper|_run_symbolic_function|\bsymbolic\b|onnx_opset[/\\.]|tensorflow_onnx_mapping|Failed to convert node|\bop handler|\bhandlers?\b|tfonnx\.py|tflite_handlers|OP=\w+/,
    prior: { component: { 'node-conversion': 1.0 } },
  },
  {
    id: 'tracing',
    meaning: 'capturing the source graph (tracing, scripting, graph loading)',
    pattern:
      /\btrace sanity check\b|\bTracerWarning\b|\btrac(?:ing|er) (?:fail\w*|errors?|bugs?|issues?|problems?)\b|\bfail\w* (?:to|during|while|when) trac(?:e|ing)\b|\b(?:exclude|skip|ignore)\b[^.\n]{0,40}\bfrom (?:the )?trac(?:e|ing)\b|\b_get_trace_graph\b|\btf_loader\.py\b|\bfreeze_graph\b[^.\n]{0,40}\b(?:fail\w*|errors?)\b|\bsaved ?model\b[^.\n]{0,30}\b(?:load\w*|import\w*) (?:fail\w*|errors?)\b|\bmight cause the trace to be incorrect\b|\bwill be treated as a constant\b|\brecorded as (?:a )?constants?\b/i,
    prior: { component: { tracer: 4.0 } },
  },
  {
    id: 'checker',
    meaning: 'the ONNX checker / validation stage reports a problem',
    pattern:
      /\bValidationError\b|\bCheckerError\b|\bchecker\b[^.\n]{0,40}\b(?:fails?|failed|errors?|complains?|rejects?)\b|\bcheck_model\b[^\n]{0,40}\b(?:fails?|failed|errors?)\b|\bmodel is invalid\b|onnx_cpp2py_export\.checker|\bvalidat(?:e|ion|or) (?:fails?|failed|errors?)\b/i,
    prior: { component: { validation: 4.5 } },
  },
  {
    id: 'protobuf',
    meaning: 'reading or writing the protobuf model file',
    pattern:
      /\bprotobuf (?:size|limit|message|error|serializ\w*|pars\w*|decod\w*|fail\w*)|\b2 ?GB\b|\b2GiB\b|\bByteSize\b|SerializeToString|ParseFromString|\bDecodeError\b|\bexternal data\b|\bexceeds? (?:the )?(?:maximum|limit|2)|\bExceeded maximum protobuf size\b|\bmessage size\b|SavedModel file does not exist|\bfile (?:is )?(?:corrupt|truncated)|\bgoogle\.protobuf\.message\b|\bmessage_lite\.cc\b/i,
    prior: { component: { serialization: 4.5 } },
  },
  {
    // The bare word is also a package name (dependency pins, installs): a weak cue only.
    id: 'protobuf-word',
    meaning: 'protobuf is named',
    pattern: /\bprotobuf\b/i,
    prior: { component: { serialization: 1.0 } },
  },

  // ---- exporter structure of the dynamo era (torch.export / dynamo_export / onnxscript) ----
  {
    id: 'capture-step-failed',
    meaning: 'the exporter failed while capturing the graph (torch.export / dynamo, step 1)',
    pattern:
      /\bstep 1\/\d\b|Failed to export the model with torch\.export|\bTorchExportError\b|torch\._dynamo\.exc\.\w+|\bgraph breaks?\b|GuardOnDataDependentSymNode|\bUnsupported: TorchDynamo\b|❌ Obtain model graph|\bfx_tracer\b|\bdynamo_graph_extractor\b/,
    prior: { symptom: { crash: 0.5 }, component: { tracer: 4.0 } },
  },
  {
    id: 'translate-step-failed',
    meaning: 'the exporter failed while decomposing or translating operators (steps 2-3)',
    pattern:
      /\bstep [23]\/3\b|Failed to (?:decompose|convert) the (?:FX graph|exported program)|❌ (?:Decompose operators|Translate the graph)|\bNo ONNX function found for\b|\bUnsupported FX nodes\b|\bDispatchError\b|\bOnnxExporterError\b[^\n]{0,80}\b(?:translat|dispatch)/,
    prior: { symptom: { crash: 0.5 }, component: { 'node-conversion': 2.0 } },
  },
  {
    id: 'check-step-failed',
    meaning: 'the exporter report says the ONNX checker or runtime step failed',
    pattern:
      /❌ Run `?onnx\.checker|❌ Execute the model with ONNX Runtime|❌ Validate model output accuracy/,
    prior: { symptom: { 'wrong-model': 1.5 } },
  },
  {
    id: 'dependency-conflict',
    meaning: 'a package or dependency version conflict, or a broken installation',
    pattern:
      /\bunable to import\b|\bcan(?:'t|not) import (?:tf2onnx|onnx|torch|onnxruntime)\b|\bcannot open shared object file\b|\brequires [\w.-]{1,40} ?(?:[<>=~!]=?|\()[^\n]{0,60}\bwhich is incompatible\b|\bwhich is incompatible\b|\bversion solving failed\b|\bdependency resolver\b|\bdepends on [\w.-]{1,40} \([<>=~!]/i,
    prior: {
      symptom: { 'build-failure': 3.0, crash: -0.5 },
      cause: { other: 1.5 },
      component: { unknown: 2.5 },
    },
  },
  {
    id: 'error-reporting',
    meaning: 'how errors are raised or reported (swallowed, silent, misleading)',
    pattern:
      /\bsilent(?:ly)? (?:crash\w*|fail\w*|ignor\w*|drop\w*)|\bwithout (?:any |an )?(?:error|warning|exception)\b|\b(?:misleading|confusing|unclear|better|more helpful|actionable) (?:error|exception|warning)s?\b|\berror (?:message|class)e?s? (?:is |are )?(?:misleading|confusing|wrong|unclear)|\bswallow(?:s|ed)?\b/i,
    prior: { cause: { other: 1.0 } },
  },
  {
    id: 'usage-hint',
    meaning: 'the message tells the user to call the API differently',
    pattern:
      /\bplease specify\b|\bmust be (?:a |an )?(?:file path|string|path|tuple|list|dict)\b|\bexpected (?:a |an )?(?:file path|tuple|str|string) (?:but|got)\b|\bmodel\.eval\(\)|\bdid you mean\b/i,
    prior: { cause: { 'api-misuse': 1.0 } },
  },
  // ---- broad vocabulary of each stage (issue 15, round 2) ----------------------------------
  // Written from the taxonomy's definition of each stage and each symptom, as plain vocabulary
  // rather than phrasings of particular issues; their weights are mostly learned (train.ts).
  {
    id: 'capture-words',
    meaning: 'graph capture by dynamo / torch.export',
    // TorchScript tracing and scripting are left out: the paper's annotators put those issues in
    // node conversion (docs/triage-codebook.md, revision 2).
    pattern:
      /\bdynamo(?:_export)?\b|\btorch\.export\b|\bexport\.export\b|\bdynamo=True\b|\bgraph breaks?\b|\bFakeTensor\b|\bSymInt\b|\bExportedProgram\b/i,
    prior: { component: { tracer: 0.5 } },
  },
  {
    id: 'rewrite-words',
    meaning: 'graph rewriting vocabulary (transposes, folding, fusion, optimizer, redundant nodes)',
    pattern:
      /\btransposes\b|\btranspose (?:ops|operations|nodes|operators)\b|\bconst(?:ant)?[ _-]?fold\w*|\bfus(?:e|ed|es|ing|ion)\b|\boptimi[sz](?:er|ers|ation|ations|e|ed|ing)\b|\bredundant\b|\bunnecessary\b|\bsimplif(?:y|ied|ier)\b|\beliminat\w+|\bmerg(?:e|ed|ing) (?:\w+ )?(?:nodes|ops)\b|\binstead of (?:an? |the )?(?:single |fused |native )?(?:onnx )?\w+ (?:op|operator|layer|node)\b/i,
    prior: { cause: { 'algorithmic-error': 0.3 }, component: { 'graph-optimization': 0.8 } },
  },
  {
    id: 'project-words',
    meaning: 'the converter project itself (tests, CI, diagnostics, docs, releases, supported-op lists)',
    pattern:
      /\bCI\b|\bflak(?:y|e|es|iness)\b|\btest[_/]onnx\b|\btest_\w+\.py\b|\bunit ?tests?\b|\btest suite\b|\brun_test\b|\bdiagnostics?\b|\bdocumentation\b|\bdocs\b|\breleases?\b|\bchangelog\b|\b(?:list|table) of (?:the )?(?:supported )?(?:ops|operators)\b|\bsupported (?:ops|operators) (?:list|table)\b|\bexporter errors\b|\bdeps\b/i,
    prior: { cause: { other: 0.5 }, component: { unknown: 0.8 } },
  },
  {
    id: 'exported-model-fails',
    meaning: 'the exported model fails to load, run or pass the checker',
    pattern:
      /\b(?:fail(?:s|ed)?|unable|cannot|can't|errors?|issue|problem)\b[^.\n]{0,12}\b(?:to |when |while |on )?(?:run(?:ning)?|load(?:ing)?|infer(?:ence|ring)?|execut(?:e|ing))\b[^.\n]{0,25}\b(?:onnx|exported|converted)\b|\bcheck_model\b|\bonnx\.checker\b|\bInferenceSession\b|\bafter (?:the )?(?:conversion|converting|export(?:ing)?)\b[^.\n]{0,30}\b(?:fail\w*|errors?|crash\w*)\b/i,
    prior: { symptom: { 'wrong-model': 0.8 } },
  },
  {
    id: 'version-support-request',
    meaning: 'a request to support a newer framework, ONNX or opset version',
    pattern:
      /\bsupport (?:for )?(?:the )?(?:latest|newest|new|newer) (?:version|release|tensorflow|tf|pytorch|torch|onnx|opset)\b|\bneeds? to support (?:the )?(?:latest|newer|new)\b|\bplease support (?:onnx|tensorflow|tf|pytorch|torch|opset) ?v?\d/i,
    prior: { symptom: { unreported: 1.5 }, cause: { incompatibility: 1.0 }, component: { unknown: 1.5 } },
  },
];

/** Pattern signals that mean "a failure was reported". */
const FAILURE_SIGNALS = [
  'traceback',
  'exception-raised',
  'failure-words',
  'internal-assert',
  'title-error',
  'output-mismatch',
  'wrong-graph',
  'title-wrong-result',
  'runtime-rejects-model',
  'unsupported-op',
  'build-or-install',
  'dependency-conflict',
  'hang',
  'capture-step-failed',
  'translate-step-failed',
  'check-step-failed',
];
/** An issue shorter than this says too little for "no failure mentioned" to mean anything. */
const MIN_TEXT_FOR_SILENCE = 8;
const REQUEST_SIGNALS = [
  'feature-request',
  'title-request',
  'opset-support',
  'maintenance-task',
  'version-support-request',
];

export const DERIVED_SIGNALS: readonly DerivedSignal[] = [
  {
    id: 'request-without-failure',
    meaning: 'a request or task with no failure reported',
    when: (fired) => REQUEST_SIGNALS.some((s) => fired.has(s)) && !FAILURE_SIGNALS.some((s) => fired.has(s)),
    prior: { symptom: { unreported: 2.0, crash: -0.5 } },
  },
  {
    id: 'optimization-request',
    meaning: 'a missed optimization, with no failure reported',
    when: (fired) => fired.has('optimizer') && !FAILURE_SIGNALS.some((s) => fired.has(s)),
    // A rewrite the optimizer misses is a wrong or missing transformation rule.
    prior: {
      symptom: { unreported: 1.0, 'bad-performance': 1.0, 'wrong-model': -0.5 },
      cause: { 'algorithmic-error': 1.0 },
    },
  },
  {
    id: 'unsupported-attribute',
    meaning: 'an attribute or argument value of a known operator is not supported',
    // The operator converts, one of its settings does not: the emitted node is wrong for that
    // setting (a node type problem), rather than the operator being missing altogether.
    when: (fired) => fired.has('unsupported-op') && fired.has('attribute'),
    prior: { cause: { 'type-problem': 1.5, incompatibility: -1.0 } },
  },
  {
    id: 'no-failure-reported',
    meaning: 'no error, traceback or failure described',
    when: (fired, textLength) =>
      textLength >= MIN_TEXT_FOR_SILENCE && !FAILURE_SIGNALS.some((s) => fired.has(s)),
    // Nothing failed loudly: not a crash. (Its former push towards wrong-model was dropped
    // after the cue audit: on own-labelled issues, which it was not derived from, wrong models
    // were no more common among silent reports than overall; requests were.)
    prior: { symptom: { crash: -1.0 } },
  },
];

/**
 * Traceback structure (frames.ts): per converter stage, "some frame belongs to it" and "the
 * deepest converter frame belongs to it". Priors follow the taxonomy's definition of each
 * stage, not the dev data.
 */
export interface FrameSignal {
  id: string;
  meaning: string;
  stage: FrameStage;
  deepest: boolean;
  prior: SignalPrior;
}

const FRAME_STAGE_WORDS: Record<FrameStage, string> = {
  'node-conversion': 'a per-operator conversion function (symbolic / op handler / translation)',
  'graph-optimization': 'an optimization or rewrite pass',
  tracer: 'graph capture (tracing, dynamo, torch.export, TF graph loading)',
  validation: 'the ONNX checker or shape inference',
  serialization: 'protobuf serialization or external data',
};

export const FRAME_SIGNALS: readonly FrameSignal[] = (
  ['node-conversion', 'graph-optimization', 'tracer', 'validation', 'serialization'] as const
).flatMap((stage) => [
  {
    id: `frame-${stage}`,
    meaning: `the traceback passes through ${FRAME_STAGE_WORDS[stage]}`,
    stage,
    deepest: false,
    prior: { component: { [stage]: 0.5 } },
  },
  {
    id: `deepest-frame-${stage}`,
    meaning: `the failure surfaced in ${FRAME_STAGE_WORDS[stage]}`,
    stage,
    deepest: true,
    prior: { component: { [stage]: stage === 'node-conversion' ? 1.0 : 2.5 } },
  },
]);

/** Every signal id with its meaning and prior, in feature order. */
export const SIGNALS: readonly { id: string; meaning: string; prior: SignalPrior }[] = [
  ...PATTERN_SIGNALS,
  ...FRAME_SIGNALS,
  ...DERIVED_SIGNALS,
];

export const SIGNAL_BY_ID: ReadonlyMap<string, { id: string; meaning: string }> = new Map(
  SIGNALS.map((s) => [s.id, s]),
);

// ---- root cause given the other two fields ------------------------------------------------
// The cause model also reads the symptom and stage the other two models predict (feature
// `stage:<field>=<label>`, valued by that label's calibrated probability). Priors follow the
// taxonomy's definitions, not the dev set: a defect in a graph-optimization pass is a wrong
// rewrite (algorithmic error); a build, CI or packaging failure lies outside the conversion
// logic (misconfiguration, testing: "other"); a needless-node performance problem is a missed
// or wrong rewrite; and when a model *was* produced but is wrong, the converter supported the
// operator (so not an incompatibility) and emitted a wrong node, attribute or type (a node
// type problem) more often than anything else.

/** Fields whose predicted label the cause model reads. */
export const STAGE_FIELDS = ['symptom', 'component'] as const;
export type StageField = (typeof STAGE_FIELDS)[number];

export const STAGE_FEATURE_PREFIX = 'stage:';
export const stageFeature = (field: StageField, label: string): string =>
  `${STAGE_FEATURE_PREFIX}${field}=${label}`;

export const STAGE_CAUSE_PRIORS: Readonly<Record<string, Partial<Record<Cause, number>>>> = {
  [stageFeature('component', 'graph-optimization')]: { 'algorithmic-error': 1.5 },
  [stageFeature('component', 'unknown')]: { other: 1.0 },
  [stageFeature('symptom', 'build-failure')]: { other: 1.5 },
  [stageFeature('symptom', 'bad-performance')]: { 'algorithmic-error': 1.0 },
  [stageFeature('symptom', 'wrong-model')]: { 'type-problem': 0.8, incompatibility: -0.5 },
};
