// The chat page's DOM: everything that draws, nothing that decides.
//
// All user and server text goes in with textContent (never innerHTML), so a
// message can never become markup.

import { hasFault } from './api.js';

const byId = (id) => document.getElementById(id);

const elements = {
  threadList: byId('thread-list'),
  threadsEmpty: byId('threads-empty'),
  userEmail: byId('user-email'),
  userAvatar: byId('user-avatar'),
  chatTitle: byId('chat-title'),
  connectionStatus: byId('connection-status'),
  connectionText: byId('connection-text'),
  errorBanner: byId('error-banner'),
  errorText: byId('error-text'),
  retryButton: byId('retry-button'),
  scroller: byId('conversation-scroll'),
  emptyState: byId('empty-state'),
  notice: byId('conversation-notice'),
  messageList: byId('message-list'),
  thinkingIndicator: byId('thinking-indicator'),
  toolIndicator: byId('tool-indicator'),
  composer: byId('composer'),
  textarea: byId('message-textarea'),
  sendButton: byId('send-button'),
  charCount: byId('char-count'),
};

export { elements };

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

// Longest argument or result shown in a tool step, so a long prompt does not flood the list.
const STEP_VALUE_CHARS = 60;

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

// --- header, user menu, connection --------------------------------------------

export function setUserEmail(email) {
  elements.userEmail.textContent = email;
  elements.userEmail.title = email;
  elements.userAvatar.textContent = (email || '?').charAt(0).toUpperCase();
}

export function setChatTitle(title) {
  elements.chatTitle.textContent = title || 'New chat';
  document.title = title ? `${title} · Reference Chat` : 'Reference Chat';
}

export function setConnectionState(state) {
  elements.connectionStatus.dataset.state = state;
  elements.connectionText.textContent = CONNECTION_TEXT[state] ?? state;
}

// --- error banner ----------------------------------------------------------------

export function showBanner(code, message, { retry = false } = {}) {
  elements.errorBanner.dataset.errorCode = code;
  elements.errorText.textContent = message;
  elements.retryButton.hidden = !retry;
  elements.errorBanner.hidden = false;
}

export function bannerCode() {
  return elements.errorBanner.hidden ? null : elements.errorBanner.dataset.errorCode;
}

export function clearBanner() {
  elements.errorBanner.hidden = true;
  elements.errorBanner.dataset.errorCode = '';
  elements.errorText.textContent = '';
  elements.retryButton.hidden = true;
}

// --- thread list -------------------------------------------------------------------

function threadItem(thread) {
  const link = make('a', 'thread-item', thread.title || 'Untitled conversation');
  link.href = `/chat/${encodeURIComponent(thread.id)}`;
  link.dataset.testid = 'thread-item';
  link.dataset.threadId = thread.id;
  link.title = thread.title || '';
  const item = make('li');
  item.append(link);
  return item;
}

/** Replaces the list with `threads` (newest first). */
export function renderThreads(threads, activeThreadId) {
  elements.threadList.replaceChildren(...threads.map(threadItem));
  markActiveThread(activeThreadId);
}

/** Puts a just-created thread at the top of the list (or moves it there). */
export function addThread(thread, activeThreadId) {
  elements.threadList.querySelector(`[data-thread-id="${CSS.escape(thread.id)}"]`)?.parentElement.remove();
  elements.threadList.prepend(threadItem(thread));
  markActiveThread(activeThreadId);
}

