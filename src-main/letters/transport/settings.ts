import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { ChevetConfig } from '../../config'
import { MssanteConfigFile, mssanteTransportSettings, resolveMssanteConfig } from './config'
import type { MssanteTransportSettings } from './config'
import { TRAINING_MSSANTE_FILE, type TrainingMailRelay } from './training-relay'

/**
 * Where this workstation sends letters: the configured MSSanté server; else, in training, the relay of the
 * in-process training central, or of the one in another process (`chevet training serve --dir`, whose
 * mssante.json sits in the training folder); else null (no sending).
 */
export function resolveMssanteTransport(config: ChevetConfig, training: { mailRelay: TrainingMailRelay } | null): MssanteTransportSettings | null {
  if (config.mssante) return mssanteTransportSettings(config.mssante)
  if (training) return training.mailRelay.settings
  if (config.trainingDir) {
    const file = path.join(config.trainingDir, TRAINING_MSSANTE_FILE)
    if (!existsSync(file)) return null
    const parsed = MssanteConfigFile.parse(JSON.parse(readFileSync(file, 'utf8')))
    return mssanteTransportSettings(resolveMssanteConfig(parsed, config.trainingDir, (message) => new Error(message)))
  }
  return null
}
