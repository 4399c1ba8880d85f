// Puts a FakeGitHub behind nock (Probot's Octokit uses global fetch, which nock 14 intercepts).

import nock from 'nock';
import type { FakeGitHub } from './fake-github.js';

export const API = 'https://api.github.com';

export function nockGitHub(fake: FakeGitHub, base = API): nock.Scope {
  fake.blobBase = base;
  const scope = nock(base).persist();
  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    scope.intercept(/.*/, method).reply(function (uri, requestBody) {
      let body: unknown = requestBody === '' ? undefined : requestBody;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body);
        } catch {
          /* keep text */
        }
      }
      const auth = this.req.headers.authorization as string | undefined;
      const r = fake.handle(method, uri, body, auth);
      const payload =
        r.body === undefined
          ? ''
          : Buffer.isBuffer(r.body) || typeof r.body === 'string'
            ? r.body
            : JSON.stringify(r.body);
      return [r.status, payload, { 'content-type': 'application/json; charset=utf-8', ...r.headers }];
    });
  }
  return scope;
}
