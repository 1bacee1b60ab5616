/**
 * Child process of audit-crash.test.ts: records `count` audit events through the group-commit sink into the
 * journal of `dataDir`, printing `ack <n>` once each resolves (the point where the request would be answered),
 * then waits to be SIGKILLed: nothing is closed, the job never runs.
 */
import { GroupCommitSink } from '../../src/audit/group-commit-sink';
import { SqliteJournal } from '../../src/audit/sqlite-journal';

const [dataDir, countText] = process.argv.slice(2);
const sink = new GroupCommitSink(new SqliteJournal(dataDir));
const count = Number(countText);
for (let n = 0; n < count; n++) {
  void sink
    .record({ kind: 'rest', event: 'read', action: 'R', status: 200, recorded: new Date().toISOString(), requestId: `crash-${n}`, entities: [`Patient/p${n}`], patients: [`Patient/p${n}`] })
    .then(() => process.stdout.write(`ack ${n}\n`));
}
setInterval(() => undefined, 1000);
