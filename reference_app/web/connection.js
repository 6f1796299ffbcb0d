// The page's WebSocket: JWT subprotocol handshake, frame parsing, and
// reconnection with backoff after an unexpected close.
//
// Timing uses setTimeout only, so a test can drive it with the browser's clock.

import { hasFault, SessionExpiredError } from './api.js';

const NORMAL_CLOSURE = 1000;
// The server accepts the handshake and closes with this code when the token is bad.
const POLICY_VIOLATION = 1008;
const FIRST_RECONNECT_DELAY_MS = 500;
const MAX_RECONNECT_DELAY_MS = 30 * 1000;

export class ChatConnection {
  /**
   * @param {object} options
   * @param {string} options.url  ws_url from GET /config
   * @param {() => Promise<string>} options.getAccessToken  a fresh token; SessionExpiredError if none
   * @param {(frame: object) => void} options.onFrame  every well-formed frame (an object with a string type)
   * @param {(state: string) => void} options.onStateChange  connecting | connected | reconnecting | disconnected
   * @param {() => void} options.onEstablished  after connection_established
   * @param {() => void} options.onUnexpectedClose  a close the page did not ask for (a reconnect follows)
   * @param {() => void} options.onSessionRejected  a 1008 close or an unrenewable token
   */
  constructor(options) {
    this.options = options;
    this.socket = null;
    this.state = 'disconnected';
    this.closedOnPurpose = false;
    this.reconnectAttempts = 0;
    this.reconnectTimer = null;
  }

  start() {
    this.#open('connecting');
  }

  /** True once the server has sent connection_established on the current socket. */
  get isConnected() {
    return this.state === 'connected' && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends a frame; false (nothing sent) when not connected. */
  send(frame) {
    if (!this.isConnected) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes with 1000 and never reconnects (sign-out, leaving the page). */
  close() {
    this.closedOnPurpose = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close(NORMAL_CLOSURE, 'client closed');
    this.#setState('disconnected');
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.options.onStateChange(state);
  }

  async #open(state) {
    this.#setState(state);
    let token;
    try {
      token = await this.options.getAccessToken();
    } catch (error) {
      if (error instanceof SessionExpiredError) {
        this.#sessionRejected();
      } else {
        // The auth service could not renew the token just now: try again later.
        console.warn('could not renew the access token before connecting:', error);
        this.#scheduleReconnect();
      }
      return;
    }
    if (this.closedOnPurpose) return;

    let socket;
    try {
      socket = new WebSocket(this.options.url, ['jwt-auth', `jwt-auth.${token}`]);
    } catch (error) {
      console.error('cannot open the WebSocket:', error);
      this.#unexpectedClose();
      return;
    }
    this.socket = socket;
    socket.addEventListener('message', (event) => this.#onMessage(socket, event));
    socket.addEventListener('close', (event) => this.#onClose(socket, event));
  }

  #onMessage(socket, event) {
    if (socket !== this.socket) return;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      console.warn('ignoring a WebSocket frame that is not JSON:', String(event.data).slice(0, 200));
      return;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame) || typeof frame.type !== 'string') {
      console.warn('ignoring a WebSocket frame that is not an object with a type:', frame);
      return;
    }
    if (frame.type === 'connection_established') {
      this.reconnectAttempts = 0;
      this.#setState('connected');
      this.options.onEstablished();
      return;
    }
    this.options.onFrame(frame);
  }

  #onClose(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.closedOnPurpose) {
      this.#setState('disconnected');
      return;
    }
    // FAULT: ui_1008_as_disconnect (a 1008 falls through to the ordinary reconnect below)
    if (event.code === POLICY_VIOLATION && !hasFault('ui_1008_as_disconnect')) {
      this.#sessionRejected();
      return;
    }
    console.warn(`WebSocket closed unexpectedly (code ${event.code}); reconnecting`);
    this.#unexpectedClose();
  }

  #sessionRejected() {
    this.closedOnPurpose = true;
    this.#setState('disconnected');
    this.options.onSessionRejected();
  }

  #unexpectedClose() {
    this.#setState('reconnecting');
    this.options.onUnexpectedClose();
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    if (hasFault('ui_no_reconnect')) {
      // FAULT: ui_no_reconnect
      this.#setState('reconnecting');
      return;
    }
    const delay = Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** this.reconnectAttempts, MAX_RECONNECT_DELAY_MS);
    this.reconnectAttempts += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.#open('reconnecting'), delay);
  }
}
