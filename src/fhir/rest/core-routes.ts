import { capabilitiesHandler } from './capabilities';
import { create } from './create';
import { conditionalDelete, deleteResource } from './delete';
import { history } from './history';
import { read } from './read';
import type { FhirRouter } from './router';
import { compartmentSearch, systemSearch, typeSearch } from './search';
import { conditionalUpdate, update } from './update';
import { vread } from './vread';

/** Registers the core REST interactions (one file per interaction) on a router. */
export function registerCoreRoutes(router: FhirRouter): void {
  router.register('GET', 'metadata', capabilitiesHandler(router));
  router.register('GET', ':type/:id', read);
  router.register('GET', ':type/:id/_history/:vid', vread);
  router.register('POST', ':type', create);
  router.register('PUT', ':type/:id', update);
  router.register('PUT', ':type', conditionalUpdate);
  router.register('DELETE', ':type/:id', deleteResource);
  router.register('DELETE', ':type', conditionalDelete);
  router.register('GET', ':type/:id/_history', history);
  router.register('GET', ':type/_history', history);
  router.register('GET', '_history', history);
  router.register('GET', ':type', typeSearch);
  router.register('POST', ':type/_search', typeSearch);
  router.register('GET', '', systemSearch);
  router.register('POST', '_search', systemSearch);
  router.register('GET', ':type/:id/:target', compartmentSearch);
}
