/**
 * Cost of bearer authentication on the path every FHIR request takes: a token verified once, then seen again
 * (the verified-token cache), against a first-time verification (ES256 signature). Run: npx tsx bench/bearer-cache.ts
 */
import { performance } from 'node:perf_hooks';
import { createTokenService } from '../src/auth/tokens/token-service';
import { systemClock } from '../src/kernel/clock';
import { MemoryStateStore } from '../src/store/state/memory-state-store';

async function main(): Promise<void> {
  const config = { baseUrl: 'http://127.0.0.1:8080/fhir', accessTokenSeconds: 900, signingKeyRotationHours: 720, refreshTokenDays: 30 };
  const service = createTokenService({ config, state: new MemoryStateStore(), clock: systemClock });
  const grant = { clientId: 'viewer', scopes: ['patient/*.rs', 'openid', 'fhirUser'], subject: 'local:alice', fhirUser: 'Practitioner/p1', patient: 'p1', family: 'f1' };
  const header = `Bearer ${(await service.issuer.issueAccessToken(grant)).accessToken}`;
  await service.bearer.callerOf(header);

  const cachedRuns = 1_000_000;
  for (let i = 0; i < 10_000; i++) await service.bearer.callerOf(header);
  let start = performance.now();
  for (let i = 0; i < cachedRuns; i++) await service.bearer.callerOf(header);
  const cachedUs = ((performance.now() - start) * 1000) / cachedRuns;

  const fresh = await Promise.all(Array.from({ length: 2000 }, () => service.issuer.issueAccessToken(grant)));
  start = performance.now();
  for (const t of fresh) await service.bearer.callerOf(`Bearer ${t.accessToken}`);
  const freshUs = ((performance.now() - start) * 1000) / fresh.length;

  console.log(`bearer, cached token:     ${cachedUs.toFixed(2)} µs per call (${cachedRuns} calls, revocation re-checked once a second)`);
  console.log(`bearer, first-seen token: ${freshUs.toFixed(1)} µs per call (ES256 verification and revocation lookup)`);
}

void main();
