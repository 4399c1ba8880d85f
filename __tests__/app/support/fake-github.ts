// An in-memory stand-in for the GitHub REST endpoints the app calls. One routing function,
// used both behind nock (unit tests) and behind a real HTTP server on 127.0.0.1 (end-to-end).
// Every request is recorded so tests can check the exact calls.

export interface Recorded {
  method: string;
  /** Path without the API prefix and query, e.g. /repos/o/r/issues/2/comments. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
  performed_via_github_app: { id: number } | null;
}

interface LabelEvent {
  id: number;
  event: 'labeled' | 'unlabeled';
  label: { name: string; color: string };
  actor: { login: string; type: string };
  performed_via_github_app: { id: number } | null;
}

export interface PullRequestEntry {
  number: number;
  head: { sha: string; ref: string; repo: { id: number }; label: string };
}

/** A workflow run as GET /repos/{o}/{r}/actions/runs/{id} returns it (the fields the app reads). */
export interface WorkflowRunEntry {
  id: number;
  run_attempt: number;
  head_sha: string;
  name: string;
  path: string;
  repository: { id: number; full_name: string };
}

export const BOT = { login: 'convgate[bot]', appId: 4242 };

export class FakeGitHub {
  readonly calls: Recorded[] = [];
  readonly comments = new Map<number, Comment[]>();
  readonly labels = new Map<string, { name: string; color: string; description: string }>();
  readonly issueLabels = new Map<number, string[]>();
  readonly events = new Map<number, LabelEvent[]>();
  readonly artifacts = new Map<
    number,
    { id: number; name: string; zip: Uint8Array; expired?: boolean; size?: number }
  >();
  pulls: PullRequestEntry[] = [];
  /** Workflow runs of this repository, by id (GET /actions/runs/{id}). */
  readonly runs = new Map<number, WorkflowRunEntry>();
  /** YAML text of .github/convgate.yml (null: no file). */
  config: string | null = null;
  /** "METHOD /path" → HTTP status to fail with (simulates GitHub trouble). */
  readonly failures = new Map<string, number>();
  /** Where artifact downloads redirect to (the blob host); set by the adapter. */
  blobBase = '';
  private nextId = 9000;

  constructor(
    readonly owner: string,
    readonly repo: string,
    /** Who the token belongs to (comments and label events are made as this bot). */
    readonly bot: { login: string; appId: number } = BOT,
  ) {}

  /** Comments as a person sees them (bodies). */
  commentBodies(issue: number): string[] {
    return (this.comments.get(issue) ?? []).map((c) => c.body);
  }

  /** The PR's head moves to `sha` (GET /pulls/{n} answers it; opened if unknown). */
  setHead(pr: number, sha: string, repoId = 1): void {
    const found = this.pulls.find((p) => p.number === pr);
    if (found) found.head.sha = sha;
    else this.pulls.push({ number: pr, head: { sha, ref: 'topic', repo: { id: repoId }, label: 'o:topic' } });
  }

  /** A comment by some bot (e.g. another workflow posting with GITHUB_TOKEN). */
  addBotComment(issue: number, body: string, login = this.bot.login): void {
    this.listOf(this.comments, issue).push({
      id: this.nextId++,
      body,
      user: { login, type: 'Bot' },
      performed_via_github_app: null,
    });
  }

  addHumanComment(issue: number, body: string, login = 'octocat'): void {
    this.listOf(this.comments, issue).push({
      id: this.nextId++,
      body,
      user: { login, type: 'User' },
      performed_via_github_app: null,
    });
  }

  /** A person (or another bot) takes a label off an issue. */
  removeLabelAs(issue: number, name: string, actor = { login: 'maintainer', type: 'User' }): void {
    this.issueLabels.set(
      issue,
      (this.issueLabels.get(issue) ?? []).filter((l) => l.toLowerCase() !== name.toLowerCase()),
    );
    this.listOf(this.events, issue).push({
      id: this.nextId++,
      event: 'unlabeled',
      label: { name, color: 'ededed' },
      actor,
      performed_via_github_app: null,
    });
  }

  /** Calls other than the installation token exchange, as "METHOD path". */
  apiCalls(): string[] {
    return this.calls.filter((c) => !c.path.endsWith('/access_tokens')).map((c) => `${c.method} ${c.path}`);
  }

  private listOf<T>(map: Map<number, T[]>, key: number): T[] {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  }

  handle(method: string, rawPath: string, body: unknown, authorization?: string): Reply {
    const url = new URL(rawPath, 'http://x');
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    this.calls.push({
      method,
      path,
      query,
      ...(body !== undefined ? { body } : {}),
      ...(authorization ? { authorization } : {}),
    });
    const failure = this.failures.get(`${method} ${path}`);
    if (failure) return { status: failure, body: { message: 'Server Error' } };
    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    const notFound: Reply = { status: 404, body: { message: 'Not Found' } };
    let m: RegExpMatchArray | null;

    if (method === 'POST' && (m = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/))) {
      return {
        status: 201,
        body: {
          token: `ghs_installation_${m[1]}`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: {
            actions: 'read',
            contents: 'read',
            issues: 'write',
            pull_requests: 'write',
            metadata: 'read',
          },
          repository_selection: 'all',
        },
      };
    }
    if (method === 'GET' && (m = path.match(/^\/_blob\/(\d+)$/))) {
      const a = [...this.artifacts.values()].find((x) => x.id === Number(m![1]));
      return a
        ? { status: 200, body: Buffer.from(a.zip), headers: { 'content-type': 'application/zip' } }
        : notFound;
    }
    if (!path.startsWith(`/repos/${this.owner}/`)) return notFound;

