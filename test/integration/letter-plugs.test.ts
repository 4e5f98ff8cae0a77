import { describe, expect, it } from 'vitest'
import type { CardSession } from '../../src-main/auth/card'
import type { Letter, SessionUser } from '../../src-main/contract'
import { letterPlugs } from '../../src-main/letters/plugs'
import { signerOfPdf } from '../../src-main/letters/plug-transport'
import { createMemoryLogger } from '../../src-main/log'
import type { FeatureContext } from '../../src-main/rpc/feature'
import { cardPdfSigner, signPdf } from '../../src-main/letters/signature'
import { TINY_PDF } from '../fixtures/letter-transport-letter'
import { samplePdf } from '../fixtures/sample-pdf'
import { createVirtualCardProvider, generateTrainingPki } from '../../src-main/training/pki'
import { doctor } from '../fixtures/training-staff'

/**
 * The transport names the signer from the signature certificate inside the signed PDF (not from whoever sends
 * it): a letter signed with a virtual card reads back as that card's holder.
 */
describe('letter plugs: the signer of a signed PDF', () => {
  it('reads the signature certificate’s holder out of the PAdES signature', async () => {
    const pki = await generateTrainingPki([doctor])
    const session = await createVirtualCardProvider({ pki, allowed: true }).login(`virtual:${doctor.key}`, new TextEncoder().encode(doctor.pin))
    try {
      const signed = await signPdf(await samplePdf(), cardPdfSigner(session), { signingTime: new Date('2026-11-23T10:00:00Z') })
      const signer = signerOfPdf(signed)
      expect(signer.idNat).toBe(doctor.idNat)
      expect(signer.surname).toBe(doctor.familyName)
      expect(signer.givenName).toBe(doctor.givenName)
    } finally {
      await session.close()
    }
  })

  it('refuses a PDF that carries no signature', () => {
    expect(() => signerOfPdf(new Uint8Array(TINY_PDF))).toThrow('SIGNATAIRE_INCONNU')
  })
})

/** The signing plug reads only the session's card and the log from its context. */
function contextWith(card: CardSession | null): FeatureContext {
  return { session: { signingCard: card }, log: createMemoryLogger() } as unknown as FeatureContext
}

const USER = { displayName: 'Dr Hélène DURAND' } as SessionUser
const LETTER = { version: 1 } as Letter

describe('letter plugs: signing with the session’s card', () => {
  it('signs with the signed-in card’s signature key', async () => {
    const pki = await generateTrainingPki([doctor])
    const card = await createVirtualCardProvider({ pki, allowed: true }).login(`virtual:${doctor.key}`, new TextEncoder().encode(doctor.pin))
    try {
      const plugs = letterPlugs(contextWith(card), { establishment: () => ({ name: 'CH de formation', finess: '990000010' }) })
      const signed = await plugs.signing!.sign(await samplePdf(), { user: USER, letter: LETTER })
      expect(signerOfPdf(signed).idNat).toBe(doctor.idNat)
    } finally {
      await card.close()
    }
  })

  it('refuses an e-CPS session (no card) with a code the page words', async () => {
    const plugs = letterPlugs(contextWith(null), { establishment: () => null })
    await expect(plugs.signing!.sign(await samplePdf(), { user: USER, letter: LETTER })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'SIGNATURE_CARD_REQUIRED',
    })
  })
})
