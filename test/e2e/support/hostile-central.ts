import { startTrainingCentral } from '../../../src-main/training/central'
import { hostileResources } from './hostile-resources'

/*
 * Test-only: the training central (small hospital) with the hostile resources of hostile-resources.ts added, in its
 * own process, so that no product code needs a hook for them. Usage: node --import tsx hostile-central.ts DIR
 * Prints the same address line as `chevet training serve`, then runs until SIGTERM.
 */
const dir = process.argv[2]
if (!dir) {
  process.stderr.write('usage: hostile-central.ts DIR\n')
  process.exit(2)
}
const central = await startTrainingCentral({ port: 0, dir, hospital: { pastPatients: 40, heavyObservations: 2_000 } })
await central.fhir.load(hostileResources())
process.stdout.write(`Centrale de formation : ${central.fhirUrl}\n`)
const stop = (): void => {
  void central.close().then(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
