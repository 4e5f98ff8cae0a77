import { strToU8, zipSync } from 'fflate'
import { buildLetterCda } from './cda'
import { buildXdmMetadata, xdsMetadataOf, type XdsDocumentMetadata } from './metadata'
import type { SignedLetterForTransport } from './types'
import { esc } from './xml'

export const XDM_DOCUMENT_PATH = 'IHE_XDM/SUBSET01/DOC0001.XML'
export const XDM_METADATA_PATH = 'IHE_XDM/SUBSET01/METADATA.XML'

export interface XdmPackage {
  zip: Uint8Array
  /** The CDA inside it, as bytes (what the hash and size describe). */
  cda: Uint8Array
  metadata: XdsDocumentMetadata
}

function indexHtm(letter: SignedLetterForTransport): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="fr"><head><meta charset="utf-8"><title>Contenu de l’archive IHE XDM</title></head><body>',
    `<h1>${esc(letter.title)}</h1>`,
    `<p>Émis par ${esc(letter.establishment.name)} (FINESS ${esc(letter.establishment.finess)}).</p>`,
    `<ul><li><a href="${XDM_DOCUMENT_PATH}">Document CDA R2 (niveau 1, PDF)</a></li>`,
    `<li><a href="${XDM_METADATA_PATH}">Métadonnées XDS</a></li></ul>`,
    '</body></html>',
    '',
  ].join('\n')
}

function readmeTxt(letter: SignedLetterForTransport): string {
  return [
    'Archive IHE XDM (IHE ITI TF-1 §16) produite par Chevet.',
    `Émetteur : ${letter.establishment.name} — FINESS ${letter.establishment.finess}.`,
    `Contenu : ${XDM_DOCUMENT_PATH} (document CDA R2 de niveau 1 dont le corps est le PDF signé),`,
    `${XDM_METADATA_PATH} (lot de soumission XDS).`,
    '',
  ].join('\r\n')
}

/** The IHE XDM zip of one letter: the CDA and its XDS metadata in SUBSET01, INDEX.HTM and README.TXT at the root. */
export function buildXdmPackage(letter: SignedLetterForTransport, options: { submittedAt?: Date; recipients?: string[] } = {}): XdmPackage {
  const cda = strToU8(buildLetterCda(letter))
  const metadata = xdsMetadataOf(letter, cda)
  const xml = buildXdmMetadata(letter, metadata, {
    documentUri: 'DOC0001.XML',
    submittedAt: options.submittedAt ?? new Date(),
    ...(options.recipients ? { recipients: options.recipients } : {}),
  })
  // The signed PDF inside is already compressed: level 6 gains little, but keeps the archive standard.
  const zip = zipSync(
    {
      'INDEX.HTM': strToU8(indexHtm(letter)),
      'README.TXT': strToU8(readmeTxt(letter)),
      [XDM_DOCUMENT_PATH]: cda,
      [XDM_METADATA_PATH]: strToU8(xml),
    },
    { level: 6, mtime: letter.signedAt },
  )
  return { zip, cda, metadata }
}
