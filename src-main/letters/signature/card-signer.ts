import { CardError, type CardSession } from '../../auth/card'
import type { PdfSigner } from './cms'

/**
 * A PdfSigner over a signed-in card's SIGNATURE key (CPS "Certificat de Signature CPS" / CPS_PRIV_SIG, or a
 * virtual training card's second key). Never falls back to the authentication key: a card without a signature
 * key cannot sign a letter.
 */
export function cardPdfSigner(session: CardSession): PdfSigner {
  const { signatureCertificateChain, signWithSignatureKey } = session
  if (!signatureCertificateChain || !signWithSignatureKey) {
    throw new CardError('CARD_REFUSED', { message: 'Cette carte ne porte pas de clé de signature.' })
  }
  return {
    certificateChain: () => signatureCertificateChain.call(session),
    sign: (data, algorithm) => signWithSignatureKey.call(session, data, algorithm),
  }
}
