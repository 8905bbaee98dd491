// The web console's entry module: shows the view the URL's hash names, redraws it every few seconds,
// and keeps the AuthN token the user gives for the calls (a cluster with auth on answers 401
// without one, and the status line says so).
import { ApiFailure, saveToken, savedToken } from './api.js';
import { views } from './views.js';

const main = document.querySelector('#view');
const status = document.querySelector('#status');
const tokenForm = document.querySelector<HTMLFormElement>('#token-form');
const tokenInput = document.querySelector<HTMLInputElement>('#token');

/** Each draw has a number; a slow answer for a view the user left is dropped. */
let drawing = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
/** The outcome of the last admin action, kept on the status line until the view changes. */
let note = '';

function setStatus(text: string, isError: boolean): void {
  if (status === null) return;
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function failureText(error: unknown): string {
  if (error instanceof ApiFailure && error.status === 401)
    return 'this cluster requires a token: paste one from `cairn auth login` above';
  if (error instanceof ApiFailure && error.status === 403)
    return `your token does not allow this: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function draw(): Promise<void> {
  clearTimeout(timer);
  const current = ++drawing;
  const [name = '', ...rest] = location.hash.slice(1).split('/');
  const viewName = Object.hasOwn(views, name) ? name : 'cluster';
  const view = views[viewName];
  if (view === undefined || main === null) return;
  for (const link of document.querySelectorAll('nav a'))
    link.classList.toggle('active', link.getAttribute('href') === `#${viewName}`);
  try {
    // A hash typed by hand may hold a malformed escape: decoding it throws into the status line.
    const nodes = await view.render(
      decodeURIComponent(rest.join('/')),
      () => void draw(),
      (text) => {
        note = text;
        setStatus(text, text.startsWith('failed'));
      },
    );
    if (current !== drawing) return;
    main.replaceChildren(...nodes);
    const updated = `updated ${new Date().toLocaleTimeString()}`;
    setStatus(note === '' ? updated : `${note} · ${updated}`, note.startsWith('failed'));
  } catch (error) {
    if (current !== drawing) return;
    setStatus(failureText(error), true);
  }
  if (view.refreshMs > 0) timer = setTimeout(() => void draw(), view.refreshMs);
}

tokenForm?.addEventListener('submit', (event) => {
  event.preventDefault();
  saveToken(tokenInput?.value.trim() ?? '');
  showTokenState();
  void draw();
});

function showTokenState(): void {
  if (tokenInput === null) return;
  tokenInput.value = '';
  tokenInput.placeholder =
    savedToken() === '' ? 'AuthN token (cairn auth login)' : 'token in use (paste to replace)';
}

showTokenState();
window.addEventListener('hashchange', () => {
  note = '';
  void draw();
});
void draw();
