import nodemailer from 'nodemailer'
import { LDL_SES_CODE, PATIENT_MAILBOX_DOMAIN } from './codes'
import type { MssanteTransportSettings } from './config'
import { buildXdmPackage } from './xdm'
import { insUsable, type SignedLetterForTransport, type TransportPatient } from './types'

export type RecipientKind = 'medecin-traitant' | 'adresseur' | 'patient' | 'autre'

export interface MssanteRecipient {
  address: string
  kind: RecipientKind
  /** The letter is masked for this professional (DOMAIN.md §3): never sent to them. */
  masked?: boolean
}

export type DeliveryStatus = 'sent' | 'refused' | 'failed' | 'skipped'

/** One per recipient, for the caller to store (the secretary's queue shows them). */
export interface DeliveryResult {
  address: string
  kind: RecipientKind
  /** sent: accepted by the operator; refused: a permanent refusal; failed: still temporary after every attempt. */
  status: DeliveryStatus
  attempts: number
  /** ISO time of the last attempt (or of the decision to skip). */
  at: string
  messageId?: string
  /** The server's reply (SMTP code and text), never patient data of ours. */
  response?: string
  /** Why it was skipped or failed: INVISIBLE_PATIENT, IDENTITE_NON_QUALIFIEE, MASQUE, or the SMTP error. */
  reason?: string
}

export interface SendOptions {
  /** Waits between attempts; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>
  now?: () => Date
  /** Socket timeouts, in ms (default 30 s). */
  timeoutMs?: number
}

/** The patient's Mon espace santé mailbox, only for a QUAL identity (EXI SI 08). */
export function patientMailbox(patient: TransportPatient): string | null {
  return insUsable(patient) ? `${patient.ins.extension}@${PATIENT_MAILBOX_DOMAIN}` : null
}

function isPatientMailbox(address: string): boolean {
  return address.toLowerCase().endsWith(`@${PATIENT_MAILBOX_DOMAIN}`)
}

/** Recipients the letter must not reach, with the reason; null when it may go. */
function skipReason(letter: SignedLetterForTransport, recipient: MssanteRecipient): string | null {
  if (recipient.kind === 'patient' || isPatientMailbox(recipient.address)) {
    if (letter.masking.invisiblePatient) return 'INVISIBLE_PATIENT'
    const mailbox = patientMailbox(letter.patient)
    if (!mailbox) return 'IDENTITE_NON_QUALIFIEE'
    if (mailbox.toLowerCase() !== recipient.address.toLowerCase()) return 'BAL_PATIENT_INCONNUE'
    return null
  }
  return recipient.masked ? 'MASQUE' : null
}

interface SmtpError extends Error {
  code?: string
  responseCode?: number
  response?: string
}

/** 4xx replies and network trouble may pass later; 5xx replies and anything else will not. */
export function isTemporary(error: SmtpError): boolean {
  if (typeof error.responseCode === 'number') return error.responseCode >= 400 && error.responseCode < 500
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED'].includes(error.code ?? '')
}

function describe(error: SmtpError): string {
  return error.response ?? (error.responseCode ? `${error.responseCode}` : (error.code ?? 'ERREUR'))
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Sends the signed letter by MSSanté (DOMAIN.md §4): SMTP with STARTTLS required and the client certificate, the
 * PDF and — when the identity is QUAL, since X-MSS-INS must then accompany it — the IHE XDM archive with the CDA.
 * One message per recipient, so that each gets its own result; temporary failures are retried with exponential
 * backoff, at most `settings.maxAttempts` times.
 */
export async function sendLetterByMssante(
  letter: SignedLetterForTransport,
  recipients: MssanteRecipient[],
  settings: MssanteTransportSettings,
  options: SendOptions = {},
): Promise<DeliveryResult[]> {
  const now = options.now ?? (() => new Date())
  const sleep = options.sleep ?? defaultSleep
  const timeout = options.timeoutMs ?? 30_000
  const withXdm = insUsable(letter.patient)
  // intendedRecipient lists who really receives it: a masked or skipped recipient is not named to the others.
  const served = recipients.filter((r) => skipReason(letter, r) === null).map((r) => r.address)
  const xdm = withXdm ? buildXdmPackage(letter, { submittedAt: now(), recipients: served }) : null

  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: false,
    requireTLS: true,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { ...settings.tls, minVersion: 'TLSv1.2', rejectUnauthorized: true },
  })
  const headers: Record<string, string> = { 'X-MSS-CODECDA': LDL_SES_CODE.code }
  if (withXdm) headers['X-MSS-INS'] = letter.patient.ins!.extension
  const birth = letter.patient.birthDate.split('-').reverse().join('/')
  const text = [
    `${letter.title}`,
    `Patient : ${letter.patient.familyName} ${letter.patient.givenNames.join(' ')}, né(e) le ${birth}.`,
    `Signée par ${letter.signer.givenName} ${letter.signer.familyName} — ${letter.establishment.name}.`,
    withXdm ? 'Le document CDA est joint dans l’archive IHE_XDM.ZIP.' : '',
  ]
    .filter(Boolean)
    .join('\n')
  const attachments = [
    { filename: 'lettre-de-liaison.pdf', content: Buffer.from(letter.pdf), contentType: 'application/pdf' },
    ...(xdm ? [{ filename: 'IHE_XDM.ZIP', content: Buffer.from(xdm.zip), contentType: 'application/zip' }] : []),
  ]

  const results: DeliveryResult[] = []
  try {
    for (const recipient of recipients) {
      const skip = skipReason(letter, recipient)
      if (skip) {
        results.push({ address: recipient.address, kind: recipient.kind, status: 'skipped', attempts: 0, at: now().toISOString(), reason: skip })
        continue
      }
      results.push(await deliver(recipient))
    }
  } finally {
    transport.close()
  }
  return results

  async function deliver(recipient: MssanteRecipient): Promise<DeliveryResult> {
    const base = { address: recipient.address, kind: recipient.kind }
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await transport.sendMail({
          from: letter.signer.mssante ?? settings.from,
          to: recipient.address,
          envelope: { from: settings.from, to: [recipient.address] },
          subject: letter.title,
          text,
          headers,
          attachments,
        })
        return { ...base, status: 'sent', attempts: attempt, at: now().toISOString(), messageId: info.messageId, response: info.response }
      } catch (caught) {
        const error = caught as SmtpError
        const temporary = isTemporary(error)
        if (!temporary || attempt >= settings.maxAttempts) {
          return { ...base, status: temporary ? 'failed' : 'refused', attempts: attempt, at: now().toISOString(), reason: describe(error) }
        }
        await sleep(settings.retryBaseMs * 2 ** (attempt - 1))
      }
    }
  }
}
