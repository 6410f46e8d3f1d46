// The load-generator process (forked by outside.ts): receives one job over IPC, runs it, answers with the result.
import { runJob, type LoadJob } from './loadgen.js';

process.once('message', (job: LoadJob) => {
  runJob(job).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: Error) => process.send!({ error: err.message }, () => process.exit(1)),
  );
});
