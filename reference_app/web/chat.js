// The chat page: session check, threads, sending, the events of a run, the watchdog.

import {
  backendGet,
  currentUser,
  freshAccessToken,
  goToLogin,
  hasFault,
  loadConfig,
  newUuid,
  session,
  SessionExpiredError,
} from './api.js';
import { ChatConnection } from './connection.js';
import * as view from './view.js';

const { elements } = view;

// The contract's limit for one message (section 4); longer text is refused here with a reason.
const MAX_MESSAGE_CHARS = 4000;
const TITLE_CHARS = 60;

const RUN_EVENTS = new Set([
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_response_delta',
  'agent_completed',
  'agent_error',
]);

const state = {
  config: null,
  connection: null,
  threadId: null, // the open thread; null for a new chat
  threadTitles: new Map(),
  createdThreadIds: new Set(), // threads started on this page (newest last)
  pendingRun: null, // at most one: sending is disabled while a run is pending
  endedRunIds: new Set(), // late events of these runs are ignored
  outbox: null, // the frame of the pending run, when it was sent while disconnected
  retryText: null,
  threadLoad: 0, // to drop a thread's messages that arrive after the user moved on
};

// --- navigation -------------------------------------------------------------------

function threadIdFromPath() {
  const match = /^\/chat\/([^/]+)\/?$/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

function sessionExpired() {
  state.connection?.close();
  goToLogin('expired');
}

async function loadThreads() {
  try {
    const response = await backendGet('/api/threads');
    if (!response.ok) throw new Error(`GET /api/threads answered HTTP ${response.status}`);
    const threads = await response.json();
    // A thread this page created while the list was loading may be missing from it: keep it.
    const listed = new Set(threads.map((thread) => thread.id));
    const created = [...state.createdThreadIds].reverse().filter((id) => !listed.has(id));
    for (const thread of threads) state.threadTitles.set(thread.id, thread.title);
    view.renderThreads([...created.map((id) => ({ id, title: state.threadTitles.get(id) })), ...threads],
      state.threadId);
    if (state.threadId) view.setChatTitle(state.threadTitles.get(state.threadId));
  } catch (error) {
    if (error instanceof SessionExpiredError) return sessionExpired();
    console.warn('could not load the conversations:', error);
  }
}

/** Shows thread `threadId` (null: a new chat), optionally as a new history entry. */
async function openThread(threadId, { push }) {
  abandonPendingRun();
  state.threadId = threadId;
  state.retryText = null;
  const load = ++state.threadLoad;
  view.clearMessages();
  if (view.bannerCode() !== 'CONNECTION_LOST') view.clearBanner();
  view.markActiveThread(threadId);
  view.setChatTitle(threadId ? state.threadTitles.get(threadId) : null);
  if (push) {
    history.pushState(null, '', threadId ? `/chat/${encodeURIComponent(threadId)}` : '/chat');
  }
  if (!threadId) return;

  try {
    const response = await backendGet(`/api/threads/${encodeURIComponent(threadId)}/messages`);
    if (load !== state.threadLoad) return;
    if (response.status === 404) {
      state.threadId = null;
      history.replaceState(null, '', '/chat');
      view.markActiveThread(null);
      view.setChatTitle(null);
      view.showNotice('That conversation does not exist or is not yours. You can start a new one.');
      return;
    }
    if (!response.ok) throw new Error(`GET /api/threads/{id}/messages answered HTTP ${response.status}`);
    view.renderHistory(await response.json());
  } catch (error) {
    if (error instanceof SessionExpiredError) return sessionExpired();
    console.warn('could not load the conversation:', error);
    if (load === state.threadLoad) view.showNotice('The earlier messages could not be loaded. Reload to try again.');
  }
}

// --- sending ----------------------------------------------------------------------

function onComposerSubmit(event) {
  event.preventDefault();
  if (state.pendingRun) return;
  const text = elements.textarea.value.trim();
  if (!text) return;
  const length = [...text].length;
  if (length > MAX_MESSAGE_CHARS) {
    view.showBanner(
      'INVALID_MESSAGE',
      `Your message is ${length} characters long; the limit is ${MAX_MESSAGE_CHARS}. Shorten it and send again.`,
    );
    return;
  }
  elements.textarea.value = '';
  view.updateComposer(MAX_MESSAGE_CHARS);
  send(text);
}

function onComposerKeydown(event) {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    elements.composer.requestSubmit();
  }
}

function send(text) {
  if (view.bannerCode() !== 'CONNECTION_LOST') view.clearBanner();
  state.retryText = null;
  view.appendUserMessage(text);
  const frame = {
    type: 'user_message',
    message_id: newUuid(),
    payload: { text, thread_id: state.threadId },
  };
  startRun(text);
  // While (re)connecting the frame waits and goes out once connection_established arrives.
  if (!state.connection?.send(frame)) state.outbox = frame;
}

