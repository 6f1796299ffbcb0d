// Shared by the login and chat pages: configuration, the session and the HTTP calls.
//
// Every URL comes from GET /config (auth_url, ws_url) or is a path on this page's
// own origin, so the UI works wherever the backend runs.

const ACCESS_TOKEN_KEY = 'refapp.access_token';
const REFRESH_TOKEN_KEY = 'refapp.refresh_token';
// Why the user was sent to /login (e.g. "expired"); read once by the login page.
const LOGIN_NOTICE_KEY = 'refapp.login_notice';

/** A session the services no longer accept: the user has to sign in again. */
export class SessionExpiredError extends Error {
  constructor(message = 'the session has expired') {
    super(message);
    this.name = 'SessionExpiredError';
  }
}

/** True when the server switched on the UI fault `name` (see reference_app/faults.py). */
export function hasFault(name) {
  return Array.isArray(window.APP_FAULTS) && window.APP_FAULTS.includes(name);
}

let configPromise = null;

/** GET /config, once per page: {auth_url, ws_url, watchdog_seconds}. */
export function loadConfig() {
  if (!configPromise) {
    configPromise = fetch('/config', { cache: 'no-store' }).then(async (response) => {
      if (!response.ok) {
        throw new Error(`GET /config answered HTTP ${response.status}`);
      }
      return response.json();
    });
    // A failed load may be retried by a later call.
    configPromise.catch(() => {
      configPromise = null;
    });
  }
  return configPromise;
}

async function authUrl(path) {
  const config = await loadConfig();
  return `${String(config.auth_url).replace(/\/+$/, '')}${path}`;
}

// The session lives in localStorage so that it survives a reload and is captured
// by a browser's saved storage state.
export const session = {
  get accessToken() {
    return localStorage.getItem(ACCESS_TOKEN_KEY);
  },
  get refreshToken() {
    return localStorage.getItem(REFRESH_TOKEN_KEY);
  },
  exists() {
    return Boolean(this.accessToken || this.refreshToken);
  },
  save(tokens) {
    if (tokens.access_token) localStorage.setItem(ACCESS_TOKEN_KEY, tokens.access_token);
    if (tokens.refresh_token) localStorage.setItem(REFRESH_TOKEN_KEY, tokens.refresh_token);
  },
  clear() {
    localStorage.removeItem(ACCESS_TOKEN_KEY);
    localStorage.removeItem(REFRESH_TOKEN_KEY);
  },
};

export function setLoginNotice(reason) {
  localStorage.setItem(LOGIN_NOTICE_KEY, reason);
}

/** The reason the user was sent to /login, removed once read so a reload does not repeat it. */
export function takeLoginNotice() {
  const reason = localStorage.getItem(LOGIN_NOTICE_KEY);
  localStorage.removeItem(LOGIN_NOTICE_KEY);
  return reason;
}

/** Clears the session and leaves for /login, telling it why (e.g. "expired"). */
export function goToLogin(reason = null) {
  session.clear();
  if (reason) setLoginNotice(reason);
  location.replace('/login');
}

/** True when the JWT's `exp` has passed (or will within `marginSeconds`). Unreadable: false, the server decides. */
export function tokenExpired(token, marginSeconds = 10) {
  if (!token) return true;
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')));
    return typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now() + marginSeconds * 1000;
  } catch {
    return false;
  }
}

/**
 * POST {auth_url}/auth/login. Resolves to {ok: true} (tokens saved) or
 * {ok: false, status, detail, retryAfterSeconds}; rejects when the service cannot be reached.
 */
export async function signIn(email, password) {
  const response = await fetch(await authUrl('/auth/login'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    session.save(body);
    return { ok: true };
  }
  // Retry-After is readable cross-origin only if the auth service exposes it (CORS).
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  return {
    ok: false,
    status: response.status,
    detail: typeof body.detail === 'string' ? body.detail : null,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
  };
}

let refreshInFlight = null;

/**
 * Trades the refresh token for a new access token. Resolves true when it did,
 * false when the auth service refused; rejects when it cannot be reached.
 * Concurrent callers share one request.
 */
export function refreshSession() {
  if (!refreshInFlight) {
    refreshInFlight = requestRefresh().finally(() => {
      refreshInFlight = null;
    });
  }
  return refreshInFlight;
}

async function requestRefresh() {
  const refreshToken = session.refreshToken;
  if (!refreshToken) return false;
  const response = await fetch(await authUrl('/auth/refresh'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  if (response.ok) {
    session.save(await response.json());
    return true;
  }
  if (response.status >= 500) {
    throw new Error(`POST /auth/refresh answered HTTP ${response.status}`);
  }
  return false;
}

/** An access token that has not expired, refreshed first if needed; SessionExpiredError if impossible. */
export async function freshAccessToken() {
  if (tokenExpired(session.accessToken) && !(await refreshSession())) {
    throw new SessionExpiredError();
  }
  return session.accessToken;
}

// A request with the Bearer token; on 401 the token is refreshed once and the request repeated.
async function fetchWithSession(url, init = {}) {
  const attempt = () =>
    fetch(url, {
      ...init,
      headers: { ...(init.headers ?? {}), Authorization: `Bearer ${session.accessToken ?? ''}` },
    });
  let response = await attempt();
  if (response.status === 401 && (await refreshSession())) {
    response = await attempt();
  }
  return response;
}

/** GET {auth_url}/auth/me: {id, email}, or null when the session is no longer valid. */
export async function currentUser() {
  const response = await fetchWithSession(await authUrl('/auth/me'));
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`GET /auth/me answered HTTP ${response.status}`);
  return response.json();
}

/** GET a path of the backend with the session; SessionExpiredError on a 401 that a refresh did not cure. */
export async function backendGet(path) {
  const response = await fetchWithSession(path);
  if (response.status === 401) throw new SessionExpiredError();
  return response;
}

/** A random UUID; crypto.randomUUID exists only in secure contexts, so fall back to getRandomValues. */
export function newUuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
