// Where the CLI keeps the token of `cairn auth login` (as AIStore's CLI keeps `auth.token`):
// CAIRN_AUTHN_TOKEN_FILE, else `$XDG_CONFIG_HOME/cairn/auth.token` (`~/.config/cairn/...`), mode
// 0600. CAIRN_AUTHN_TOKEN, when set, is the token itself and wins.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function tokenFilePath(): string {
  const explicit = process.env.CAIRN_AUTHN_TOKEN_FILE;
  if (explicit !== undefined && explicit !== '') return explicit;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'cairn', 'auth.token');
}

/** The token to send, if the user logged in (read once per command). */
export async function savedToken(): Promise<string | undefined> {
  const fromEnv = process.env.CAIRN_AUTHN_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    const token = (await readFile(tokenFilePath(), 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

export async function saveToken(token: string): Promise<string> {
  const path = tokenFilePath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return path;
}

export async function removeToken(): Promise<void> {
  await rm(tokenFilePath(), { force: true });
}