function onRetry() {
  const text = state.retryText;
  if (!text || state.pendingRun) return;
  view.clearBanner();
  send(text);
}

// --- runs ---------------------------------------------------------------------------

function startRun(text) {
  const run = { text, threadId: state.threadId, runId: null, ai: null, watchdog: null };
  state.pendingRun = run;
  view.setRunPending(true);
  armWatchdog(run);
}

/** (Re)starts the watchdog of `run`: watchdog_seconds without an event of the run ends it. */
function armWatchdog(run) {
  clearTimeout(run.watchdog);
  if (hasFault('ui_no_watchdog')) {
    // FAULT: ui_no_watchdog
    return;
  }
  run.watchdog = setTimeout(() => onWatchdogFired(run), state.config.watchdog_seconds * 1000);
}

function onWatchdogFired(run) {
  if (state.pendingRun !== run) return;
  // The server runs one run at a time per connection: free it for the retry.
  stopRunOnServer(run);
  failRun(run, 'The assistant did not answer.');
  view.showBanner('AGENT_TIMEOUT', 'The assistant did not respond in time. You can retry.', { retry: true });
  state.retryText = run.text;
}

function aiMessageOf(run) {
  run.ai ??= view.appendAiMessage(run.runId, 'streaming');
  return run.ai;
}

/** The run is over, one way or another: no more watchdog, indicators cleared, sending enabled. */
function endRun(run) {
  clearTimeout(run.watchdog);
  if (run.runId) state.endedRunIds.add(run.runId);
  if (state.pendingRun === run) {
    state.pendingRun = null;
    state.outbox = null;
  }
  view.clearActivity();
  view.setRunPending(false);
}

/** Marks the run's ai-message `error` (creating it if no event came) and ends the run. */
function failRun(run, note) {
  const ai = aiMessageOf(run);
  ai.setStatus('error');
  ai.setNote(note);
  endRun(run);
}

/** Asks the server to stop a run the page gave up on (possible once its run id is known). */
function stopRunOnServer(run) {
  if (run.runId) state.connection?.send({ type: 'stop_agent', payload: { run_id: run.runId } });
}

/**
 * Leaving the thread while a run is pending stops that run: the server runs one
 * run at a time per connection, and the new thread must be able to send.
 */
function abandonPendingRun() {
  const run = state.pendingRun;
  if (!run) return;
  stopRunOnServer(run);
  endRun(run);
  // The thread of a new chat may now exist on the server: list it.
  if (!run.threadId) loadThreads();
}

/** Whether `frame` belongs to the pending run; the first event names the run id, later ones must match. */
function belongsToPendingRun(run, frame) {
  if (!run) return false;
  if (run.runId) return frame.run_id === run.runId;
  if (state.endedRunIds.has(frame.run_id)) return false;
  return !run.threadId || !frame.thread_id || frame.thread_id === run.threadId;
}

/** The first event carrying the thread id of a new chat moves the address and lists the thread. */
function learnThread(run, threadId) {
  if (run.threadId || typeof threadId !== 'string' || !threadId) return;
  run.threadId = threadId;
  if (state.threadId !== null) return;
  state.threadId = threadId;
  const title = run.text.length > TITLE_CHARS ? `${run.text.slice(0, TITLE_CHARS - 1)}…` : run.text;
  state.threadTitles.set(threadId, title);
  state.createdThreadIds.add(threadId);
  history.pushState(null, '', `/chat/${encodeURIComponent(threadId)}`);
  // FAULT: ui_thread_list_stale (the new thread shows up in thread-list only after a reload)
  if (!hasFault('ui_thread_list_stale')) view.addThread({ id: threadId, title }, threadId);
  view.setChatTitle(title);
}

function onRunEvent(frame) {
  const run = state.pendingRun;
  if (typeof frame.run_id !== 'string' || !belongsToPendingRun(run, frame)) {
    console.warn(`ignoring ${frame.type} of run ${frame.run_id}: no such run is pending on this page`);
    return;
  }
  if (frame.type === 'agent_error' && hasFault('ui_ignores_agent_error')) {
    // FAULT: ui_ignores_agent_error
    return;
  }
  if (!run.runId) {
    run.runId = frame.run_id;
    run.ai?.setRunId(run.runId);
  }
  armWatchdog(run);
  learnThread(run, frame.thread_id);
  const ai = aiMessageOf(run);

  switch (frame.type) {
    case 'agent_started':
      ai.setRunId(run.runId);
      // Name the agent as the server names it: the scripted test double must never pass for an AI.
      if (typeof frame.agent_name === 'string' && frame.agent_name) ai.setAuthor(frame.agent_name);
      break;
    case 'agent_thinking':
      view.showThinking(String(frame.reasoning ?? ''));
      break;
    case 'tool_executing':
      ai.startStep(frame.execution_id, frame.tool_name, frame.parameters);
      view.showTool(`Using ${frame.tool_name}…`);
      break;
    case 'tool_completed':
      ai.completeStep(frame.execution_id, frame.tool_name, frame.results, frame.success);
      view.showTool(`Used ${frame.tool_name}`);
      break;
    case 'agent_response_delta':
      if (typeof frame.delta === 'string') ai.appendText(frame.delta);
      break;
    case 'agent_completed':
      if (hasFault('ui_reply_not_shown')) {
        // FAULT: ui_reply_not_shown
        ai.setText('');
      } else {
        ai.setText(String(frame.final_response ?? ''));
      }
      ai.setStatus('complete');
      endRun(run);
      break;
    case 'agent_error':
      failRun(run, 'The assistant could not finish this answer.');
      view.showBanner(String(frame.code ?? 'AGENT_FAILED'), String(frame.message ?? 'The assistant failed.'), {
        retry: frame.recoverable === true,
      });
      if (frame.recoverable === true) state.retryText = run.text;
      break;
  }
}

