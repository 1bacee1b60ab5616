import { loadDefinitions } from '../../src/fhir/conformance/definitions';
import { describeEmbeddedStoreContract } from '../../src/store/embedded/embedded-store.contract';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search/embedded-search-index';

/** The whole FhirStore contract again, with the production search index writing its rows in every write. */
const definitions = loadDefinitions();
describeEmbeddedStoreContract('embedded (real search index)', () => createEmbeddedSearchIndex(definitions));
describeEmbeddedStoreContract('embedded (real search index, writer thread)', () => createEmbeddedSearchIndex(definitions), { kind: 'fhir' });
