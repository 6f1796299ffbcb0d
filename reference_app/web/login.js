// The sign-in page: POST {auth_url}/auth/login, keep the tokens, go to /chat.

import { currentUser, hasFault, session, signIn, takeLoginNotice } from './api.js';

const form = document.getElementById('login-form');
const emailField = document.getElementById('email');
const passwordField = document.getElementById('password');
const signInButton = document.getElementById('sign-in-button');
const loginError = document.getElementById('login-error');

function showError(message) {
  loginError.textContent = message;
  loginError.hidden = false;
}

function clearError() {
  loginError.textContent = '';
  loginError.hidden = true;
}

/** What to tell the user about a refused sign-in; never anything that contains the typed password. */
function describeFailure(result, password) {
  let message;
  if (result.status === 429) {
    const wait = result.retryAfterSeconds ?? Number.parseInt(/\d+/.exec(result.detail ?? '')?.[0] ?? '', 10);
    message = Number.isFinite(wait)
      ? `Too many failed sign-in attempts. Please wait ${wait} seconds before trying again.`
      : 'Too many failed sign-in attempts. Please wait a minute before trying again.';
  } else if (result.status === 401) {
    message = result.detail ?? 'Invalid email or password';
  } else if (result.status === 422) {
    message = 'Please enter a valid email address and a password.';
  } else {
    message = `Sign-in failed (HTTP ${result.status}). Please try again.`;
  }
  // The server should never echo the password; make sure we do not either.
  if (password && message.includes(password)) {
    message = 'Sign-in failed. Please check your email and password.';
  }
  if (hasFault('ui_login_echoes_password')) {
    // FAULT: ui_login_echoes_password
    message = `${message} (you typed "${password}")`;
  }
  return message;
}

async function onSubmit(event) {
  event.preventDefault();
  const email = emailField.value.trim();
  const password = passwordField.value;
  if (!email || !password) {
    showError('Enter your email address and your password.');
    (email ? passwordField : emailField).focus();
    return;
  }

  clearError();
  signInButton.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    const result = await signIn(email, password);
    if (result.ok) {
      location.replace('/chat');
      return;
    }
    // FAULT: ui_no_login_error (a refused sign-in leaves the user looking at an unchanged form)
    if (!hasFault('ui_no_login_error')) showError(describeFailure(result, password));
    passwordField.select();
  } catch (error) {
    console.warn('sign-in request failed:', error);
    showError('The sign-in service cannot be reached. Please try again in a moment.');
  } finally {
    signInButton.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

async function leaveIfSignedIn() {
  if (!session.exists()) return;
  try {
    if (await currentUser()) {
      location.replace('/chat');
      return;
    }
    session.clear();
  } catch (error) {
    // Auth service unreachable: stay here, signing in will say so.
    console.warn('could not check the saved session:', error);
  }
}

form.addEventListener('submit', onSubmit);
if (takeLoginNotice() === 'expired') {
  showError('Your session has expired. Please sign in again.');
}
leaveIfSignedIn();
