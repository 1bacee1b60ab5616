import { describeStoreContract } from '../../../src/store/store.contract';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { describeMongo, dropTestStore, openTestStore } from '../../mongo/mongo-test-env';

describeMongo('MongoDB store', () => {
  describeStoreContract(
    'mongo',
    () => openTestStore('contract'),
    (store) => dropTestStore(store as MongoStore),
  );
});
