// Who "we" are on GitHub: comments and label events made by this app are recognised by the
// app id GitHub records on them (App mode) or by the bot login (e.g. github-actions[bot] when
// the handlers run inside a workflow with GITHUB_TOKEN).

export interface AppIdentity {
  /** Numeric GitHub App id (APP_ID). */
  appId?: number;
  /** Login of the bot user, e.g. "convgate[bot]" or "github-actions[bot]". */
  botLogin?: string;
}

export interface Actor {
  login?: string | null;
  type?: string | null;
}

/** Was this comment/event made by this app? With no identity configured: by any bot. */
export function isSelf(
  actor: Actor | null | undefined,
  via: { id?: number | null } | null | undefined,
  identity: AppIdentity,
): boolean {
  if (!actor || actor.type !== 'Bot') return false;
  if (identity.appId === undefined && identity.botLogin === undefined) return true;
  if (identity.appId !== undefined && via?.id === identity.appId) return true;
  if (identity.botLogin !== undefined && actor.login?.toLowerCase() === identity.botLogin.toLowerCase())
    return true;
  return false;
}
