import { createLocalJWKSet, createRemoteJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { RegisteredClient } from '../contracts';

/**
 * The key resolvers of the asymmetric clients, one per client (and per registered key set, so that a client
 * removed and registered again with other keys gets a fresh one). A remote set is fetched and cached by jose
 * (refetched when an unknown `kid` arrives, at most every 30 s).
 */
export class ClientKeys {
  private readonly resolvers = new Map<string, { signature: string; resolver: JWTVerifyGetKey }>();

  resolverOf(client: RegisteredClient): JWTVerifyGetKey {
    const signature = client.jwksUri ?? JSON.stringify(client.jwks);
    const cached = this.resolvers.get(client.clientId);
    if (cached?.signature === signature) return cached.resolver;
    const resolver = client.jwksUri
      ? createRemoteJWKSet(new URL(client.jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
      : createLocalJWKSet({ keys: (client.jwks?.keys ?? []) as JWK[] });
    this.resolvers.set(client.clientId, { signature, resolver });
    return resolver;
  }
}
