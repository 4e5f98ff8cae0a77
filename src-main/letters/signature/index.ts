/** PAdES B-B signature of letters with the card's signature key (docs/signature.md). */
export { cardPdfSigner } from './card-signer'
export { createCadesSignature, type PdfSigner } from './cms'
export { signPdf, type SignPdfOptions } from './pdf'