/**
 * A server `error` frame (INVALID_MESSAGE) has no run id. If a run is pending and
 * none of its events has come yet, the error can only be the answer to its
 * user_message, so that run ends (no ai-message: the agent never started). A run
 * that already has events is left alone; the banner is shown either way.
 */
function onServerError(frame) {
  const run = state.pendingRun;
  if (run && !run.runId) endRun(run);
  view.showBanner(String(frame.code ?? 'INVALID_MESSAGE'), String(frame.message ?? 'The server refused the message.'));
}

function onFrame(frame) {
  if (RUN_EVENTS.has(frame.type)) {
    onRunEvent(frame);
  } else if (frame.type === 'error') {
    onServerError(frame);
  } else if (frame.type !== 'pong') {
    console.warn(`ignoring a WebSocket frame of unknown type ${JSON.stringify(frame.type)}`);
  }
}

// --- connection -----------------------------------------------------------------------

function onConnectionEstablished() {
  if (view.bannerCode() === 'CONNECTION_LOST') view.clearBanner();
  if (state.outbox && state.connection.send(state.outbox)) state.outbox = null;
}

function onUnexpectedClose() {
  // A run cannot survive its socket: say so instead of waiting for an answer that will not come.
  if (state.pendingRun) failRun(state.pendingRun, 'The connection was lost before the answer arrived.');
  view.showBanner('CONNECTION_LOST', 'Connection lost. Reconnecting…');
}

function signOut() {
  state.connection?.close();
  // FAULT: ui_sign_out_keeps_session (the tokens stay behind: /login and /chat still let the user in)
  if (!hasFault('ui_sign_out_keeps_session')) session.clear();
  location.replace('/login');
}

// --- start -----------------------------------------------------------------------------

function wireControls() {
  elements.composer.addEventListener('submit', onComposerSubmit);
  elements.textarea.addEventListener('keydown', onComposerKeydown);
  elements.textarea.addEventListener('input', () => view.updateComposer(MAX_MESSAGE_CHARS));
  elements.retryButton.addEventListener('click', onRetry);
  document.getElementById('sign-out-button').addEventListener('click', signOut);
  document.getElementById('new-chat-button').addEventListener('click', () => {
    openThread(null, { push: location.pathname !== '/chat' });
    elements.textarea.focus();
  });
  elements.threadList.addEventListener('click', (event) => {
    const link = event.target.closest('[data-testid="thread-item"]');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (link.dataset.threadId !== state.threadId) openThread(link.dataset.threadId, { push: true });
  });
  window.addEventListener('popstate', () => openThread(threadIdFromPath(), { push: false }));
  // Leaving the page closes the socket; that close is not worth a reconnect.
  window.addEventListener('pagehide', () => state.connection?.close());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
}

async function main() {
  if (!session.exists()) {
    if (hasFault('ui_chat_without_session')) {
      // FAULT: ui_chat_without_session (a signed-out visitor is left on an empty, dead chat page)
      view.setConnectionState('disconnected');
      return;
    }
    location.replace('/login');
    return;
  }
  wireControls();
  view.setRunPending(false);

  try {
    state.config = await loadConfig();
  } catch (error) {
    console.error(error);
    view.setConnectionState('disconnected');
    view.showNotice('The chat could not load its configuration (GET /config failed). Reload to try again.');
    return;
  }

  let user;
  try {
    user = await currentUser();
  } catch (error) {
    // The auth service is unreachable: carry on, the backend checks the token itself.
    console.warn('could not check the session with the auth service:', error);
  }
  if (user === null) {
    goToLogin('expired');
    return;
  }
  view.setUserEmail(user?.email ?? '');

  state.connection = new ChatConnection({
    url: state.config.ws_url,
    getAccessToken: freshAccessToken,
    onFrame,
    onStateChange: view.setConnectionState,
    onEstablished: onConnectionEstablished,
    onUnexpectedClose,
    onSessionRejected: () => goToLogin('expired'),
  });
  state.connection.start();
  await Promise.all([loadThreads(), openThread(threadIdFromPath(), { push: false })]);
}

main();
