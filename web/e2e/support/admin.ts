import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { API_DIR, API_DLL, apiEnv } from './servers';

const run = promisify(execFile);

/**
 * Gives `username` a role the way an operator makes the first admin: the API's own command line
 * (`dotnet Gatehouse.Api.dll --grant-role admin --user <name>`), with the settings and database
 * the suite's API runs with (playwright.config.ts). The role is in the user's next access token,
 * so grant it before they sign in.
 */
export async function grantRole(role: string, username: string): Promise<void> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error('E2E_DATA_DIR is not set: run the specs through playwright.config.ts');
  const apiPort = Number(new URL(process.env.E2E_API_URL ?? 'http://localhost:0').port);
  const env = apiEnv({ port: apiPort, dataDir, frontendUrls: ['http://localhost:1'] });
  const { stdout } = await run('dotnet', [API_DLL, '--grant-role', role, '--user', username], {
    cwd: API_DIR,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  if (!stdout.includes(`Granted the role ${role} to ${username}`)) throw new Error(`--grant-role did not say it granted the role:\n${stdout}`);
}
