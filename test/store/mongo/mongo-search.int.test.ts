import { describeSearchContract } from '../../../src/store/search.contract';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore, testDefinitions } from '../../mongo/mongo-test-env';

describeMongo('MongoDB search', () => {
  describeSearchContract(
    'mongo',
    testDefinitions(),
    ({ baseUrl, clock }) => openTestStore('search', { baseUrl, clock }),
    (store) => dropTestStore(store as MongoStore),
  );
});
