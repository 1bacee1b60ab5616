import { createTokenService } from '../auth/tokens/token-service';
import { loadConfig } from '../config/load-config';
import { systemClock } from '../kernel/clock';
import { openStateStore } from '../store/state/open-state-store';
import { UsageError, parseCommandLine } from './args';

export const TOKEN_USAGE = `Usage: lucarne token [--scope "system/*.rs"] [--client <id>] [--data-dir <folder>] [--config file.json]

Prints an access token for local use, signed with the server's own key (it is read from the data folder,
so run this on the server's machine, as the operator). Default scope: system/*.rs; default client:
lucarne-cli. The token lives accessTokenSeconds (LUCARNE_ACCESS_TOKEN_SECONDS), at most one hour.
Example:  curl -H "Authorization: Bearer $(lucarne token)" http://localhost:8080/fhir/Patient`;

/** `lucarne token`: an operator's access token, minted from the keys in the server's state store. */
export async function runToken(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { scope: { type: 'string' }, client: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' } });
  if (args.help) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  const values = args.values as { scope?: string; client?: string; 'data-dir'?: string; config?: string };
  const env = { ...process.env, ...(values['data-dir'] ? { LUCARNE_DATA_DIR: values['data-dir'] } : {}) };
  const config = loadConfig({ env, configFile: values.config });
  if (config.mongodbUrl) throw new UsageError('lucarne token needs the embedded store: with MongoDB the signing keys are not shared yet');
  const scopes = (values.scope ?? 'system/*.rs').split(/\s+/).filter((s) => s !== '');
  if (scopes.some((s) => !/^system\/(\*|[A-Z][A-Za-z]+)\.[a-z]+$/.test(s))) throw new UsageError('--scope takes system/ scopes only, e.g. "system/*.rs system/Patient.cruds"');
  const state = await openStateStore(config, systemClock);
  try {
    const tokens = createTokenService({ config, state, clock: systemClock });
    const issued = await tokens.issuer.issueAccessToken({ clientId: values.client ?? 'lucarne-cli', scopes });
    process.stdout.write(`${issued.accessToken}\n`);
    return 0;
  } finally {
    await state.close();
  }
}