    // Config: own repository, then the owner's .github repository.
    if (method === 'GET' && (m = path.match(/^\/repos\/[^/]+\/([^/]+)\/contents\/(.+)$/))) {
      if (m[1] === this.repo && m[2] === '.github/convgate.yml' && this.config !== null) {
        return {
          status: 200,
          body: this.config,
          headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
        };
      }
      return notFound;
    }
    if (!path.startsWith(repoPrefix)) return notFound;
    const rest = path.slice(repoPrefix.length);

    if (method === 'GET' && (m = rest.match(/^\/actions\/runs\/(\d+)\/artifacts$/))) {
      const a = this.artifacts.get(Number(m[1]));
      const list = a && (!query.name || query.name === a.name) ? [a] : [];
      return {
        status: 200,
        body: {
          total_count: list.length,
          artifacts: list.map((x) => ({
            id: x.id,
            name: x.name,
            size_in_bytes: x.size ?? x.zip.length,
            expired: x.expired ?? false,
            archive_download_url: `https://api.github.com${repoPrefix}/actions/artifacts/${x.id}/zip`,
          })),
        },
      };
    }
    if (method === 'GET' && (m = rest.match(/^\/actions\/artifacts\/(\d+)\/zip$/))) {
      return { status: 302, headers: { location: `${this.blobBase}/_blob/${m[1]}` } };
    }
    if (method === 'GET' && (m = rest.match(/^\/pulls\/(\d+)$/))) {
      const pr = this.pulls.find((p) => p.number === Number(m![1]));
      return pr ? { status: 200, body: { ...pr, state: 'open' } } : notFound;
    }
    if (method === 'GET' && (m = rest.match(/^\/actions\/runs\/(\d+)$/))) {
      const run = this.runs.get(Number(m[1]));
      return run ? { status: 200, body: run } : notFound;
    }
    if (method === 'GET' && rest === '/pulls') {
      const head = query.head;
      return { status: 200, body: this.pulls.filter((p) => !head || p.head.label === head) };
    }
    if ((m = rest.match(/^\/issues\/(\d+)\/comments$/))) {
      const issue = Number(m[1]);
      if (method === 'GET') return { status: 200, body: this.comments.get(issue) ?? [] };
      if (method === 'POST') {
        const c: Comment = {
          id: this.nextId++,
          body: String((body as { body: string }).body),
          user: { login: this.bot.login, type: 'Bot' },
          performed_via_github_app: { id: this.bot.appId },
        };
        this.listOf(this.comments, issue).push(c);
        return { status: 201, body: c };
      }
    }
    if ((m = rest.match(/^\/issues\/comments\/(\d+)$/))) {
      const id = Number(m[1]);
      for (const [issue, list] of this.comments) {
        const i = list.findIndex((c) => c.id === id);
        if (i < 0) continue;
        if (method === 'PATCH') {
          list[i] = { ...list[i], body: String((body as { body: string }).body) };
          return { status: 200, body: list[i] };
        }
        if (method === 'DELETE') {
          list.splice(i, 1);
          this.comments.set(issue, list);
          return { status: 204 };
        }
      }
      return notFound;
    }
    if (method === 'GET' && (m = rest.match(/^\/issues\/(\d+)\/events$/))) {
      return { status: 200, body: this.events.get(Number(m[1])) ?? [] };
    }
    if ((m = rest.match(/^\/labels\/(.+)$/)) && method === 'GET') {
      const l = this.labels.get(m[1].toLowerCase());
      return l ? { status: 200, body: l } : notFound;
    }
    if (method === 'POST' && rest === '/labels') {
      const l = body as { name: string; color: string; description: string };
      if (this.labels.has(l.name.toLowerCase()))
        return { status: 422, body: { message: 'Validation Failed' } };
      this.labels.set(l.name.toLowerCase(), l);
      return { status: 201, body: l };
    }
    if (method === 'POST' && (m = rest.match(/^\/issues\/(\d+)\/labels$/))) {
      const issue = Number(m[1]);
      const names = (body as { labels: string[] }).labels;
      const now = this.issueLabels.get(issue) ?? [];
      for (const name of names) {
        if (now.some((l) => l.toLowerCase() === name.toLowerCase())) continue;
        now.push(name);
        this.listOf(this.events, issue).push({
          id: this.nextId++,
          event: 'labeled',
          label: { name, color: 'ededed' },
          actor: { login: this.bot.login, type: 'Bot' },
          performed_via_github_app: { id: this.bot.appId },
        });
      }
      this.issueLabels.set(issue, now);
      return { status: 200, body: now.map((name) => ({ name })) };
    }
    if (method === 'DELETE' && (m = rest.match(/^\/issues\/(\d+)\/labels\/(.+)$/))) {
      const issue = Number(m[1]);
      const now = this.issueLabels.get(issue) ?? [];
      if (!now.some((l) => l.toLowerCase() === m![2].toLowerCase())) return notFound;
      this.issueLabels.set(
        issue,
        now.filter((l) => l.toLowerCase() !== m![2].toLowerCase()),
      );
      this.listOf(this.events, issue).push({
        id: this.nextId++,
        event: 'unlabeled',
        label: { name: m[2], color: 'ededed' },
        actor: { login: this.bot.login, type: 'Bot' },
        performed_via_github_app: { id: this.bot.appId },
      });
      return { status: 200, body: [] };
    }
    return notFound;
  }
}