export function markActiveThread(threadId) {
  for (const link of elements.threadList.querySelectorAll('[data-testid="thread-item"]')) {
    if (link.dataset.threadId === threadId) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  elements.threadsEmpty.hidden = elements.threadList.childElementCount > 0;
}

// --- messages -----------------------------------------------------------------------

function updateEmptyState() {
  const empty = elements.messageList.childElementCount === 0 && elements.notice.hidden;
  elements.emptyState.hidden = !empty;
}

function nearBottom() {
  const { scrollHeight, scrollTop, clientHeight } = elements.scroller;
  return scrollHeight - scrollTop - clientHeight < 120;
}

function scrollToBottom() {
  elements.scroller.scrollTop = elements.scroller.scrollHeight;
}

export function clearMessages() {
  elements.messageList.replaceChildren();
  hideNotice();
}

export function showNotice(text) {
  elements.notice.textContent = text;
  elements.notice.hidden = false;
  updateEmptyState();
}

export function hideNotice() {
  elements.notice.hidden = true;
  elements.notice.textContent = '';
  updateEmptyState();
}

function userMessageRow(text) {
  const row = make('li', 'message-row message-row--user');
  const bubble = make('div', 'bubble bubble--user');
  bubble.dataset.testid = 'user-message';
  if (hasFault('ui_renders_html')) {
    // FAULT: ui_renders_html
    bubble.innerHTML = text;
  } else {
    bubble.textContent = text;
  }
  row.append(make('div', 'message-author', 'You'), bubble);
  return row;
}

/**
 * An assistant reply. The `ai-message` element holds the answer and nothing else;
 * tool steps and notes are siblings under it.
 */
class AiMessageView {
  constructor(runId, status) {
    this.row = make('li', 'message-row message-row--assistant');
    this.bubble = make('div', 'bubble bubble--assistant');
    this.bubble.dataset.testid = 'ai-message';
    this.bubble.dataset.runId = runId ?? '';
    this.steps = make('ul', 'message-steps');
    this.steps.setAttribute('aria-label', 'Tool steps');
    this.steps.hidden = true;
    this.note = make('p', 'message-note');
    this.note.hidden = true;
    this.stepsById = new Map();
    this.author = make('div', 'message-author', 'Assistant');
    this.row.append(this.author, this.bubble, this.steps, this.note);
    this.setStatus(status);
  }

  setAuthor(name) {
    this.author.textContent = name;
  }

  setRunId(runId) {
    this.bubble.dataset.runId = runId ?? '';
  }

  setStatus(status) {
    this.bubble.dataset.status = status;
    this.bubble.setAttribute('aria-busy', String(status === 'streaming'));
  }

  appendText(delta) {
    if (!delta) return;
    const follow = nearBottom();
    this.bubble.append(delta);
    if (follow) scrollToBottom();
  }

  setText(text) {
    this.bubble.textContent = text;
  }

  setNote(text) {
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  /** A tool call started: "calculator(17 * 23) …". */
  startStep(executionId, toolName, parameters) {
    const step = this.#step(executionId);
    step.call = describeCall(toolName, parameters);
    step.element.textContent = `${step.call} …`;
    step.element.dataset.state = 'running';
  }

  /** A tool call ended: "calculator(17 * 23) -> 391" (or "-> failed"). */
  completeStep(executionId, toolName, results, success) {
    const step = this.#step(executionId);
    step.call ??= `${toolName}(…)`;
    const outcome = success === false ? 'failed' : describeResult(results);
    step.element.textContent = `${step.call} -> ${outcome}`;
    step.element.dataset.state = success === false ? 'failed' : 'done';
  }

  #step(executionId) {
    const key = executionId ?? `step-${this.stepsById.size}`;
    let step = this.stepsById.get(key);
    if (!step) {
      step = { element: make('li', 'message-step'), call: null };
      this.stepsById.set(key, step);
      this.steps.append(step.element);
      this.steps.hidden = false;
    }
    return step;
  }
}

function shorten(text) {
  return text.length > STEP_VALUE_CHARS ? `${text.slice(0, STEP_VALUE_CHARS - 1)}…` : text;
}

function formatValue(value) {
  return shorten(typeof value === 'string' ? value : JSON.stringify(value));
}

function describeCall(toolName, parameters) {
  const entries = parameters && typeof parameters === 'object' ? Object.entries(parameters) : [];
  const args = entries.length === 1
    ? formatValue(entries[0][1])
    : entries.map(([name, value]) => `${name}=${formatValue(value)}`).join(', ');
  return `${toolName}(${args})`;
}

function describeResult(results) {
  if (results && typeof results === 'object' && !Array.isArray(results)) {
    const entries = Object.entries(results);
    if (entries.length === 1) return formatValue(entries[0][1]);
    return shorten(entries.map(([name, value]) => `${name}: ${formatValue(value)}`).join(', '));
  }
  return formatValue(results);
}

export function appendUserMessage(text) {
  elements.messageList.append(userMessageRow(text));
  updateEmptyState();
  scrollToBottom();
}

export function appendAiMessage(runId, status) {
  const view = new AiMessageView(runId, status);
  elements.messageList.append(view.row);
  updateEmptyState();
  scrollToBottom();
  return view;
}

/** Earlier messages of a thread, put before anything already shown (a message sent while they loaded). */
export function renderHistory(messages) {
  const rows = messages.map((message) => {
    if (message.role === 'user') return userMessageRow(message.text ?? '');
    const view = new AiMessageView(message.run_id, message.status === 'error' ? 'error' : 'complete');
    view.setText(message.text ?? '');
    if (message.status === 'error') view.setNote('This answer did not complete.');
    return view.row;
  });
  elements.messageList.prepend(...rows);
  updateEmptyState();
  scrollToBottom();
}

// --- run activity and composer --------------------------------------------------------

export function showThinking(reasoning) {
  elements.thinkingIndicator.textContent = reasoning;
  elements.thinkingIndicator.hidden = !reasoning;
}

export function showTool(text) {
  elements.toolIndicator.textContent = text;
  elements.toolIndicator.hidden = !text;
}

export function clearActivity() {
  showThinking('');
  showTool('');
}

/** While a run is pending the send button is disabled and the list is busy (no half answers read aloud). */
export function setRunPending(pending) {
  elements.sendButton.disabled = pending;
  elements.messageList.setAttribute('aria-busy', String(pending));
}

export function updateComposer(maxChars) {
  const { textarea, charCount } = elements;
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
  const length = [...textarea.value].length;
  charCount.hidden = length < maxChars * 0.9;
  charCount.textContent = `${length} / ${maxChars}`;
  charCount.classList.toggle('char-count--over', length > maxChars);
}
