// Probot entry for `probot run ./build/app/index.js`: the default export is the app function.
// It refuses to load without a real webhook secret (Probot would fall back to "development").

import type { ApplicationFunction } from 'probot';
import { createApp } from './app.js';

export { createApp } from './app.js';
export { actionsMain, runInActions } from './actions.js';
export { serveFromEnv, serveMain, startServer } from './server.js';
export { GATE_ARTIFACT } from '../gate/artifact-layout.js';

const probotApp: ApplicationFunction = (app, options) => {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret || secret === 'development') {
    throw new Error('convgate app: WEBHOOK_SECRET is required (unsigned webhooks are never accepted)');
  }
  const appId = Number(process.env.APP_ID);
  const botLogin = process.env.APP_BOT_LOGIN;
  return createApp({
    identity: {
      ...(Number.isInteger(appId) && appId > 0 ? { appId } : {}),
      ...(botLogin ? { botLogin } : {}),
    },
  })(app, options);
};

export default probotApp;
