// `npm run wipe`: stops every local Kafka cluster and PostgreSQL cluster and deletes local data
// and logs under .herald/. The resolved Kafka jars stay unless --all is given.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalKafka, clusterSpecs, heraldHome, type ClusterName } from '@herald/local-kafka';
import { LocalPostgres } from '@herald/local-postgres';

for (const name of Object.keys(clusterSpecs) as ClusterName[]) await new LocalKafka(name).wipe();
let clusters: string[] = [];
try {
  clusters = readdirSync(join(heraldHome(), 'postgres'));
} catch {
  // none made yet
}
for (const name of clusters) await new LocalPostgres(name).wipe();
rmSync(join(heraldHome(), 'logs'), { recursive: true, force: true });
if (process.argv.includes('--all')) rmSync(heraldHome(), { recursive: true, force: true });
console.log(`[herald] wiped local data in ${heraldHome()}${process.argv.includes('--all') ? ' (including the Kafka jars)' : ''}`);
