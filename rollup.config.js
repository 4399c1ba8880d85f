// Bundles the GitHub Action into dist/ (committed; `.ci/run` rebuilds it and fails on a diff):
//   dist/index.js       the Action's entry (runs.main in action.yml)
//   dist/ort-worker.js  the ONNX Runtime check worker, forked by the entry (a separate process)
//   dist/node_modules/  onnxruntime-node + onnxruntime-common, copied, not bundled: a native addon
//                       loaded from its own package folder (Linux x64 and arm64 binaries only), with
//                       ONNX Runtime's LICENSE and ThirdPartyNotices.txt (third_party/onnxruntime/).
// python/ and corpus/ are reached from the repository root (src/util/paths.ts finds package.json).
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';

const DIST = 'dist';
const ORT_PLATFORMS = ['linux/x64', 'linux/arm64'];

// A clean dist/ on every build: stale files would otherwise survive and the check-dist diff would miss them.
rmSync(DIST, { recursive: true, force: true });

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const external = (id) =>
  builtins.has(id) ||
  id.startsWith('node:') ||
  id === 'onnxruntime-node' ||
  id.startsWith('onnxruntime-node/');

/** Copies the files of a package that are needed at run time (no sources maps, typings, scripts). */
function copyPackage(name, keep) {
  const from = path.join('node_modules', name);
  const to = path.join(DIST, 'node_modules', name);
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(from, rel)).sort()) {
      const r = path.join(rel, entry);
      if (statSync(path.join(from, r)).isDirectory()) walk(r);
      else if (keep(r.split(path.sep).join('/'))) {
        mkdirSync(path.dirname(path.join(to, r)), { recursive: true });
        cpSync(path.join(from, r), path.join(to, r));
      }
    }
  };
  walk('');
}

function vendorOnnxRuntime() {
  return {
    name: 'vendor-onnxruntime',
    writeBundle() {
      if (existsSync(path.join(DIST, 'node_modules'))) return;
      const runtimeJs = (f) => /^dist\/.*\.(js|json)$/.test(f);
      copyPackage(
        'onnxruntime-node',
        (f) =>
          f === 'package.json' ||
          f === 'README.md' ||
          runtimeJs(f) ||
          ORT_PLATFORMS.some((p) => f.startsWith(`bin/napi-v6/${p}/`)),
      );
      copyPackage('onnxruntime-common', (f) => f === 'package.json' || f === 'README.md' || runtimeJs(f));
      // The npm packages carry no license file: ship ONNX Runtime's own with its binaries.
      for (const pkg of ['onnxruntime-node', 'onnxruntime-common'])
        for (const file of ['LICENSE', 'ThirdPartyNotices.txt'])
          cpSync(path.join('third_party', 'onnxruntime', file), path.join(DIST, 'node_modules', pkg, file));
    },
  };
}

const plugins = () => [
  typescript({
    tsconfig: 'tsconfig.build.json',
    outDir: DIST,
    sourceMap: false,
    inlineSources: false,
    declaration: false,
    noEmitOnError: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
  }),
  nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
  commonjs(),
  json(),
];

const onwarn = (warning, warn) => {
  // Dependencies' own circular imports and `this` at module level are harmless in Node.
  if (['CIRCULAR_DEPENDENCY', 'THIS_IS_UNDEFINED'].includes(warning.code)) return;
  // zod's explanatory comments next to @__PURE__ annotations: Rollup drops them, nothing else.
  if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules/zod/')) return;
  warn(warning);
};

export default [
  {
    input: 'src/action/index.ts',
    output: { file: `${DIST}/index.js`, format: 'es', inlineDynamicImports: true },
    external,
    plugins: plugins(),
    onwarn,
  },
  {
    input: 'src/check/ort-worker.ts',
    output: { file: `${DIST}/ort-worker.js`, format: 'es', inlineDynamicImports: true },
    external,
    plugins: [...plugins(), vendorOnnxRuntime()],
    onwarn,
  },
];
