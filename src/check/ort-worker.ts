/**
 * ONNX Runtime check worker, run as a child process (`fork`): a model that crashes or hangs
 * the runtime takes down this process only. Also keeps ORT out of Jest's VM realm.
 */
import * as ort from 'onnxruntime-node';
import { checkModel, errorOf } from './ort-check.js';
import type { CheckReply, CheckRequest, ProbeRequest } from './ort-protocol.js';
import { probeModel } from '../localize/ort-probe.js';

function send(reply: CheckReply): void {
  process.send?.(reply);
}

process.on('message', (msg: CheckRequest | ProbeRequest) => {
  if (msg?.type === 'probe') {
    probeModel(msg).then(
      (run) => send({ type: 'probed', id: msg.id, ok: true, run }),
      (e: unknown) =>
        send({ type: 'probed', id: msg.id, ok: false, error: String((e as Error)?.message ?? e) }),
    );
    return;
  }
  if (msg?.type !== 'check') return;
  checkModel(msg, (stage) => send({ type: 'stage', id: msg.id, stage })).then(send, (e: unknown) =>
    send({
      type: 'checked',
      id: msg.id,
      outcome: 'runtime-crash',
      outputs: [],
      timingsMs: { load: null, run: null },
      error: { ...errorOf('compare', e), type: 'CheckerInternalError' },
    }),
  );
});
// The orchestrator went away: nothing left to check for.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', ort: ort.env.versions.node ?? 'unknown' });
